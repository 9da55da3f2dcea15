// A drop target for one reference image: shows a thumbnail, takes a dropped image file or one
// picked in a file dialog, and can be cleared. Holds a path, not pixels: the request refers to
// files, and the pipeline reads them.
#pragma once

#include <QFrame>
#include <QString>

class QLabel;
class QMimeData;
class QPushButton;

namespace deadiff::ui {

class ImageView;

// True for local files whose suffix Qt can decode as an image.
bool isImageFile(const QString& path);
// The first local image file among the dragged URLs, or empty.
QString firstImagePath(const QMimeData* mime);
// File dialog filter with every image format Qt reads.
QString imageFileFilter();

class ImageDropZone : public QFrame {
    Q_OBJECT

public:
    ImageDropZone(const QString& title, const QString& emptyHint, QWidget* parent = nullptr);

    QString path() const { return path_; }
    bool hasImage() const { return !path_.isEmpty(); }

public Q_SLOTS:
    // Empty clears. A path that does not exist is kept (a restored request may point at a moved
    // file) and shown as missing.
    void setPath(const QString& path);
    void clear() { setPath(QString()); }
    void browse();

Q_SIGNALS:
    void pathChanged(const QString& path);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void updateThumbnail();
    void setHighlighted(bool on);

    QString title_;
    QString emptyHint_;
    QString path_;
    QLabel* titleLabel_ = nullptr;
    ImageView* thumbnail_ = nullptr;
    QPushButton* browseButton_ = nullptr;
    QPushButton* clearButton_ = nullptr;
};

} // namespace deadiff::ui
