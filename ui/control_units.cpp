#include "ui/control_units.h"

#include "core/control/hint.h"
#include "core/io/png.h"
#include "core/pipeline/request.h"
#include "ui/drop_zone.h"
#include "ui/enum_combo.h"
#include "ui/image_convert.h"
#include "ui/image_view.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace deadiff::ui {
namespace {

using control::ControlType;
using control::Preprocessor;

// Special value of the threshold spins: the preprocessor's default.
constexpr double kDefaultSetting = -1.0;
const char* const kLastControlNetKey = "controlnet/last";
// The last of a model folder's own ControlNets chosen: kept apart, so that a model's own file
// never becomes the default for a model without any (it would not fit).
const char* const kLastOwnControlNetKey = "controlnet/lastOwn";

QString describe(Preprocessor preprocessor) {
    switch (preprocessor) {
    case Preprocessor::None:
        return ControlUnitEditor::tr("None: the image is the hint");
    case Preprocessor::Canny:
        return ControlUnitEditor::tr("Canny edges");
    case Preprocessor::Scribble:
        return ControlUnitEditor::tr("Scribble (strokes of a drawing)");
    case Preprocessor::Lineart:
        return ControlUnitEditor::tr("Line art");
    case Preprocessor::Tile:
        return ControlUnitEditor::tr("Tile (blurred picture)");
    case Preprocessor::Shuffle:
        return ControlUnitEditor::tr("Shuffle (colours without layout)");
    case Preprocessor::DepthMap:
        return ControlUnitEditor::tr("Depth map (normalised)");
    case Preprocessor::DepthMidas:
        return ControlUnitEditor::tr("Depth from a photo (MiDaS ONNX)");
    }
    return {};
}

// What the preprocessor's settings A and B mean; empty when it has none.
QString settingMeaning(Preprocessor preprocessor, int which) {
    switch (preprocessor) {
    case Preprocessor::Canny:
        return which == 0 ? ControlUnitEditor::tr("Low threshold")
                          : ControlUnitEditor::tr("High threshold");
    case Preprocessor::Scribble:
        return which == 0 ? ControlUnitEditor::tr("Ink threshold") : QString();
    case Preprocessor::Lineart:
        return which == 0 ? ControlUnitEditor::tr("Line width (px)") : QString();
    case Preprocessor::Tile:
        return which == 0 ? ControlUnitEditor::tr("Down-sampling factor") : QString();
    case Preprocessor::Shuffle:
        return which == 0 ? ControlUnitEditor::tr("Seed") : QString();
    case Preprocessor::None:
    case Preprocessor::DepthMap:
    case Preprocessor::DepthMidas:
        break;
    }
    return {};
}

QDoubleSpinBox* settingSpin(QWidget* parent, const char* name) {
    auto* spin = new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(kDefaultSetting, 100000.0);
    spin->setDecimals(1);
    spin->setSingleStep(1.0);
    spin->setSpecialValueText(ControlUnitEditor::tr("default"));
    spin->setValue(kDefaultSetting);
    return spin;
}

QDoubleSpinBox* fractionSpin(QWidget* parent, const char* name, double value) {
    auto* spin = new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(0.0, 1.0);
    spin->setSingleStep(0.05);
    spin->setDecimals(2);
    spin->setValue(value);
    return spin;
}

QHBoxLayout* fileRow(QLineEdit* edit, QPushButton* button) {
    auto* row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(button);
    return row;
}

// Everything a preview depends on, so a stale result is never shown.
QString previewKey(const control::ControlUnit& unit, int width, int height) {
    GenerationRequest probe;
    probe.controls.push_back(unit);
    return QString::fromStdString(toJson(probe)) + QString::number(width) + "x" +
           QString::number(height);
}

HintPreview computePreview(const control::ControlUnit& unit, int width, int height) {
    HintPreview preview;
    try {
        control::HintMaker maker;
        preview.image = toQImage(control::hintToRgb8(maker.make(unit, width, height)));
    } catch (const std::exception& error) {
        preview.error = QString::fromStdString(error.what());
    }
    return preview;
}

} // namespace

ControlUnitEditor::ControlUnitEditor(QWidget* parent)
    : QFrame(parent) {
    setObjectName("controlUnit");
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    auto* header = new QHBoxLayout;
    title_ = new QLabel(this);
    title_->setObjectName("controlTitle");
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setObjectName("removeControlButton");
    remove_->setToolTip(tr("Remove this ControlNet"));
    connect(remove_, &QPushButton::clicked, this, &ControlUnitEditor::removeRequested);
    header->addWidget(title_);
    header->addStretch();
    header->addWidget(remove_);
    layout->addLayout(header);

    type_ = new QComboBox(this);
    type_->setObjectName("controlTypeCombo");
    type_->addItem(tr("From the file name"), QString());
    for (const auto& entry : enumNames(ControlType{}))
        type_->addItem(QString::fromLatin1(entry.name), QString::fromLatin1(entry.name));
    type_->setToolTip(tr("What the ControlNet was trained to read; by default its file name "
                         "says (control_v11p_sd15_canny, control_sd15_depth, …)"));
    model_ = new QLineEdit(this);
    model_->setObjectName("controlModelEdit");
    model_->setPlaceholderText(tr("control_v11p_sd15_canny.pth"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString start = !model_->text().isEmpty() ? model_->text()
                              : modelControlNets_.isEmpty()
                                  ? QString()
                                  : QFileInfo(modelControlNets_.front()).absolutePath();
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Choose a ControlNet checkpoint"), start,
            tr("ControlNet checkpoints (*.pth *.ckpt *.safetensors);;All files (*)"));
        if (!file.isEmpty())
            model_->setText(file);
    });

    hintZone_ = new ImageDropZone(tr("Hint"), tr("Drop a picture or a ready hint"), this);
    hintZone_->setObjectName("hintZone");
    // The zone's own minimum fits its title, thumbnail and buttons; a lower cap made the buttons
    // cover the thumbnail. The preview beside it matches its height.
    hintZone_->setMaximumHeight(hintZone_->minimumHeight() + 20);
    preview_ = new ImageView(this);
    preview_->setObjectName("hintPreview");
    preview_->setMinimumHeight(120);
    preview_->setMaximumHeight(hintZone_->maximumHeight());
    preview_->setPlaceholderText(tr("Hint preview"));
    preview_->setToolTip(tr("The hint as the ControlNet sees it, at the image size"));
    auto* zones = new QHBoxLayout;
    zones->addWidget(hintZone_);
    zones->addWidget(preview_);
    status_ = new QLabel(this);
    status_->setObjectName("hintStatusLabel");
    status_->setWordWrap(true);

    preprocess_ = new QComboBox(this);
    preprocess_->setObjectName("preprocessCombo");
    preprocess_->addItem(tr("The kind's default"), QString());
    for (const auto& entry : enumNames(Preprocessor{}))
        preprocess_->addItem(describe(entry.value), QString::fromLatin1(entry.name));
    preprocess_->setToolTip(tr("How the hint is made from the dropped picture"));
    thresholdA_ = settingSpin(this, "thresholdASpin");
    thresholdB_ = settingSpin(this, "thresholdBSpin");
    thresholdALabel_ = new QLabel(this);
    thresholdBLabel_ = new QLabel(this);
    auto* settings = new QHBoxLayout;
    settings->addWidget(thresholdALabel_);
    settings->addWidget(thresholdA_, 1);
    settings->addWidget(thresholdBLabel_);
    settings->addWidget(thresholdB_, 1);
    preprocessModel_ = new QLineEdit(this);
    preprocessModel_->setObjectName("preprocessModelEdit");
    preprocessModel_->setPlaceholderText(tr("MiDaS .onnx file"));
    preprocessModelBrowse_ = new QPushButton(tr("Browse…"), this);
    connect(preprocessModelBrowse_, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Choose a depth estimation model"), preprocessModel_->text(),
            tr("ONNX models (*.onnx);;All files (*)"));
        if (!file.isEmpty())
            preprocessModel_->setText(file);
    });

    scale_ = new QDoubleSpinBox(this);
    scale_->setObjectName("controlScaleSpin");
    scale_->setRange(0.0, 5.0);
    scale_->setSingleStep(0.05);
    scale_->setDecimals(2);
    scale_->setValue(1.0);
    scale_->setToolTip(tr("How strongly the hint holds the layout"));
    start_ = fractionSpin(this, "controlStartSpin", 0.0);
    end_ = fractionSpin(this, "controlEndSpin", 1.0);
    start_->setToolTip(tr("Fraction of the steps after which the ControlNet starts to act"));
    end_->setToolTip(tr("Fraction of the steps after which it stops"));
    auto* window = new QHBoxLayout;
    window->addWidget(start_, 1);
    window->addWidget(new QLabel(QStringLiteral("–"), this));
    window->addWidget(end_, 1);
    saveHint_ = new QPushButton(tr("Save hint…"), this);
    saveHint_->setObjectName("saveHintButton");
    saveHint_->setToolTip(tr("Write the hint shown in the preview to a PNG"));
    connect(saveHint_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the hint"), QString(),
                                                          tr("PNG images (*.png)"));
        QString error;
        if (!path.isEmpty() && !saveHint(path, &error))
            QMessageBox::warning(this, tr("Save the hint"), error);
    });
    auto* strengthRow = new QHBoxLayout;
    strengthRow->addWidget(scale_, 1);
    strengthRow->addWidget(saveHint_);

    auto* form = new QFormLayout;
    form->addRow(tr("Kind"), type_);
    form->addRow(tr("ControlNet"), fileRow(model_, browse));
    layout->addLayout(form);
    layout->addLayout(zones);
    layout->addWidget(status_);
    auto* lower = new QFormLayout;
    lower->addRow(tr("Preprocessor"), preprocess_);
    lower->addRow(QString(), settings);
    lower->addRow(tr("Depth model"), fileRow(preprocessModel_, preprocessModelBrowse_));
    lower->addRow(tr("Strength"), strengthRow);
    lower->addRow(tr("Steps from – to"), window);
    layout->addLayout(lower);

    watcher_ = new QFutureWatcher<HintPreview>(this);
    connect(watcher_, &QFutureWatcher<HintPreview>::finished, this, [this] {
        const HintPreview preview = watcher_->result();
        if (preview.image.isNull())
            preview_->clear();
        else
            preview_->setImage(preview.image);
        status_->setText(preview.error);
        saveHint_->setEnabled(!preview.image.isNull());
        Q_EMIT previewUpdated();
    });
    const auto changed = [this] {
        updateSettingsState();
        refreshPreview();
    };
    connect(type_, qOverload<int>(&QComboBox::currentIndexChanged), this, changed);
    // A ControlNet made for the model of the kind now chosen replaces one of another kind.
    connect(type_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        const QString kind = type_->currentData().toString();
        if (kind.isEmpty() || !modelControlNets_.contains(model_->text()))
            return;
        for (const QString& file : modelControlNets_)
            if (QString::fromLatin1(nameOf(control::controlTypeFromFileName(file.toStdString()))) ==
                kind) {
                if (file != model_->text())
                    model_->setText(file);
                return;
            }
    });
    connect(preprocess_, qOverload<int>(&QComboBox::currentIndexChanged), this, changed);
    connect(hintZone_, &ImageDropZone::pathChanged, this, changed);
    connect(thresholdA_, &QDoubleSpinBox::editingFinished, this, changed);
    connect(thresholdB_, &QDoubleSpinBox::editingFinished, this, changed);
    connect(preprocessModel_, &QLineEdit::editingFinished, this, changed);
    connect(model_, &QLineEdit::editingFinished, this, changed);
    connect(model_, &QLineEdit::textChanged, this, [this, changed](const QString& text) {
        rememberChoice(text);
        if (!model_->hasFocus())
            changed(); // chosen in the dialog or set by code; typing waits for editingFinished
    });
    connect(preprocessModel_, &QLineEdit::textChanged, this, [this, changed] {
        if (!preprocessModel_->hasFocus())
            changed();
    });
    saveHint_->setEnabled(false);
    updateSettingsState();
}

void ControlUnitEditor::setModelControlNets(const QStringList& files) {
    modelControlNets_ = files;
}

void ControlUnitEditor::rememberChoice(const QString& file) const {
    if (file.isEmpty())
        return;
    QSettings().setValue(QString::fromLatin1(modelControlNets_.contains(file)
                                                 ? kLastOwnControlNetKey
                                                 : kLastControlNetKey),
                         file);
}

void ControlUnitEditor::setTitle(const QString& title) {
    title_->setText(title);
}

control::ControlUnit ControlUnitEditor::unit() const {
    control::ControlUnit unit;
    unit.model = model_->text().toStdString();
    unit.type = comboChoice<ControlType>(type_);
    const QString preprocess = preprocess_->currentData().toString();
    const std::string picture = hintZone_->path().toStdString();
    if (preprocess == QLatin1String(nameOf(Preprocessor::None))) {
        unit.hint = picture;
    } else {
        unit.hintFrom = picture;
        unit.preprocess = comboChoice<Preprocessor>(preprocess_);
    }
    if (thresholdA_->isEnabled() && thresholdA_->value() != kDefaultSetting)
        unit.thresholdA = thresholdA_->value();
    if (thresholdB_->isEnabled() && thresholdB_->value() != kDefaultSetting)
        unit.thresholdB = thresholdB_->value();
    if (control::effectivePreprocessor(unit) == Preprocessor::DepthMidas)
        unit.preprocessModel = preprocessModel_->text().toStdString();
    unit.scale = scale_->value();
    unit.start = start_->value();
    unit.end = end_->value();
    return unit;
}

void ControlUnitEditor::setUnit(const control::ControlUnit& unit) {
    const QSignalBlocker blockType(type_), blockPreprocess(preprocess_), blockZone(hintZone_),
        blockModel(model_), blockDepthModel(preprocessModel_);
    model_->setText(QString::fromStdString(unit.model));
    rememberChoice(model_->text()); // a restored request's file is the last one chosen, too
    selectData(type_, unit.type ? QString::fromLatin1(nameOf(*unit.type)) : QString(), 0);
    if (!unit.hint.empty()) {
        selectData(preprocess_, QString::fromLatin1(nameOf(Preprocessor::None)));
        hintZone_->setPath(QString::fromStdString(unit.hint));
    } else {
        selectData(preprocess_,
                   unit.preprocess ? QString::fromLatin1(nameOf(*unit.preprocess)) : QString());
        hintZone_->setPath(QString::fromStdString(unit.hintFrom));
    }
    thresholdA_->setValue(unit.thresholdA.value_or(kDefaultSetting));
    thresholdB_->setValue(unit.thresholdB.value_or(kDefaultSetting));
    preprocessModel_->setText(QString::fromStdString(unit.preprocessModel));
    scale_->setValue(unit.scale);
    start_->setValue(unit.start);
    end_->setValue(unit.end);
    updateSettingsState();
    refreshPreview();
}

void ControlUnitEditor::setHintSize(int width, int height) {
    width_ = width;
    height_ = height;
    refreshPreview();
}

QString ControlUnitEditor::previewError() const {
    return status_->text();
}

bool ControlUnitEditor::saveHint(const QString& path, QString* error) const {
    if (preview_->image().isNull()) {
        if (error != nullptr)
            *error = tr("There is no hint to save yet.");
        return false;
    }
    try {
        io::writePng(path.toStdString(), toRgbMat(preview_->image()));
    } catch (const std::exception& failure) {
        if (error != nullptr)
            *error = QString::fromStdString(failure.what());
        return false;
    }
    return true;
}

void ControlUnitEditor::updateSettingsState() {
    // The settings of the preprocessor that will run (the kind's default when none is chosen).
    control::ControlUnit probe;
    probe.model = model_->text().toStdString();
    probe.type = comboChoice<ControlType>(type_);
    const QString preprocess = preprocess_->currentData().toString();
    if (preprocess != QLatin1String(nameOf(Preprocessor::None))) {
        probe.hintFrom = "picture";
        probe.preprocess = comboChoice<Preprocessor>(preprocess_);
    }
    const std::optional<Preprocessor> running = control::effectivePreprocessor(probe);
    const Preprocessor shown = running.value_or(Preprocessor::None);
    const control::PreprocessorSettings defaults = control::preprocessorSettings(shown);
    const auto showSetting = [&](QLabel* label, QDoubleSpinBox* spin, int which,
                                 const std::optional<double>& fallback) {
        const QString meaning = settingMeaning(shown, which);
        label->setText(meaning);
        spin->setEnabled(!meaning.isEmpty());
        spin->setToolTip(fallback ? tr("Default: %1").arg(*fallback) : QString());
    };
    showSetting(thresholdALabel_, thresholdA_, 0, defaults.defaultA);
    showSetting(thresholdBLabel_, thresholdB_, 1, defaults.defaultB);
    const bool estimate = shown == Preprocessor::DepthMidas;
    preprocessModel_->setEnabled(estimate);
    preprocessModelBrowse_->setEnabled(estimate);
    const QString noPreprocessor = tr("No preprocessor here makes this kind of hint: choose one, "
                                      "or drop a ready hint and choose “None”.");
    if (!running)
        status_->setText(noPreprocessor);
    else if (status_->text() == noPreprocessor)
        status_->clear();
}

void ControlUnitEditor::refreshPreview() {
    const control::ControlUnit current = unit();
    const QString key = previewKey(current, width_, height_);
    if (key == previewKey_)
        return;
    previewKey_ = key;
    if (control::hintSource(current).empty() || !control::effectivePreprocessor(current)) {
        watcher_->cancel();
        preview_->clear();
        saveHint_->setEnabled(false);
        if (control::effectivePreprocessor(current))
            status_->clear();
        Q_EMIT previewUpdated();
        return;
    }
    if (control::effectivePreprocessor(current) == Preprocessor::DepthMidas &&
        current.preprocessModel.empty()) {
        preview_->clear();
        status_->setText(tr("Choose a MiDaS .onnx depth model to estimate depth"));
        Q_EMIT previewUpdated();
        return;
    }
    status_->setText(tr("Making the hint…"));
    // Off the GUI thread: a MiDaS model takes seconds on a CPU.
    watcher_->setFuture(QtConcurrent::run(computePreview, current, width_, height_));
}

ControlUnitsPanel::ControlUnitsPanel(QWidget* parent)
    : QGroupBox(tr("ControlNet (layout)"), parent) {
    setObjectName("controlGroup");
    setCheckable(true);
    setChecked(false);
    setToolTip(tr("Hold the layout of hints (edges, depth, scribbles, …) while the style comes "
                  "from the references; several ControlNets act together"));
    auto* layout = new QVBoxLayout(this);
    list_ = new QVBoxLayout;
    layout->addLayout(list_);
    add_ = new QPushButton(tr("Add ControlNet"), this);
    add_->setObjectName("addControlButton");
    connect(add_, &QPushButton::clicked, this, [this] { addUnit(); });
    layout->addWidget(add_);
    // Switched on with no unit yet: start with one.
    connect(this, &QGroupBox::toggled, this, [this](bool on) {
        if (on && editors_.empty())
            addUnit();
    });
}

void ControlUnitsPanel::setModelControlNetFolder(const QString& folder) {
    modelControlNets_.clear();
    if (!folder.isEmpty())
        for (const QFileInfo& file :
             QDir(folder).entryInfoList({QStringLiteral("*.safetensors"), QStringLiteral("*.pth"),
                                         QStringLiteral("*.ckpt")},
                                        QDir::Files, QDir::Name))
            modelControlNets_ << file.absoluteFilePath();
    for (ControlUnitEditor* editor : editors_)
        editor->setModelControlNets(modelControlNets_);
}

ControlUnitEditor* ControlUnitsPanel::addUnit() {
    auto* editor = new ControlUnitEditor(this);
    editor->setModelControlNets(modelControlNets_);
    control::ControlUnit fresh;
    if (modelControlNets_.isEmpty()) {
        fresh.model =
            QSettings().value(QString::fromLatin1(kLastControlNetKey)).toString().toStdString();
    } else {
        const QString own =
            QSettings().value(QString::fromLatin1(kLastOwnControlNetKey)).toString();
        fresh.model =
            (modelControlNets_.contains(own) ? own : modelControlNets_.front()).toStdString();
    }
    editor->setHintSize(width_, height_);
    editor->setUnit(fresh);
    connect(editor, &ControlUnitEditor::removeRequested, this,
            [this, editor] { removeUnit(editor); });
    connect(editor, &ControlUnitEditor::previewUpdated, this, &ControlUnitsPanel::previewUpdated);
    connect(editor->hintZone(), &ImageDropZone::refused, this, &ControlUnitsPanel::hintRefused);
    editors_.push_back(editor);
    list_->addWidget(editor);
    renumber();
    Q_EMIT unitAdded(editor);
    return editor;
}

QString ControlUnitsPanel::incompleteSettings() const {
    if (!isChecked())
        return {};
    for (std::size_t i = 0; i < editors_.size(); ++i) {
        const control::ControlUnit unit = editors_[i]->unit();
        if (unit.model.empty() && control::hintSource(unit).empty())
            return tr("ControlNet %1 is empty: drop a picture on its Hint slot and choose its "
                      "ControlNet file, remove it, or switch the panel off.")
                .arg(i + 1);
    }
    return {};
}

void ControlUnitsPanel::removeUnit(ControlUnitEditor* editor) {
    editors_.erase(std::remove(editors_.begin(), editors_.end(), editor), editors_.end());
    editor->deleteLater();
    renumber();
}

void ControlUnitsPanel::renumber() {
    for (std::size_t i = 0; i < editors_.size(); ++i)
        editors_[i]->setTitle(tr("ControlNet %1").arg(i + 1));
    add_->setEnabled(editors_.size() < static_cast<std::size_t>(kMaxControls));
}

std::vector<control::ControlUnit> ControlUnitsPanel::units() const {
    std::vector<control::ControlUnit> units;
    if (!isChecked())
        return units;
    for (const ControlUnitEditor* editor : editors_)
        units.push_back(editor->unit());
    return units;
}

void ControlUnitsPanel::setUnits(const std::vector<control::ControlUnit>& units) {
    if (units.empty()) {
        setChecked(false); // the editors stay, as the files chosen in them
        return;
    }
    while (editors_.size() > units.size())
        removeUnit(editors_.back());
    {
        const QSignalBlocker block(this); // no automatic first unit
        setChecked(true);
    }
    while (editors_.size() < units.size())
        addUnit();
    for (std::size_t i = 0; i < units.size(); ++i)
        editors_[i]->setUnit(units[i]);
}

void ControlUnitsPanel::setHintSize(int width, int height) {
    width_ = width;
    height_ = height;
    for (ControlUnitEditor* editor : editors_)
        editor->setHintSize(width, height);
}

} // namespace deadiff::ui
