// "Start from image": image-to-image and inpainting in the studio. A drop zone for the start
// image (or the gallery's "Use as Start Image"), the denoising strength, how the image fits the
// size, and a mask painted over it (brush, eraser, clear, invert, load) with its blur and the
// "only the masked area at full resolution" option. A self-contained section of the form:
// applyTo()/setFrom() are its only contact with a GenerationRequest. A painted mask is written
// as a PNG into `maskFolder` when it changes (the request refers to files).
#pragma once

#include "core/pipeline/request.h"

#include <QGroupBox>
#include <QString>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;

namespace deadiff::ui {

class ImageDropZone;
class MaskPainter;

class StartImagePanel : public QGroupBox {
    Q_OBJECT

public:
    // `maskFolder` empty: the application's data folder, "masks".
    explicit StartImagePanel(QWidget* parent = nullptr, const QString& maskFolder = {});

    // Switched off or without an image: init and mask cleared. Otherwise init, strength,
    // resize mode, and the mask file with its options when anything is painted.
    void applyTo(GenerationRequest& request) const;
    // Switches the panel on when the request has a start image; loads its mask into the painter.
    void setFrom(const GenerationRequest& request);

    // Switches the panel on with `path` as the start image (the gallery's "Use as Start Image").
    void setStartImage(const QString& path);

    ImageDropZone* startZone() const { return start_; }
    MaskPainter* maskPainter() const { return painter_; }
    QSlider* strengthSlider() const { return strength_; }
    QComboBox* resizeModeCombo() const { return resizeMode_; }
    QCheckBox* maskedOnlyCheck() const { return maskedOnly_; }
    // The file the painted mask was last written to (empty without a mask).
    QString maskPath() const { return maskPath_; }
    // Why the painted mask could not be written (empty when it was).
    QString maskProblem() const { return maskProblem_; }

private:
    void onStartImageChanged(const QString& path);
    void saveMask();
    void loadMaskFile();
    void updateStrengthLabel();

    QString maskFolder_;
    QString maskPath_;
    QString maskProblem_;
    ImageDropZone* start_ = nullptr;
    QSlider* strength_ = nullptr;
    QLabel* strengthValue_ = nullptr;
    QComboBox* resizeMode_ = nullptr;
    MaskPainter* painter_ = nullptr;
    QToolButton* brush_ = nullptr;
    QToolButton* eraser_ = nullptr;
    QSlider* brushSize_ = nullptr;
    QSpinBox* maskBlur_ = nullptr;
    QCheckBox* maskedOnly_ = nullptr;
    QSpinBox* maskedPadding_ = nullptr;
    QLabel* maskStatus_ = nullptr;
};

} // namespace deadiff::ui
