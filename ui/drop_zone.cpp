#include "ui/drop_zone.h"

#include "core/image/image_io.h"
#include "ui/engine_messages.h"
#include "ui/image_view.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStyle>
#include <QUrl>
#include <QVBoxLayout>

namespace deadiff::ui {
namespace {

constexpr auto kLastImageDirKey = "paths/lastImageDir";

} // namespace

bool isImageFile(const QString& path) {
    const QFileInfo info(path);
    if (!info.isFile())
        return false;
    const QByteArray suffix = info.suffix().toLower().toLatin1();
    return QImageReader::supportedImageFormats().contains(suffix);
}

QString firstImagePath(const QMimeData* mime) {
    if (mime == nullptr || !mime->hasUrls())
        return {};
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile() && isImageFile(url.toLocalFile()))
            return url.toLocalFile();
    return {};
}

QString imageFileFilter() {
    QStringList patterns;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        patterns << QStringLiteral("*.") + QString::fromLatin1(format);
    return QObject::tr("Images (%1);;All files (*)").arg(patterns.join(QLatin1Char(' ')));
}

QString imageProblem(const QString& path) {
    try {
        image::readImageRgb(path.toStdString());
    } catch (const std::exception& error) {
        return userMessage(QString::fromStdString(error.what()));
    }
    return {};
}

ImageDropZone::ImageDropZone(const QString& title, const QString& emptyHint, QWidget* parent)
    : QFrame(parent)
    , title_(title)
    , emptyHint_(emptyHint) {
    setAcceptDrops(true);
    setFrameShape(QFrame::StyledPanel);
    setFrameShadow(QFrame::Sunken);
    setMinimumSize(150, 170);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    titleLabel_ = new QLabel(title, this);
    QFont bold = titleLabel_->font();
    bold.setBold(true);
    titleLabel_->setFont(bold);

    thumbnail_ = new ImageView(this);
    thumbnail_->setObjectName("thumbnail");
    thumbnail_->setMinimumSize(120, 110);

    browseButton_ = new QPushButton(tr("Browse…"), this);
    browseButton_->setObjectName("browseButton");
    browseButton_->setToolTip(tr("Choose an image file"));
    clearButton_ = new QPushButton(tr("Clear"), this);
    clearButton_->setObjectName("clearButton");
    clearButton_->setToolTip(tr("Remove this reference"));
    connect(browseButton_, &QPushButton::clicked, this, &ImageDropZone::browse);
    connect(clearButton_, &QPushButton::clicked, this, &ImageDropZone::clear);

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(browseButton_);
    buttons->addWidget(clearButton_);

    refusalLabel_ = new QLabel(this);
    refusalLabel_->setObjectName("refusalLabel");
    refusalLabel_->setWordWrap(true);
    refusalLabel_->setStyleSheet(QStringLiteral("color: #b00020;"));
    refusalLabel_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);
    layout->addWidget(titleLabel_);
    layout->addWidget(thumbnail_, 1);
    layout->addWidget(refusalLabel_);
    layout->addLayout(buttons);
    updateThumbnail();
}

void ImageDropZone::setPath(const QString& path) {
    if (path == path_)
        return;
    path_ = path;
    refusal_.clear();
    refusalLabel_->hide();
    updateThumbnail();
    Q_EMIT pathChanged(path_);
}

void ImageDropZone::browse() {
    QSettings settings;
    const QString start =
        path_.isEmpty() ? settings.value(kLastImageDirKey).toString() : QFileInfo(path_).path();
    const QString chosen =
        QFileDialog::getOpenFileName(this, tr("Choose %1").arg(title_), start, imageFileFilter());
    if (chosen.isEmpty())
        return;
    settings.setValue(kLastImageDirKey, QFileInfo(chosen).path());
    offerPath(chosen);
}

bool ImageDropZone::offerPath(const QString& path) {
    const QString problem = imageProblem(path);
    if (problem.isEmpty()) {
        setPath(path);
        return true;
    }
    refusal_ = problem;
    refusalLabel_->setText(problem);
    refusalLabel_->setToolTip(problem);
    refusalLabel_->show();
    Q_EMIT refused(problem);
    return false;
}

void ImageDropZone::dragEnterEvent(QDragEnterEvent* event) {
    if (!firstImagePath(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
        setHighlighted(true);
    }
}

void ImageDropZone::dragLeaveEvent(QDragLeaveEvent* event) {
    setHighlighted(false);
    QFrame::dragLeaveEvent(event);
}

void ImageDropZone::dropEvent(QDropEvent* event) {
    setHighlighted(false);
    const QString path = firstImagePath(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    offerPath(path);
}

void ImageDropZone::setHighlighted(bool on) {
    setFrameShadow(on ? QFrame::Raised : QFrame::Sunken);
    setLineWidth(on ? 2 : 1);
}

void ImageDropZone::updateThumbnail() {
    clearButton_->setEnabled(!path_.isEmpty());
    thumbnail_->clear();
    thumbnail_->setToolTip(QDir::toNativeSeparators(path_));
    if (path_.isEmpty()) {
        thumbnail_->setPlaceholderText(emptyHint_);
        return;
    }
    QImageReader reader(path_);
    reader.setAutoTransform(true);
    // Thumbnails only: decode small, whatever the reference's size.
    if (reader.size().isValid())
        reader.setScaledSize(reader.size().scaled(QSize(384, 384), Qt::KeepAspectRatio));
    const QImage image = reader.read();
    if (image.isNull()) {
        thumbnail_->setPlaceholderText(QFileInfo::exists(path_)
                                           ? tr("Cannot read %1").arg(QFileInfo(path_).fileName())
                                           : tr("Missing: %1").arg(QFileInfo(path_).fileName()));
        return;
    }
    thumbnail_->setImage(image);
}

} // namespace deadiff::ui
