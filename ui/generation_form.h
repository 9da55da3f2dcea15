// The settings of one generation: prompt, references, mix, mode, sampling. request() and
// setRequest() are the one place where widgets and GenerationRequest meet; saving, restoring
// from a PNG, "reuse settings" and QSettings all go through them.
#pragma once

#include "core/pipeline/request.h"

#include <QImage>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
template <typename T> class QFutureWatcher;
class QSlider;
class QSpinBox;

namespace deadiff::ui {

class ControlUnitsPanel;
class ImageDropZone;
class ImageView;

class GenerationForm : public QWidget {
    Q_OBJECT

public:
    explicit GenerationForm(QWidget* parent = nullptr);

    // Form -> request. The model path is not part of the form (the window owns it); fields the
    // form does not show (extra styles) come from the last setRequest(). The ControlNets are
    // those of the ControlNet panel while it is switched on.
    GenerationRequest request() const;
    // Request -> form. Every field the form shows is set; the rest is kept for request().
    void setRequest(const GenerationRequest& request);

    ImageDropZone* styleZoneA() const { return styleA_; }
    ImageDropZone* styleZoneB() const { return styleB_; }
    ImageDropZone* contentZone() const { return content_; }
    QSlider* mixSlider() const { return mix_; }
    ControlUnitsPanel* controlPanel() const { return controls_; }

    // "Reuse last" fills in the seed of the last finished generation.
    void setLastSeed(std::uint64_t seed);
    // Width and height both to `side` px (a model's native size).
    void setImageSide(int side);

Q_SIGNALS:
    // Ctrl+Enter in a prompt field.
    void generateRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QGroupBox* buildPromptGroup();
    QGroupBox* buildStyleGroup();
    QGroupBox* buildContentGroup();
    QGroupBox* buildSamplingGroup();
    void onStyleReferencesChanged();
    void updateMixLabel();
    void updateSeedState();

    GenerationRequest hidden_; // fields without widgets, carried through setRequest/request
    std::optional<std::uint64_t> lastSeed_;
    int styleCount_ = 0;

    QPlainTextEdit* prompt_ = nullptr;
    QPlainTextEdit* negativePrompt_ = nullptr;
    ImageDropZone* styleA_ = nullptr;
    ImageDropZone* styleB_ = nullptr;
    ImageDropZone* content_ = nullptr;
    QSlider* mix_ = nullptr;
    QLabel* mixValue_ = nullptr;
    QDoubleSpinBox* imageWeight_ = nullptr;
    QComboBox* mode_ = nullptr;
    QSpinBox* width_ = nullptr;
    QSpinBox* height_ = nullptr;
    QSpinBox* steps_ = nullptr;
    QDoubleSpinBox* cfg_ = nullptr;
    QLineEdit* seed_ = nullptr;
    QCheckBox* randomSeed_ = nullptr;
    QPushButton* reuseSeed_ = nullptr;
    QComboBox* sampler_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QComboBox* dtype_ = nullptr;
    ControlUnitsPanel* controls_ = nullptr;
};

} // namespace deadiff::ui
