// Shows one image scaled to fit, keeping its aspect ratio, centred; a hint text when empty.
// Painting scales on the fly, so the widget never asks for the image's size (no layout growth).
#pragma once

#include <QImage>
#include <QString>
#include <QWidget>

namespace deadiff::ui {

class ImageView : public QWidget {
    Q_OBJECT

public:
    explicit ImageView(QWidget* parent = nullptr);

    const QImage& image() const { return image_; }
    QString placeholderText() const { return placeholder_; }
    // Frames shown since creation: tests and the status line read it.
    int imagesShown() const { return imagesShown_; }

    QSize sizeHint() const override { return {256, 256}; }
    QSize minimumSizeHint() const override { return {64, 64}; }

public Q_SLOTS:
    void setImage(const QImage& image);
    void clear();
    void setPlaceholderText(const QString& text);
    // A small line drawn over the image's bottom edge (e.g. "step 12 / 50").
    void setCaption(const QString& caption);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_;
    QString placeholder_;
    QString caption_;
    int imagesShown_ = 0;
};

} // namespace deadiff::ui
