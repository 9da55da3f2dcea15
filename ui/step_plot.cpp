#include "ui/step_plot.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QHBoxLayout>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace deadiff::ui {

StepPlot::StepPlot(QWidget* parent)
    : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("stepPlot");
    plot_->setMinimumHeight(160);

    stepTime_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    stepTime_->setName(tr("Seconds per step"));
    stepTime_->setPen(QPen(QColor(31, 119, 180), 2));
    stepTime_->setLineStyle(QCPGraph::lsLine);
    stepTime_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));

    change_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    change_->setName(tr("Change of the prediction"));
    change_->setPen(QPen(QColor(214, 39, 40), 2));

    plot_->xAxis->setLabel(tr("Step"));
    plot_->yAxis->setLabel(tr("Seconds"));
    plot_->yAxis2->setLabel(tr("Relative change"));
    plot_->yAxis2->setVisible(true);
    plot_->yAxis->setLabelColor(QColor(31, 119, 180));
    plot_->yAxis2->setLabelColor(QColor(214, 39, 40));
    plot_->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    plot_->legend->setFont(legendFont);
    // In a narrow dock the legend covers the first steps: let them show through.
    plot_->legend->setBrush(QColor(255, 255, 255, 170));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->xAxis->setRange(1, 2);
    plot_->yAxis->setRange(0, 1);
    plot_->yAxis2->setRange(0, 1);

    auto* saveButton = new QPushButton(tr("Save Plot as PNG…"), this);
    saveButton->setObjectName("savePlotButton");
    connect(saveButton, &QPushButton::clicked, this, &StepPlot::saveWithDialog);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(saveButton);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(plot_, 1);
    layout->addLayout(buttons);
}

int StepPlot::pointCount() const {
    return stepTime_->dataCount();
}

void StepPlot::reset(int totalSteps) {
    totalSteps_ = std::max(1, totalSteps);
    stepTime_->data()->clear();
    change_->data()->clear();
    plot_->xAxis->setRange(0.5, totalSteps_ + 0.5);
    plot_->yAxis->setRange(0, 1);
    plot_->yAxis2->setRange(0, 1);
    plot_->replot();
}

void StepPlot::addStep(int step, double stepSeconds, double change) {
    if (step + 1 > totalSteps_) {
        totalSteps_ = step + 1;
        plot_->xAxis->setRange(0.5, totalSteps_ + 0.5);
    }
    stepTime_->addData(step + 1, stepSeconds);
    if (change >= 0) // the first step has nothing to compare with
        change_->addData(step + 1, change);
    bool found = false;
    const QCPRange seconds = stepTime_->getValueRange(found);
    if (found)
        plot_->yAxis->setRange(0, std::max(seconds.upper * 1.15, 1e-3));
    const QCPRange changes = change_->getValueRange(found);
    if (found)
        plot_->yAxis2->setRange(0, std::max(changes.upper * 1.15, 1e-6));
    // Queued replot: many steps per frame cost one repaint.
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool StepPlot::savePng(const QString& path) {
    plot_->replot();
    return plot_->savePng(path, 0, 0, 1.0, -1, 144);
}

void StepPlot::saveWithDialog() {
    QString path = QFileDialog::getSaveFileName(this, tr("Save Plot"), QStringLiteral("steps.png"),
                                                tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QStringLiteral(".png"), Qt::CaseInsensitive))
        path += QStringLiteral(".png");
    if (!savePng(path))
        QMessageBox::warning(this, tr("Save Plot"),
                             tr("Could not write %1. Check that the folder exists and is "
                                "writable.")
                                 .arg(QDir::toNativeSeparators(path)));
}

} // namespace deadiff::ui
