#include "ui/start_image_panel.h"

#include "ui/drop_zone.h"
#include "ui/mask_painter.h"

#include <QBuffer>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace deadiff::ui {
namespace {

constexpr int kStrengthSteps = 100;

QImage readImage(const QString& path) {
    QImageReader reader(path);
    reader.setAutoTransform(false); // as the pipeline reads it: EXIF orientation ignored
    return reader.read();
}

} // namespace

StartImagePanel::StartImagePanel(QWidget* parent, const QString& maskFolder)
    : QGroupBox(tr("Start from image"), parent)
    , maskFolder_(maskFolder.isEmpty()
                      ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                            QStringLiteral("/masks")
                      : maskFolder) {
    setObjectName("startImagePanel");
    setCheckable(true);
    setChecked(false);
    setToolTip(tr("Image-to-image: start from a picture (a sketch, a photo, an earlier result) "
                  "instead of pure noise; paint a mask to repaint only part of it"));
    auto* layout = new QVBoxLayout(this);

    start_ = new ImageDropZone(tr("Start image"), tr("Drop a sketch or photo to start from"), this);
    start_->setObjectName("startImageZone");
    start_->setMinimumHeight(120);
    start_->setMaximumHeight(150);
    connect(start_, &ImageDropZone::pathChanged, this, &StartImagePanel::onStartImageChanged);
    layout->addWidget(start_);

    auto* form = new QFormLayout;
    strength_ = new QSlider(Qt::Horizontal, this);
    strength_->setObjectName("strengthSlider");
    strength_->setRange(0, kStrengthSteps);
    strength_->setValue(75);
    strength_->setToolTip(tr("How much is painted anew: 0 gives the start image back, 1 keeps "
                             "only its rough colours"));
    strengthValue_ = new QLabel(this);
    strengthValue_->setMinimumWidth(36);
    connect(strength_, &QSlider::valueChanged, this, &StartImagePanel::updateStrengthLabel);
    auto* strengthRow = new QHBoxLayout;
    strengthRow->addWidget(strength_, 1);
    strengthRow->addWidget(strengthValue_);
    form->addRow(tr("Denoising strength"), strengthRow);
    updateStrengthLabel();

    resizeMode_ = new QComboBox(this);
    resizeMode_->setObjectName("resizeModeCombo");
    resizeMode_->addItem(tr("Crop and resize"), QStringLiteral("crop"));
    resizeMode_->addItem(tr("Just resize (stretch)"), QStringLiteral("stretch"));
    resizeMode_->addItem(tr("Resize and fill"), QStringLiteral("fill"));
    resizeMode_->setToolTip(tr("How a start image of another shape fits the image size"));
    form->addRow(tr("Fit"), resizeMode_);
    layout->addLayout(form);

    auto* maskTitle = new QLabel(tr("Repaint only a region: paint it red below"), this);
    layout->addWidget(maskTitle);
    painter_ = new MaskPainter(this);
    painter_->setObjectName("maskPainter");
    painter_->setMinimumHeight(180);
    connect(painter_, &MaskPainter::maskEdited, this, &StartImagePanel::saveMask);
    layout->addWidget(painter_, 1);

    brush_ = new QToolButton(this);
    brush_->setObjectName("maskBrushButton");
    brush_->setText(tr("Brush"));
    brush_->setCheckable(true);
    brush_->setChecked(true);
    eraser_ = new QToolButton(this);
    eraser_->setObjectName("maskEraserButton");
    eraser_->setText(tr("Eraser"));
    eraser_->setCheckable(true);
    auto* tools = new QButtonGroup(this);
    tools->addButton(brush_);
    tools->addButton(eraser_);
    connect(brush_, &QToolButton::toggled, this, [this](bool on) {
        painter_->setTool(on ? MaskPainter::Tool::Brush : MaskPainter::Tool::Eraser);
    });
    brushSize_ = new QSlider(Qt::Horizontal, this);
    brushSize_->setObjectName("brushSizeSlider");
    brushSize_->setRange(1, 128);
    brushSize_->setValue(painter_->brushRadius());
    brushSize_->setToolTip(tr("Brush size (radius in pixels of the start image)"));
    connect(brushSize_, &QSlider::valueChanged, painter_, &MaskPainter::setBrushRadius);
    auto* clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName("maskClearButton");
    connect(clear, &QPushButton::clicked, painter_, &MaskPainter::clearMask);
    auto* invert = new QPushButton(tr("Invert"), this);
    invert->setObjectName("maskInvertButton");
    connect(invert, &QPushButton::clicked, painter_, &MaskPainter::invertMask);
    auto* load = new QPushButton(tr("Load…"), this);
    load->setToolTip(tr("Load a mask image: white repaints, black keeps"));
    connect(load, &QPushButton::clicked, this, &StartImagePanel::loadMaskFile);
    auto* toolRow = new QHBoxLayout;
    toolRow->addWidget(brush_);
    toolRow->addWidget(eraser_);
    toolRow->addWidget(brushSize_, 1);
    toolRow->addWidget(clear);
    toolRow->addWidget(invert);
    toolRow->addWidget(load);
    layout->addLayout(toolRow);

    auto* maskForm = new QFormLayout;
    maskBlur_ = new QSpinBox(this);
    maskBlur_->setObjectName("maskBlurSpin");
    maskBlur_->setRange(0, 64);
    maskBlur_->setValue(4);
    maskBlur_->setSuffix(QStringLiteral(" px"));
    maskBlur_->setToolTip(tr("Softens the mask's edge so the repainted region blends in"));
    maskForm->addRow(tr("Mask blur"), maskBlur_);
    maskedOnly_ = new QCheckBox(tr("Only the masked area, at full resolution"), this);
    maskedOnly_->setObjectName("maskedOnlyCheck");
    maskedOnly_->setToolTip(tr("Repaint the mask's box enlarged to the full image size, then "
                               "paste it back: more detail in a small region"));
    maskedPadding_ = new QSpinBox(this);
    maskedPadding_->setObjectName("maskedPaddingSpin");
    maskedPadding_->setRange(0, 256);
    maskedPadding_->setValue(32);
    maskedPadding_->setSuffix(QStringLiteral(" px"));
    maskedPadding_->setToolTip(tr("Context around the masked area"));
    connect(maskedOnly_, &QCheckBox::toggled, maskedPadding_, &QSpinBox::setEnabled);
    maskedPadding_->setEnabled(false);
    auto* onlyRow = new QHBoxLayout;
    onlyRow->addWidget(maskedOnly_, 1);
    onlyRow->addWidget(maskedPadding_);
    maskForm->addRow(onlyRow);
    layout->addLayout(maskForm);
    maskStatus_ = new QLabel(this);
    maskStatus_->setObjectName("maskStatusLabel");
    maskStatus_->setWordWrap(true);
    layout->addWidget(maskStatus_);
}

void StartImagePanel::updateStrengthLabel() {
    strengthValue_->setText(QString::number(strength_->value() / double(kStrengthSteps), 'f', 2));
}

void StartImagePanel::onStartImageChanged(const QString& path) {
    const QImage image = path.isEmpty() ? QImage() : readImage(path);
    const bool sameSize = !image.isNull() && image.size() == painter_->image().size();
    painter_->setImage(image);
    if (!sameSize) {
        // A mask belongs to its picture: a new picture starts without one.
        painter_->clearMask();
    }
    if (!path.isEmpty())
        setChecked(true);
}

void StartImagePanel::setStartImage(const QString& path) {
    start_->setPath(path);
    setChecked(true);
}

void StartImagePanel::saveMask() {
    maskProblem_.clear();
    if (!painter_->hasMask()) {
        maskPath_.clear();
        maskStatus_->clear();
        return;
    }
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    painter_->mask().save(&buffer, "PNG");
    // Named by content: the same mask is one file however often it is painted or restored.
    const QString name =
        QStringLiteral("mask-%1.png")
            .arg(QString::fromLatin1(
                QCryptographicHash::hash(png, QCryptographicHash::Sha1).toHex().left(16)));
    const QString path = QDir(maskFolder_).filePath(name);
    if (!QFileInfo::exists(path)) {
        QSaveFile file(path);
        if (!QDir().mkpath(maskFolder_) || !file.open(QIODevice::WriteOnly) ||
            file.write(png) != png.size() || !file.commit()) {
            maskPath_.clear();
            maskProblem_ = tr("The mask could not be saved to %1: %2")
                               .arg(QDir::toNativeSeparators(path), file.errorString());
            maskStatus_->setText(maskProblem_);
            return;
        }
    }
    maskPath_ = path;
    maskStatus_->setText(tr("Repainting the red region"));
}

void StartImagePanel::loadMaskFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Load a Mask"), QString(), imageFileFilter());
    if (path.isEmpty())
        return;
    const QImage mask = readImage(path);
    if (mask.isNull()) {
        maskStatus_->setText(
            tr("%1 is not an image Qt can read").arg(QDir::toNativeSeparators(path)));
        return;
    }
    painter_->setMask(mask);
    saveMask();
}

void StartImagePanel::applyTo(GenerationRequest& request) const {
    request.init.clear();
    request.mask.clear();
    if (!isChecked() || !start_->hasImage())
        return;
    request.init = start_->path().toStdString();
    request.strength = strength_->value() / static_cast<double>(kStrengthSteps);
    request.resizeMode =
        enumFromName<image::ResizeMode>(resizeMode_->currentData().toString().toStdString())
            .value_or(image::ResizeMode::Crop);
    if (maskPath_.isEmpty())
        return;
    request.mask = maskPath_.toStdString();
    request.maskBlur = maskBlur_->value();
    request.maskedOnly = maskedOnly_->isChecked();
    request.maskedPadding = maskedPadding_->value();
}

void StartImagePanel::setFrom(const GenerationRequest& request) {
    setChecked(!request.init.empty());
    if (request.init.empty())
        return;
    start_->setPath(QString::fromStdString(request.init));
    strength_->setValue(static_cast<int>(std::lround(request.strength * kStrengthSteps)));
    const int mode = resizeMode_->findData(QString::fromLatin1(nameOf(request.resizeMode)));
    if (mode >= 0)
        resizeMode_->setCurrentIndex(mode);
    maskBlur_->setValue(request.maskBlur);
    maskedOnly_->setChecked(request.maskedOnly);
    maskedPadding_->setValue(request.maskedPadding);
    if (request.mask.empty()) {
        painter_->clearMask();
        return;
    }
    const QImage mask = readImage(QString::fromStdString(request.mask));
    if (mask.isNull()) {
        maskStatus_->setText(
            tr("The mask %1 cannot be read")
                .arg(QDir::toNativeSeparators(QString::fromStdString(request.mask))));
        return;
    }
    painter_->setMask(mask);
    saveMask();
}

} // namespace deadiff::ui
