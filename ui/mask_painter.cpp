#include "ui/mask_painter.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace deadiff::ui {

MaskPainter::MaskPainter(QWidget* parent)
    : QWidget(parent) {
    setCursor(Qt::CrossCursor);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void MaskPainter::setImage(const QImage& image) {
    image_ = image;
    if (image_.isNull()) {
        mask_ = QImage();
    } else if (mask_.size() != image_.size()) {
        mask_ = QImage(image_.size(), QImage::Format_Grayscale8);
        mask_.fill(Qt::black);
    }
    update();
}

void MaskPainter::setMask(const QImage& mask) {
    if (image_.isNull())
        return;
    mask_ = mask.convertToFormat(QImage::Format_Grayscale8)
                .scaled(image_.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    update();
}

bool MaskPainter::hasMask() const {
    for (int y = 0; y < mask_.height(); ++y) {
        const uchar* row = mask_.constScanLine(y);
        if (std::any_of(row, row + mask_.width(), [](uchar v) { return v != 0; }))
            return true;
    }
    return false;
}

void MaskPainter::clearMask() {
    if (mask_.isNull())
        return;
    mask_.fill(Qt::black);
    update();
    Q_EMIT maskEdited();
}

void MaskPainter::invertMask() {
    if (mask_.isNull())
        return;
    mask_.invertPixels();
    update();
    Q_EMIT maskEdited();
}

QRectF MaskPainter::imageRect() const {
    if (image_.isNull())
        return {};
    const QSizeF fitted = QSizeF(image_.size()).scaled(QSizeF(size()), Qt::KeepAspectRatio);
    return {QPointF((width() - fitted.width()) / 2, (height() - fitted.height()) / 2), fitted};
}

QPointF MaskPainter::toImage(const QPointF& widgetPoint) const {
    const QRectF target = imageRect();
    if (target.isEmpty())
        return {};
    return {(widgetPoint.x() - target.left()) * image_.width() / target.width(),
            (widgetPoint.y() - target.top()) * image_.height() / target.height()};
}

void MaskPainter::strokeTo(const QPointF& imagePoint) {
    QPainter painter(&mask_);
    painter.setRenderHint(QPainter::Antialiasing, false); // a mask is black or white
    const QColor ink = tool_ == Tool::Brush ? Qt::white : Qt::black;
    painter.setPen(QPen(ink, 2.0 * brushRadius_, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    if (imagePoint == last_) {
        painter.setPen(Qt::NoPen);
        painter.setBrush(ink);
        painter.drawEllipse(imagePoint, brushRadius_, brushRadius_);
    } else {
        painter.drawLine(last_, imagePoint);
    }
    last_ = imagePoint;
    update();
}

void MaskPainter::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QRectF target = imageRect();
    if (target.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Drop a start image above, then paint here what to repaint"));
        return;
    }
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(target, image_);
    // The mask as translucent red: the grey values become the alpha of a red layer.
    QImage overlay(mask_.size(), QImage::Format_ARGB32_Premultiplied);
    overlay.fill(QColor(220, 30, 30));
    overlay.setAlphaChannel(mask_);
    painter.setOpacity(0.55);
    painter.drawImage(target, overlay);
}

void MaskPainter::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || image_.isNull())
        return;
    painting_ = true;
    last_ = toImage(event->position());
    strokeTo(last_);
}

void MaskPainter::mouseMoveEvent(QMouseEvent* event) {
    if (painting_)
        strokeTo(toImage(event->position()));
}

void MaskPainter::mouseReleaseEvent(QMouseEvent* event) {
    if (!painting_ || event->button() != Qt::LeftButton)
        return;
    painting_ = false;
    Q_EMIT maskEdited();
}

} // namespace deadiff::ui
