// The results as thumbnails: this session's and, restored from the history, every earlier one.
// Each is labelled by its prompt and style references; the search box filters them. Clicking
// one shows it; the context menu saves, copies, reuses the settings, uses the image as a style
// reference, compares two results or deletes. The gallery only keeps the results; the window
// carries out the actions.
#pragma once

#include "core/pipeline/request.h"

#include <QDateTime>
#include <QImage>
#include <QListWidget>

#include <vector>

template <typename T> class QFutureWatcher;

namespace deadiff::ui {

struct GalleryEntry {
    QImage image;              // null for results restored from disk until they are shown
    GenerationRequest request; // as run (seed resolved)
    QString path;              // the saved file; empty while unsaved
    QDateTime created;
};

class Gallery : public QListWidget {
    Q_OBJECT

public:
    explicit Gallery(QWidget* parent = nullptr);
    ~Gallery() override;

    // A result, newest last; `image` may be null when `path` holds it (its thumbnail then loads
    // in the background).
    void addResult(const QImage& image, const GenerationRequest& request, const QString& path = {},
                   const QDateTime& created = QDateTime::currentDateTime());
    int resultCount() const { return static_cast<int>(entries_.size()); }
    // A copy: a reference would dangle when the next result lands (the entries move), as one
    // did in a test that crashed now and then (docs/reliability.md).
    GalleryEntry entry(int index) const { return entries_.at(static_cast<size_t>(index)); }
    // The full image (read from its file for restored results); null when it cannot be read.
    QImage image(int index) const;
    // The index of the result saved as `path`, or -1.
    int indexOfPath(const QString& path) const;
    void setSaved(int index, const QString& path);
    int unsavedCount() const;
    void removeResults(QList<int> indexes);
    // Selected results, in gallery order.
    QList<int> selectedResults() const;

    // Shows only results whose prompt, style references, seed or file name contain every word
    // of `text` (case-insensitive).
    void setFilter(const QString& text);
    int visibleCount() const;

    // The label under a thumbnail: the prompt, then the style references (or the seed).
    static QString labelFor(const GenerationRequest& request);

Q_SIGNALS:
    void viewRequested(int index);
    void saveRequested(int index);
    void copyRequested(int index);
    void reuseSettingsRequested(int index);
    // slot 0: style A, 1: style B
    void useAsStyleRequested(int index, int slot);
    // Image-to-image from this result.
    void useAsStartImageRequested(int index);
    void compareRequested(int first, int second);
    void deleteRequested(QList<int> indexes);
    void showInFolderRequested(int index);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void loadMissingThumbnails();
    bool matches(const GalleryEntry& entry, const QStringList& words) const;

    std::vector<GalleryEntry> entries_;
    QString filter_;
    QFutureWatcher<QImage>* thumbnails_ = nullptr;
    QStringList thumbnailPaths_; // what the last thumbnail job read, in order
    bool thumbnailsScheduled_ = false;
};

} // namespace deadiff::ui
