// "Reference timing and strength": when in the denoising the reference images act (a range
// slider over the steps), how strongly in the style (fine) and content (coarse) layers, and an
// expert list of per-layer factors. A self-contained section of the form: applyTo()/setFrom()
// are its only contact with a GenerationRequest.
#pragma once

#include "core/pipeline/request.h"

#include <QGroupBox>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;

namespace deadiff::ui {

class RangeSlider;

class ReferenceControls : public QGroupBox {
    Q_OBJECT

public:
    explicit ReferenceControls(QWidget* parent = nullptr);

    // Writes style_start/style_end, the two strengths and layer_weights (an invalid expert list
    // is left out and reported next to the field).
    void applyTo(GenerationRequest& request) const;
    void setFrom(const GenerationRequest& request);

    RangeSlider* windowSlider() const { return window_; }
    QDoubleSpinBox* styleStrengthSpin() const { return styleStrength_; }
    QDoubleSpinBox* contentStrengthSpin() const { return contentStrength_; }
    QLineEdit* layerWeightsEdit() const { return layerWeights_; }
    // Empty while the expert list parses.
    QString layerWeightsProblem() const;

private:
    void updateWindowLabel();
    void checkLayerWeights();

    RangeSlider* window_ = nullptr;
    QLabel* windowLabel_ = nullptr;
    QDoubleSpinBox* styleStrength_ = nullptr;
    QDoubleSpinBox* contentStrength_ = nullptr;
    QLineEdit* layerWeights_ = nullptr;
    QLabel* layerWeightsStatus_ = nullptr;
};

} // namespace deadiff::ui
