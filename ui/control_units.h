// The studio's "ControlNet" panel (issue 21): a list of ControlNet units, each with its kind,
// file, hint drop zone and a live preview of the hint as the ControlNet will see it (made by the
// same core code as generation, off the GUI thread), its preprocessor and settings, strength and
// step window. Self-contained: the form asks it for units() and gives it setUnits(); nothing
// else of the form knows about ControlNets.
#pragma once

#include "core/control/control_unit.h"

#include <QFrame>
#include <QGroupBox>
#include <QImage>
#include <QString>
#include <QStringList>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QVBoxLayout;
template <typename T> class QFutureWatcher;

namespace deadiff::ui {

class ImageDropZone;
class ImageView;

// A hint as the preview shows it, or the error that prevented it.
struct HintPreview {
    QImage image;
    QString error;
};

// One unit: what control::ControlUnit holds, as widgets.
class ControlUnitEditor : public QFrame {
    Q_OBJECT

public:
    explicit ControlUnitEditor(QWidget* parent = nullptr);

    control::ControlUnit unit() const;
    void setUnit(const control::ControlUnit& unit);
    // The generation size the preview is made at.
    void setHintSize(int width, int height);
    void setTitle(const QString& title);

    ImageDropZone* hintZone() const { return hintZone_; }
    ImageView* preview() const { return preview_; }
    QString previewError() const;
    QComboBox* typeBox() const { return type_; }
    QComboBox* preprocessBox() const { return preprocess_; }
    QLineEdit* modelEdit() const { return model_; }
    QPushButton* removeButton() const { return remove_; }
    QPushButton* saveHintButton() const { return saveHint_; }
    // Writes the hint shown in the preview to `path` (PNG); false with a message on failure.
    bool saveHint(const QString& path, QString* error = nullptr) const;
    // ControlNets made for the loaded model (its folder's controlnet/): Browse… opens there, and
    // while the file is one of them, choosing another kind picks the one of that kind.
    void setModelControlNets(const QStringList& files);

Q_SIGNALS:
    void removeRequested();
    // The preview was recomputed (image or error updated).
    void previewUpdated();

private:
    void updateSettingsState();
    void refreshPreview();
    // Remembers `file` as the last ControlNet chosen (the model's own apart from others).
    void rememberChoice(const QString& file) const;

    QLabel* title_ = nullptr;
    QPushButton* remove_ = nullptr;
    QComboBox* type_ = nullptr;
    QLineEdit* model_ = nullptr;
    ImageDropZone* hintZone_ = nullptr;
    ImageView* preview_ = nullptr;
    QLabel* status_ = nullptr;
    QComboBox* preprocess_ = nullptr;
    QLabel* thresholdALabel_ = nullptr;
    QLabel* thresholdBLabel_ = nullptr;
    QDoubleSpinBox* thresholdA_ = nullptr;
    QDoubleSpinBox* thresholdB_ = nullptr;
    QLineEdit* preprocessModel_ = nullptr;
    QPushButton* preprocessModelBrowse_ = nullptr;
    QDoubleSpinBox* scale_ = nullptr;
    QDoubleSpinBox* start_ = nullptr;
    QDoubleSpinBox* end_ = nullptr;
    QPushButton* saveHint_ = nullptr;
    QFutureWatcher<HintPreview>* watcher_ = nullptr;
    QStringList modelControlNets_;
    QString previewKey_; // inputs of the preview shown or being computed
    int width_ = 512;
    int height_ = 512;
};

// The panel: checkable (switched off, the units stay but the request carries none), with
// "Add ControlNet" and one editor per unit.
class ControlUnitsPanel : public QGroupBox {
    Q_OBJECT

public:
    explicit ControlUnitsPanel(QWidget* parent = nullptr);

    // The units while the panel is switched on; none while it is off.
    std::vector<control::ControlUnit> units() const;
    // Replaces the units; switched on when there are any (off keeps the editors).
    void setUnits(const std::vector<control::ControlUnit>& units);
    void setHintSize(int width, int height);
    // The loaded model's own ControlNets: the *.safetensors/*.pth/*.ckpt in `folder` (a model
    // folder's controlnet/; empty or missing: none). A new unit starts with one of them (the
    // last one chosen when it is among them, else the first) instead of the last ControlNet
    // chosen for another model, which would not fit; and a model's own ControlNet never becomes
    // the default for another model.
    void setModelControlNetFolder(const QString& folder);
    const QStringList& modelControlNets() const { return modelControlNets_; }

    int unitCount() const { return static_cast<int>(editors_.size()); }
    ControlUnitEditor* editor(int index) const {
        return editors_.at(static_cast<std::size_t>(index));
    }
    QPushButton* addButton() const { return add_; }
    // Adds a unit (its file: the last ControlNet chosen).
    ControlUnitEditor* addUnit();
    // What keeps the units from running that the request cannot say (a unit with neither a
    // ControlNet file nor a hint), in the user's words; empty when nothing does.
    QString incompleteSettings() const;

Q_SIGNALS:
    void previewUpdated();
    // A unit's editor was added (the form keeps the wheel off its values).
    void unitAdded(ControlUnitEditor* editor);
    // A dropped or picked hint picture was refused (message translated).
    void hintRefused(const QString& message);

private:
    void removeUnit(ControlUnitEditor* editor);
    void renumber();

    QVBoxLayout* list_ = nullptr;
    QPushButton* add_ = nullptr;
    std::vector<ControlUnitEditor*> editors_;
    QStringList modelControlNets_;
    int width_ = 512;
    int height_ = 512;
};

} // namespace deadiff::ui
