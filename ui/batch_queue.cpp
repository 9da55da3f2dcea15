#include "ui/batch_queue.h"

#include <qcustomplot.h>

#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {

QString formatEta(double seconds) {
    const long total = std::lround(std::max(0.0, seconds));
    if (total >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(total / 3600)
            .arg((total / 60) % 60, 2, 10, QLatin1Char('0'))
            .arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}

BatchQueuePanel::BatchQueuePanel(QWidget* parent)
    : QWidget(parent) {
    jobs_ = new QListWidget;
    jobs_->setObjectName("batchJobs");
    jobs_->setMaximumHeight(110);

    imageProgress_ = new QProgressBar;
    imageProgress_->setObjectName("batchImageProgress");
    imageProgress_->setFormat(tr("Image: %p%"));
    overallProgress_ = new QProgressBar;
    overallProgress_->setObjectName("batchOverallProgress");
    overallProgress_->setFormat(tr("Job: %v / %m"));
    eta_ = new QLabel;
    eta_->setObjectName("batchEta");

    pause_ = new QPushButton(tr("Pause"));
    pause_->setObjectName("batchPause");
    cancel_ = new QPushButton(tr("Cancel Job"));
    cancel_->setObjectName("batchCancel");
    connect(pause_, &QPushButton::clicked, this, [this] {
        if (running_ == 0)
            return;
        if (paused_)
            Q_EMIT resumeRequested(running_);
        else
            Q_EMIT pauseRequested(running_);
        paused_ = !paused_;
        setState(running_, paused_ ? QStringLiteral("paused") : QStringLiteral("running"));
        updateButtons();
    });
    // Cancels the selected job (queued or running), else the running one.
    connect(cancel_, &QPushButton::clicked, this, [this] {
        quint64 target = running_;
        if (QListWidgetItem* selected = jobs_->currentItem())
            target = selected->data(Qt::UserRole).toULongLong();
        const auto job = jobsById_.find(target);
        if (job == jobsById_.end() || !(job->second.state == QLatin1String("queued") ||
                                        job->second.state == QLatin1String("running") ||
                                        job->second.state == QLatin1String("paused")))
            return;
        Q_EMIT cancelRequested(target);
    });
    connect(jobs_, &QListWidget::currentRowChanged, this, [this] { updateButtons(); });

    plot_ = new QCustomPlot;
    plot_->setObjectName("batchPlot");
    plot_->setMinimumHeight(140);
    seconds_ = plot_->addGraph();
    seconds_->setName(tr("Seconds per image"));
    seconds_->setPen(QPen(QColor(44, 160, 44), 2));
    seconds_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    plot_->xAxis->setLabel(tr("Image"));
    plot_->yAxis->setLabel(tr("Seconds"));
    plot_->xAxis->setRange(0.5, 2.5);
    plot_->yAxis->setRange(0, 1);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(eta_, 1);
    buttons->addWidget(pause_);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(jobs_);
    layout->addWidget(imageProgress_);
    layout->addWidget(overallProgress_);
    layout->addLayout(buttons);
    layout->addWidget(plot_, 1);
    updateButtons();
}

int BatchQueuePanel::plotPointCount() const {
    return seconds_->dataCount();
}

QString BatchQueuePanel::state(quint64 batchId) const {
    const auto job = jobsById_.find(batchId);
    return job == jobsById_.end() ? QString() : job->second.state;
}

void BatchQueuePanel::enqueue(quint64 batchId, const QString& outDir, int imageCount) {
    Job job;
    job.outDir = outDir;
    job.total = imageCount;
    job.item = new QListWidgetItem(jobs_);
    job.item->setData(Qt::UserRole, batchId);
    job.item->setToolTip(QDir::toNativeSeparators(outDir));
    jobsById_[batchId] = job;
    setState(batchId, QStringLiteral("queued"));
    updateButtons();
}

void BatchQueuePanel::setState(quint64 batchId, const QString& state, const QString& detail) {
    const auto found = jobsById_.find(batchId);
    if (found == jobsById_.end())
        return;
    Job& job = found->second;
    job.state = state;
    QString shown;
    if (state == QLatin1String("queued"))
        shown = tr("queued");
    else if (state == QLatin1String("running"))
        shown = tr("running");
    else if (state == QLatin1String("paused"))
        shown = tr("paused");
    else if (state == QLatin1String("done"))
        shown = tr("done");
    else if (state == QLatin1String("cancelled"))
        shown = tr("cancelled");
    else
        shown = tr("failed");
    QString text =
        tr("%n image(s) → %1 — %2", nullptr, job.total).arg(QDir(job.outDir).dirName(), shown);
    if (!detail.isEmpty())
        text += QStringLiteral(" (%1)").arg(detail);
    job.item->setText(text);
}

void BatchQueuePanel::updateButtons() {
    pause_->setEnabled(running_ != 0);
    pause_->setText(paused_ ? tr("Resume") : tr("Pause"));
    cancel_->setEnabled(running_ != 0 ||
                        std::any_of(jobsById_.begin(), jobsById_.end(), [](auto& j) {
                            return j.second.state == QLatin1String("queued");
                        }));
}

void BatchQueuePanel::onStarted(quint64 batchId, int total) {
    running_ = batchId;
    paused_ = false;
    if (auto job = jobsById_.find(batchId); job != jobsById_.end())
        job->second.total = total;
    setState(batchId, QStringLiteral("running"));
    overallProgress_->setRange(0, std::max(1, total));
    overallProgress_->setValue(0);
    imageProgress_->setValue(0);
    eta_->clear();
    seconds_->data()->clear();
    plot_->xAxis->setRange(0.5, std::max(2, total) + 0.5);
    plot_->yAxis->setRange(0, 1);
    plot_->replot();
    updateButtons();
}

void BatchQueuePanel::onProgress(const deadiff::ui::BatchProgressUpdate& update) {
    if (update.batchId != running_)
        return;
    const batch::BatchProgress& p = update.progress;
    imageProgress_->setRange(0, std::max(1, p.totalSteps));
    imageProgress_->setValue(std::min(p.step, std::max(1, p.totalSteps)));
    overallProgress_->setValue(p.imagesDone);
    QString text =
        tr("Image %1 of %2").arg(std::min(p.image + 1, p.imagesTotal)).arg(p.imagesTotal);
    if (p.etaSeconds >= 0)
        text += tr(" · %1 left").arg(formatEta(p.etaSeconds));
    if (p.imagesKept > 0)
        text += tr(" · %n kept", nullptr, p.imagesKept);
    eta_->setText(text);
}

void BatchQueuePanel::onImage(const deadiff::ui::BatchImageUpdate& image) {
    if (image.batchId != running_ || image.kept)
        return;
    seconds_->addData(image.index + 1, image.seconds);
    bool found = false;
    const QCPRange range = seconds_->getValueRange(found);
    plot_->yAxis->setRange(0, found ? std::max(0.1, range.upper * 1.15) : 1.0);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void BatchQueuePanel::onFinished(const deadiff::ui::BatchResult& result) {
    const auto outcome = static_cast<batch::BatchOutcome>(result.outcome);
    const QString state = outcome == batch::BatchOutcome::Completed   ? QStringLiteral("done")
                          : outcome == batch::BatchOutcome::Cancelled ? QStringLiteral("cancelled")
                                                                      : QStringLiteral("failed");
    QString detail;
    if (result.total > 0)
        detail = tr("%1 new, %2 kept").arg(result.generated).arg(result.kept);
    setState(result.batchId, state, detail);
    if (result.batchId == running_) {
        running_ = 0;
        paused_ = false;
        if (outcome == batch::BatchOutcome::Completed)
            overallProgress_->setValue(overallProgress_->maximum());
        eta_->setText(outcome == batch::BatchOutcome::Completed ? tr("Done.") : QString());
    }
    updateButtons();
}

} // namespace deadiff::ui
