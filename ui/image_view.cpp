#include "ui/image_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPalette>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 64.0;
constexpr double kZoomStep = 1.25;
constexpr double kPaneGap = 6.0;
// From this magnification on, smoothing blurs more than it helps: draw the pixels.
constexpr double kSharpFrom = 2.0;

} // namespace

ImageView::ImageView(QWidget* parent)
    : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setInteractive(bool on) {
    interactive_ = on;
    setFocusPolicy(on ? Qt::StrongFocus : Qt::NoFocus);
    if (!on)
        zoomToFit();
}

void ImageView::setImage(const QImage& image) {
    // Live previews replace the image every step: keep the zoom while the size stays.
    if (image.size() != image_.size())
        fitted_ = true;
    image_ = image;
    ++imagesShown_;
    clampPan();
    update();
    notifyZoom();
}

void ImageView::notifyZoom() {
    const double now = scale();
    if (now != announcedScale_) {
        announcedScale_ = now;
        Q_EMIT zoomChanged(now);
    }
}

void ImageView::clear() {
    image_ = QImage();
    caption_.clear();
    setCompare(Compare::Off);
    fitted_ = true;
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

void ImageView::setCompare(Compare mode, const QImage& other, const QString& otherCaption) {
    compare_ = other.isNull() ? Compare::Off : mode;
    other_ = compare_ == Compare::Off ? QImage() : other;
    otherCaption_ = compare_ == Compare::Off ? QString() : otherCaption;
    if (compare_ == Compare::Slider)
        split_ = 0.5;
    update();
    notifyZoom(); // side by side halves the room
}

void ImageView::setSplitPosition(double fraction) {
    split_ = std::clamp(fraction, 0.0, 1.0);
    update();
}

QRectF ImageView::paneRect(int pane) const {
    const QRectF all = rect();
    if (compare_ != Compare::SideBySide)
        return all;
    const double half = (all.width() - kPaneGap) / 2;
    return pane == 0 ? QRectF(all.left(), all.top(), half, all.height())
                     : QRectF(all.left() + half + kPaneGap, all.top(), half, all.height());
}

double ImageView::fitScale(const QRectF& pane) const {
    if (image_.isNull())
        return 1.0;
    return std::min(pane.width() / image_.width(), pane.height() / image_.height());
}

double ImageView::scale() const {
    return fitted_ ? fitScale(paneRect(0)) : zoom_;
}

QRectF ImageView::targetRect(const QRectF& pane) const {
    const QSizeF size = QSizeF(image_.size()) * (fitted_ ? fitScale(pane) : zoom_);
    if (fitted_)
        return {pane.center() - QPointF(size.width() / 2, size.height() / 2), size};
    return {pane.center() - center_ * zoom_, size};
}

QPointF ImageView::imagePointAt(const QPointF& widgetPoint) const {
    const QRectF pane =
        paneRect(compare_ == Compare::SideBySide && widgetPoint.x() > paneRect(0).right() ? 1 : 0);
    const QRectF target = targetRect(pane);
    return (widgetPoint - target.topLeft()) / scale();
}

void ImageView::zoomToFit() {
    fitted_ = true;
    update();
    notifyZoom();
}

void ImageView::setZoom(double factor, QPointF anchor) {
    if (image_.isNull())
        return;
    const QRectF pane = paneRect(0);
    if (anchor.x() < 0)
        anchor = pane.center();
    const QPointF fixed = imagePointAt(anchor); // stays under the anchor
    zoom_ = std::clamp(factor, kMinZoom, kMaxZoom);
    fitted_ = false;
    // In side-by-side mode the anchor may be in the right pane: measure from that pane's centre.
    const QRectF anchorPane =
        paneRect(compare_ == Compare::SideBySide && anchor.x() > paneRect(0).right() ? 1 : 0);
    center_ = fixed - (anchor - anchorPane.center()) / zoom_;
    clampPan();
    update();
    notifyZoom();
}

void ImageView::stepZoom(double steps, QPointF anchor) {
    const double fit = fitScale(paneRect(0));
    const double target = scale() * std::pow(kZoomStep, steps);
    // Zooming out from a close-up stops at "fit" first: one more step goes smaller.
    if (steps < 0 && scale() > fit * 1.0001 && target < fit)
        zoomToFit();
    else
        setZoom(target, anchor);
}

void ImageView::zoomIn() {
    stepZoom(1);
}

void ImageView::zoomOut() {
    stepZoom(-1);
}

void ImageView::clampPan() {
    if (image_.isNull())
        return;
    center_.setX(std::clamp(center_.x(), 0.0, static_cast<double>(image_.width())));
    center_.setY(std::clamp(center_.y(), 0.0, static_cast<double>(image_.height())));
}

void ImageView::drawCaption(QPainter& painter, const QRectF& target, const QString& caption) const {
    if (caption.isEmpty())
        return;
    const QFontMetrics metrics(font());
    const QRectF visible = target.intersected(rect());
    const QRectF band(visible.left(), visible.bottom() - metrics.height() - 6, visible.width(),
                      metrics.height() + 6);
    painter.fillRect(band, QColor(0, 0, 0, 140));
    painter.setPen(Qt::white);
    painter.drawText(
        band.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft,
        metrics.elidedText(caption, Qt::ElideRight, static_cast<int>(band.width()) - 12));
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
    sharpPixels_ = scale() >= kSharpFrom;
    painter.setRenderHint(QPainter::SmoothPixmapTransform, !sharpPixels_);
    // B is drawn into A's rectangle, so two results of different sizes line up.
    switch (compare_) {
    case Compare::Off: {
        const QRectF target = targetRect(paneRect(0));
        painter.drawImage(target, image_);
        drawCaption(painter, target, caption_);
        break;
    }
    case Compare::SideBySide: {
        for (int pane = 0; pane < 2; ++pane) {
            const QRectF box = paneRect(pane);
            const QRectF target = targetRect(box);
            painter.save();
            painter.setClipRect(box);
            painter.drawImage(target, pane == 0 ? image_ : other_);
            drawCaption(painter, target.intersected(box), pane == 0 ? caption_ : otherCaption_);
            painter.restore();
        }
        break;
    }
    case Compare::Slider: {
        const QRectF target = targetRect(paneRect(0));
        const double splitX = target.left() + split_ * target.width();
        painter.save();
        painter.setClipRect(QRectF(area.left(), area.top(), splitX - area.left(), area.height()));
        painter.drawImage(target, image_);
        painter.restore();
        painter.save();
        painter.setClipRect(QRectF(splitX, area.top(), area.right() - splitX + 1, area.height()));
        painter.drawImage(target, other_);
        painter.restore();
        painter.setPen(QPen(Qt::white, 2));
        painter.drawLine(QPointF(splitX, target.top()), QPointF(splitX, target.bottom()));
        drawCaption(painter,
                    QRectF(target.left(), target.top(), splitX - target.left(), target.height()),
                    caption_);
        drawCaption(painter, QRectF(splitX, target.top(), target.right() - splitX, target.height()),
                    otherCaption_);
        break;
    }
    }
}

void ImageView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    notifyZoom();
}

void ImageView::wheelEvent(QWheelEvent* event) {
    if (!interactive_ || image_.isNull()) {
        event->ignore();
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        event->ignore();
        return;
    }
    stepZoom(steps, event->position());
    event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event) {
    if (!interactive_ || image_.isNull()) {
        QWidget::mousePressEvent(event);
        return;
    }
    lastMouse_ = event->position();
    if (compare_ == Compare::Slider && event->button() == Qt::LeftButton) {
        draggingSplit_ = true;
        const QRectF target = targetRect(paneRect(0));
        setSplitPosition((event->position().x() - target.left()) / target.width());
    } else if (!fitted_) {
        panning_ = true;
        setCursor(Qt::ClosedHandCursor);
    }
    event->accept();
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
    if (draggingSplit_) {
        const QRectF target = targetRect(paneRect(0));
        setSplitPosition((event->position().x() - target.left()) / target.width());
    } else if (panning_) {
        center_ -= (event->position() - lastMouse_) / zoom_;
        lastMouse_ = event->position();
        clampPan();
        update();
    }
    event->accept();
}

void ImageView::mouseReleaseEvent(QMouseEvent* event) {
    draggingSplit_ = false;
    if (panning_)
        unsetCursor();
    panning_ = false;
    QWidget::mouseReleaseEvent(event);
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (!interactive_) {
        QWidget::mouseDoubleClickEvent(event);
        return;
    }
    if (fitted_)
        setZoom(1.0, event->position());
    else
        zoomToFit();
}

void ImageView::keyPressEvent(QKeyEvent* event) {
    if (!interactive_) {
        QWidget::keyPressEvent(event);
        return;
    }
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        zoomToFit();
        break;
    case Qt::Key_1:
        zoomActualSize();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

} // namespace deadiff::ui
