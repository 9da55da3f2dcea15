// Paints an inpainting mask over the start image: a round brush adds to the region to repaint
// (shown in translucent red), the eraser takes away. The mask has the start image's pixel size,
// white = repaint, black = keep (what `--mask` reads), so the pipeline fits both alike.
#pragma once

#include <QImage>
#include <QWidget>

#include <algorithm>

namespace deadiff::ui {

class MaskPainter : public QWidget {
    Q_OBJECT

public:
    enum class Tool { Brush, Eraser };

    explicit MaskPainter(QWidget* parent = nullptr);

    // The picture to paint over; the mask is kept when the size matches, else cleared.
    void setImage(const QImage& image);
    const QImage& image() const { return image_; }
    // Grayscale8 at the image's size (an empty QImage before an image is set).
    const QImage& mask() const { return mask_; }
    // Any image; scaled to the picture's size and made grey (white = repaint).
    void setMask(const QImage& mask);
    // Whether any pixel is marked for repainting.
    bool hasMask() const;

    void setTool(Tool tool) { tool_ = tool; }
    Tool tool() const { return tool_; }
    // Brush radius in image pixels.
    void setBrushRadius(int radius) { brushRadius_ = std::max(1, radius); }
    int brushRadius() const { return brushRadius_; }

    QSize sizeHint() const override { return {256, 256}; }
    QSize minimumSizeHint() const override { return {96, 96}; }

public Q_SLOTS:
    void clearMask();
    void invertMask();

Q_SIGNALS:
    // After every stroke, clear or invert: the mask changed.
    void maskEdited();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    // Where the image is drawn, fitted into the widget.
    QRectF imageRect() const;
    QPointF toImage(const QPointF& widgetPoint) const;
    void strokeTo(const QPointF& imagePoint);

    QImage image_;
    QImage mask_;
    Tool tool_ = Tool::Brush;
    int brushRadius_ = 12;
    bool painting_ = false;
    QPointF last_;
};

} // namespace deadiff::ui
