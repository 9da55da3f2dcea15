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

class ImageDropZone;
class ImageView;

// The depth map a form shows before generation: the normalised map as an 8-bit RGB picture,
// or the error that prevented it.
struct DepthPreview {
    QImage image;
    QString error;
};

class GenerationForm : public QWidget {
    Q_OBJECT

public:
    explicit GenerationForm(QWidget* parent = nullptr);

    // Form -> request. The model path is not part of the form (the window owns it); fields the
    // form does not show (extra styles) come from the last setRequest(). The ControlNet fields
    // are filled only while the depth panel is switched on.
    GenerationRequest request() const;
    // Request -> form. Every field the form shows is set; the rest is kept for request().
    void setRequest(const GenerationRequest& request);
    // What the loaded model can do: without reference images (a plain SD 1.5 model) the style
    // and content sections are greyed out with a tooltip saying why, and request() carries no
    // references (mode none); the zones keep their images for the next DEADiff model.
    void setReferenceImagesEnabled(bool enabled);
    bool referenceImagesEnabled() const { return referenceImages_; }

    ImageDropZone* styleZoneA() const { return styleA_; }
    ImageDropZone* styleZoneB() const { return styleB_; }
    ImageDropZone* contentZone() const { return content_; }
    QSlider* mixSlider() const { return mix_; }
    ImageDropZone* depthZone() const { return depth_; }
    ImageView* depthPreview() const { return depthPreview_; }

    // "Reuse last" fills in the seed of the last finished generation.
    void setLastSeed(std::uint64_t seed);
    // Width and height both to `side` px (a model's native size).
    void setImageSide(int side);

Q_SIGNALS:
    // Ctrl+Enter in a prompt field.
    void generateRequested();
    // The depth preview was recomputed (shown image or error text updated).
    void depthPreviewUpdated();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QGroupBox* buildPromptGroup();
    QGroupBox* buildStyleGroup();
    QGroupBox* buildContentGroup();
    QGroupBox* buildDepthGroup();
    QGroupBox* buildSamplingGroup();
    void onStyleReferencesChanged();
    void updateMixLabel();
    void updateSeedState();
    void updateDepthState();
    // Reads (or estimates) the depth map off the GUI thread and shows it when done.
    void refreshDepthPreview();

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
    QGroupBox* styleGroup_ = nullptr;
    QGroupBox* contentGroup_ = nullptr;
    bool referenceImages_ = true;
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

    QGroupBox* depthGroup_ = nullptr;
    ImageDropZone* depth_ = nullptr;
    QRadioButton* depthIsMap_ = nullptr;
    QRadioButton* depthEstimate_ = nullptr;
    QLineEdit* depthModel_ = nullptr;
    QPushButton* depthModelBrowse_ = nullptr;
    QLineEdit* control_ = nullptr;
    QDoubleSpinBox* controlScale_ = nullptr;
    QDoubleSpinBox* controlStart_ = nullptr;
    QDoubleSpinBox* controlEnd_ = nullptr;
    ImageView* depthPreview_ = nullptr;
    QLabel* depthStatus_ = nullptr;
    QFutureWatcher<DepthPreview>* depthWatcher_ = nullptr;
    QString depthPreviewKey_; // inputs of the preview shown or being computed
};

} // namespace deadiff::ui
