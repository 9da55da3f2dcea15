#include "ui/reference_controls.h"

#include "ui/range_slider.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

constexpr int kWindowSteps = 100; // the slider's resolution: 1 % of the steps

// A strength as a slider (0-2 in steps of 0.05) and a spin box (0-10) kept in step.
QDoubleSpinBox* strengthRow(QWidget* parent, QFormLayout* form, const QString& label,
                            const QString& tip, const char* name) {
    auto* spin = new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(0.0, 10.0);
    spin->setSingleStep(0.05);
    spin->setDecimals(2);
    spin->setValue(1.0);
    spin->setToolTip(tip);
    auto* slider = new QSlider(Qt::Horizontal, parent);
    slider->setRange(0, 40);
    slider->setValue(20);
    slider->setToolTip(tip);
    QObject::connect(slider, &QSlider::valueChanged, spin, [spin](int value) {
        if (static_cast<int>(std::lround(spin->value() * 20)) != value)
            spin->setValue(value / 20.0);
    });
    QObject::connect(spin, qOverload<double>(&QDoubleSpinBox::valueChanged), slider,
                     [slider](double value) {
                         const QSignalBlocker quiet(slider);
                         slider->setValue(static_cast<int>(std::lround(std::min(value, 2.0) * 20)));
                     });
    auto* row = new QHBoxLayout;
    row->addWidget(slider, 1);
    row->addWidget(spin);
    form->addRow(label, row);
    return spin;
}

} // namespace

ReferenceControls::ReferenceControls(QWidget* parent)
    : QGroupBox(tr("Reference timing and strength"), parent) {
    setObjectName("referenceControls");
    auto* form = new QFormLayout(this);

    window_ = new RangeSlider(this);
    window_->setObjectName("styleWindowSlider");
    window_->setRange(0, kWindowSteps);
    window_->setValues(0, kWindowSteps);
    window_->setToolTip(tr("The part of the denoising in which the references act; outside it "
                           "the image follows the prompt alone. Early steps set the layout, "
                           "late ones the detail."));
    windowLabel_ = new QLabel(this);
    windowLabel_->setObjectName("styleWindowLabel");
    windowLabel_->setMinimumWidth(96);
    connect(window_, &RangeSlider::valuesChanged, this, &ReferenceControls::updateWindowLabel);
    auto* windowRow = new QHBoxLayout;
    windowRow->addWidget(window_, 1);
    windowRow->addWidget(windowLabel_);
    form->addRow(tr("Active during"), windowRow);
    updateWindowLabel();

    styleStrength_ = strengthRow(
        this, form, tr("Style strength"),
        tr("How strongly the style reference acts in the fine layers (texture, colour, strokes)"),
        "styleStrengthSpin");
    contentStrength_ = strengthRow(
        this, form, tr("Content strength"),
        tr("How strongly the content reference acts in the coarse layers 4-8 (shapes, "
           "composition). With the mode “Style and content” and a content image: the style comes "
           "from the style references, the content from the content image."),
        "contentStrengthSpin");

    layerWeights_ = new QLineEdit(this);
    layerWeights_->setObjectName("layerWeightsEdit");
    layerWeights_->setPlaceholderText(tr("e.g. 0:1, 4:0.5 (layer:factor, layers 0-15)"));
    layerWeights_->setToolTip(tr("Expert: a factor for single cross-attention layers in forward "
                                 "order (0-3 and 9-15 read the style, 4-8 the content), on top "
                                 "of the strengths above"));
    layerWeightsStatus_ = new QLabel(this);
    layerWeightsStatus_->setObjectName("layerWeightsStatus");
    layerWeightsStatus_->setWordWrap(true);
    layerWeightsStatus_->setStyleSheet(QStringLiteral("color: #c0392b"));
    layerWeightsStatus_->hide();
    connect(layerWeights_, &QLineEdit::textChanged, this, &ReferenceControls::checkLayerWeights);
    auto* expert = new QVBoxLayout;
    expert->addWidget(layerWeights_);
    expert->addWidget(layerWeightsStatus_);
    form->addRow(tr("Layer factors"), expert);
}

void ReferenceControls::updateWindowLabel() {
    windowLabel_->setText(tr("%1 – %2 % of the steps").arg(window_->low()).arg(window_->high()));
}

QString ReferenceControls::layerWeightsProblem() const {
    try {
        parseLayerWeights(layerWeights_->text().toStdString());
    } catch (const RequestError& error) {
        return QString::fromStdString(error.problem());
    }
    return {};
}

void ReferenceControls::checkLayerWeights() {
    const QString problem = layerWeightsProblem();
    layerWeightsStatus_->setText(problem);
    layerWeightsStatus_->setVisible(!problem.isEmpty());
}

void ReferenceControls::applyTo(GenerationRequest& request) const {
    request.styleStart = window_->low() / static_cast<double>(kWindowSteps);
    request.styleEnd = window_->high() / static_cast<double>(kWindowSteps);
    request.styleStrength = styleStrength_->value();
    request.contentStrength = contentStrength_->value();
    try {
        request.layerWeights = parseLayerWeights(layerWeights_->text().toStdString());
    } catch (const RequestError&) {
        request.layerWeights.clear(); // shown under the field; the run goes on without it
    }
}

void ReferenceControls::setFrom(const GenerationRequest& request) {
    window_->setValues(static_cast<int>(std::lround(request.styleStart * kWindowSteps)),
                       static_cast<int>(std::lround(request.styleEnd * kWindowSteps)));
    styleStrength_->setValue(request.styleStrength);
    contentStrength_->setValue(request.contentStrength);
    layerWeights_->setText(QString::fromStdString(layerWeightsText(request.layerWeights)));
}

} // namespace deadiff::ui
