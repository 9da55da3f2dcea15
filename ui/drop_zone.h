// A drop target for one reference image: shows a thumbnail, takes a dropped image file or one
// picked in a file dialog, and can be cleared. Holds a path, not pixels: the request refers to
// files, and the pipeline reads them. A file the engine cannot decode is refused when it is
// dropped or picked (not at Generate), and the zone says why.
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
// Why the engine could not use `path` as a reference image (translated, naming the file), or
// empty when it decodes. Decodes the whole file, as generation will.
QString imageProblem(const QString& path);

class ImageDropZone : public QFrame {
    Q_OBJECT

public:
    ImageDropZone(const QString& title, const QString& emptyHint, QWidget* parent = nullptr);

    QString path() const { return path_; }
    bool hasImage() const { return !path_.isEmpty(); }
    // The last refusal shown in the zone (empty once a good file is taken or it is cleared).
    QString refusal() const { return refusal_; }

public Q_SLOTS:
    // Empty clears. A path that does not exist is kept (a restored request may point at a moved
    // file) and shown as missing.
    void setPath(const QString& path);
    void clear() { setPath(QString()); }
    void browse();
    // What a drop or the file dialog does: takes `path` if the engine can decode it, otherwise
    // keeps the current reference and shows why. Returns whether it was taken.
    bool offerPath(const QString& path);

Q_SIGNALS:
    void pathChanged(const QString& path);
    // A dropped or picked file was not taken; `message` says why (translated).
    void refused(const QString& message);

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
    QString refusal_;
    QLabel* titleLabel_ = nullptr;
    QLabel* refusalLabel_ = nullptr;
    ImageView* thumbnail_ = nullptr;
    QPushButton* browseButton_ = nullptr;
    QPushButton* clearButton_ = nullptr;
};

} // namespace deadiff::ui
