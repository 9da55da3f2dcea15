#include "ui/image_view.h"

#include <QPainter>
#include <QPalette>

namespace deadiff::ui {

ImageView::ImageView(QWidget* parent)
    : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image) {
    image_ = image;
    ++imagesShown_;
    update();
}

void ImageView::clear() {
    image_ = QImage();
    caption_.clear();
    update();
}

void ImageView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    update();
}

void ImageView::setCaption(const QString& caption) {
    caption_ = caption;
    update();
}

void ImageView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QRect area = rect();
    if (image_.isNull()) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::WindowText));
        painter.drawText(area.adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                         placeholder_);
        return;
    }
    const QSize fitted = image_.size().scaled(area.size(), Qt::KeepAspectRatio);
    const QRect target(QPoint(area.x() + (area.width() - fitted.width()) / 2,
                              area.y() + (area.height() - fitted.height()) / 2),
                       fitted);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
    painter.drawImage(target, image_);
    if (!caption_.isEmpty()) {
        const QFontMetrics metrics(font());
        QRect band(target.left(), target.bottom() - metrics.height() - 6, target.width(),
                   metrics.height() + 6);
        painter.fillRect(band, QColor(0, 0, 0, 140));
        painter.setPen(Qt::white);
        painter.drawText(band.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft, caption_);
    }
}

} // namespace deadiff::ui
