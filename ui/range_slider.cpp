#include "ui/range_slider.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

constexpr int kHandleRadius = 7;
constexpr int kGrooveHeight = 4;

} // namespace

RangeSlider::RangeSlider(QWidget* parent)
    : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize RangeSlider::sizeHint() const {
    return {160, 2 * kHandleRadius + 8};
}

QSize RangeSlider::minimumSizeHint() const {
    return {4 * kHandleRadius + 16, 2 * kHandleRadius + 8};
}

void RangeSlider::setRange(int minimum, int maximum) {
    minimum_ = minimum;
    maximum_ = std::max(minimum, maximum);
    setValues(low_, high_);
}

void RangeSlider::setValues(int low, int high) {
    low = std::clamp(low, minimum_, maximum_);
    high = std::clamp(high, low, maximum_);
    if (low == low_ && high == high_)
        return;
    low_ = low;
    high_ = high;
    update();
    Q_EMIT valuesChanged(low_, high_);
}

int RangeSlider::positionOf(int value) const {
    const int span = std::max(1, maximum_ - minimum_);
    const int usable = width() - 2 * kHandleRadius - 2;
    return kHandleRadius + 1 +
           static_cast<int>(std::lround(static_cast<double>(value - minimum_) * usable / span));
}

int RangeSlider::valueAt(int x) const {
    const int usable = std::max(1, width() - 2 * kHandleRadius - 2);
    const double fraction = static_cast<double>(x - kHandleRadius - 1) / usable;
    return std::clamp(minimum_ + static_cast<int>(std::lround(fraction * (maximum_ - minimum_))),
                      minimum_, maximum_);
}

void RangeSlider::moveHandle(Handle handle, int value) {
    if (handle == Handle::Low)
        setValues(std::min(value, high_), high_);
    else if (handle == Handle::High)
        setValues(low_, std::max(value, low_));
}

void RangeSlider::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const int middle = height() / 2;
    const QPalette& colors = palette();
    const QRect groove(kHandleRadius, middle - kGrooveHeight / 2, width() - 2 * kHandleRadius,
                       kGrooveHeight);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colors.color(QPalette::Mid));
    painter.drawRoundedRect(groove, 2, 2);
    const int lowX = positionOf(low_);
    const int highX = positionOf(high_);
    painter.setBrush(isEnabled() ? colors.color(QPalette::Highlight)
                                 : colors.color(QPalette::Dark));
    painter.drawRect(QRect(QPoint(lowX, groove.top()), QPoint(highX, groove.bottom())));
    for (const auto& [x, handle] : {std::pair{lowX, Handle::Low}, std::pair{highX, Handle::High}}) {
        painter.setPen(QPen(hasFocus() && focused_ == handle ? colors.color(QPalette::Highlight)
                                                             : colors.color(QPalette::Dark),
                            1.5));
        painter.setBrush(colors.color(QPalette::Button));
        painter.drawEllipse(QPoint(x, middle), kHandleRadius, kHandleRadius);
    }
}

void RangeSlider::mousePressEvent(QMouseEvent* event) {
    const int x = static_cast<int>(event->position().x());
    const int toLow = std::abs(x - positionOf(low_));
    const int toHigh = std::abs(x - positionOf(high_));
    // Equal distances (handles on top of each other): the side of the click decides.
    if (toLow < toHigh || (toLow == toHigh && x < positionOf(low_)))
        dragging_ = Handle::Low;
    else
        dragging_ = Handle::High;
    focused_ = dragging_;
    moveHandle(dragging_, valueAt(x));
}

void RangeSlider::mouseMoveEvent(QMouseEvent* event) {
    if (dragging_ != Handle::None)
        moveHandle(dragging_, valueAt(static_cast<int>(event->position().x())));
}

void RangeSlider::mouseReleaseEvent(QMouseEvent*) {
    dragging_ = Handle::None;
}

void RangeSlider::keyPressEvent(QKeyEvent* event) {
    const int step = std::max(1, (maximum_ - minimum_) / 20);
    const int current = focused_ == Handle::Low ? low_ : high_;
    switch (event->key()) {
    case Qt::Key_Left:
    case Qt::Key_Down:
        moveHandle(focused_, current - step);
        break;
    case Qt::Key_Right:
    case Qt::Key_Up:
        moveHandle(focused_, current + step);
        break;
    case Qt::Key_Home:
        moveHandle(focused_, minimum_);
        break;
    case Qt::Key_End:
        moveHandle(focused_, maximum_);
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

} // namespace deadiff::ui
