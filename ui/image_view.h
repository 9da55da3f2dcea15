// Shows one image scaled to fit, keeping its aspect ratio, centred; a hint text when empty.
// Painting scales on the fly, so the widget never asks for the image's size (no layout growth).
// Upscaled by 2x or more (a 64 px demo image on a large view) it draws sharp pixels
// (nearest neighbour) instead of a blur.
//
// Interactive views (the studio's preview) also zoom (wheel, +/-, 1 for 100 %, 0 to fit), pan
// (drag when zoomed in) and compare a second image: side by side, or one over the other with a
// split line to drag.
#pragma once

#include <QImage>
#include <QPointF>
#include <QString>
#include <QWidget>

namespace deadiff::ui {

class ImageView : public QWidget {
    Q_OBJECT

public:
    enum class Compare { Off, SideBySide, Slider };

    explicit ImageView(QWidget* parent = nullptr);

    const QImage& image() const { return image_; }
    QString placeholderText() const { return placeholder_; }
    // Frames shown since creation: tests and the status line read it.
    int imagesShown() const { return imagesShown_; }

    QSize sizeHint() const override { return {256, 256}; }
    QSize minimumSizeHint() const override { return {64, 64}; }

    // Zoom and pan with mouse and keys (off: the image always fits).
    void setInteractive(bool on);
    bool isInteractive() const { return interactive_; }
    // Screen pixels per image pixel now (fit or zoomed).
    double scale() const;
    bool isFitted() const { return fitted_; }
    // True when the last paint used nearest-neighbour sampling.
    bool drewSharpPixels() const { return sharpPixels_; }
    // The image pixel under a widget point (for tests and the zoom anchor); may lie outside.
    QPointF imagePointAt(const QPointF& widgetPoint) const;

    Compare compareMode() const { return compare_; }
    const QImage& compareImage() const { return other_; }
    double splitPosition() const { return split_; } // Slider: 0 (all B) .. 1 (all A)

public Q_SLOTS:
    void setImage(const QImage& image);
    void clear();
    void setPlaceholderText(const QString& text);
    // A small line drawn over the image's bottom edge (e.g. "step 12 / 50").
    void setCaption(const QString& caption);

    void zoomToFit();
    // `factor` screen pixels per image pixel, keeping the image point under `anchor` (widget
    // coordinates; default the centre) where it is.
    void setZoom(double factor, QPointF anchor = QPointF(-1, -1));
    void zoomIn();
    void zoomOut();
    void zoomActualSize() { setZoom(1.0); }

    // Compares the shown image (A, left) with `other` (B); Off drops B.
    void setCompare(Compare mode, const QImage& other = {}, const QString& otherCaption = {});
    void setSplitPosition(double fraction);

Q_SIGNALS:
    void zoomChanged(double scale);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    // The area one image is shown in: the whole widget, or one half side by side.
    QRectF paneRect(int pane) const;
    // Where the image lands in its pane at the current zoom and pan.
    QRectF targetRect(const QRectF& pane) const;
    double fitScale(const QRectF& pane) const;
    // Zoom by `steps` wheel notches (negative: out), stopping at "fit" on the way out.
    void stepZoom(double steps, QPointF anchor = QPointF(-1, -1));
    void clampPan();
    // zoomChanged() when the shown scale differs from the last one announced.
    void notifyZoom();
    void drawCaption(QPainter& painter, const QRectF& target, const QString& caption) const;

    QImage image_;
    QImage other_;
    QString placeholder_;
    QString caption_;
    QString otherCaption_;
    int imagesShown_ = 0;

    bool interactive_ = false;
    bool fitted_ = true;
    double zoom_ = 1.0; // when not fitted
    QPointF center_;    // image point shown at the pane's centre when not fitted
    Compare compare_ = Compare::Off;
    double split_ = 0.5;
    bool draggingSplit_ = false;
    bool panning_ = false;
    QPointF lastMouse_;
    mutable bool sharpPixels_ = false;
    double announcedScale_ = 0;
};

} // namespace deadiff::ui
