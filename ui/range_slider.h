// A horizontal slider with two handles for a range [low, high] of integer positions (the
// reference window as fractions of the steps). Drag a handle, or click the groove to move the
// nearer one; the arrow keys move the handle last used, Home/End jump to the ends.
#pragma once

#include <QWidget>

namespace deadiff::ui {

class RangeSlider : public QWidget {
    Q_OBJECT

public:
    explicit RangeSlider(QWidget* parent = nullptr);

    int minimum() const { return minimum_; }
    int maximum() const { return maximum_; }
    int low() const { return low_; }
    int high() const { return high_; }

    void setRange(int minimum, int maximum);
    // Clamped to the range; low never passes high.
    void setValues(int low, int high);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void valuesChanged(int low, int high);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    enum class Handle { None, Low, High };
    int positionOf(int value) const;
    int valueAt(int x) const;
    void moveHandle(Handle handle, int value);

    int minimum_ = 0;
    int maximum_ = 100;
    int low_ = 0;
    int high_ = 100;
    Handle dragging_ = Handle::None;
    Handle focused_ = Handle::High;
};

} // namespace deadiff::ui
