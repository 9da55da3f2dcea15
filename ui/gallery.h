// This session's results as thumbnails. Clicking one shows it; the context menu saves, copies,
// reuses the settings or uses the image as a style reference. The gallery only keeps the
// images and their requests; the window carries out the actions.
#pragma once

#include "core/pipeline/request.h"

#include <QImage>
#include <QListWidget>

#include <vector>

namespace deadiff::ui {

struct GalleryEntry {
    QImage image;
    GenerationRequest request; // as run (seed resolved)
};

class Gallery : public QListWidget {
    Q_OBJECT

public:
    explicit Gallery(QWidget* parent = nullptr);

    void addResult(const QImage& image, const GenerationRequest& request);
    int resultCount() const { return static_cast<int>(entries_.size()); }
    const GalleryEntry& entry(int index) const { return entries_.at(static_cast<size_t>(index)); }

Q_SIGNALS:
    void viewRequested(int index);
    void saveRequested(int index);
    void copyRequested(int index);
    void reuseSettingsRequested(int index);
    // slot 0: style A, 1: style B
    void useAsStyleRequested(int index, int slot);
    // Image-to-image from this result.
    void useAsStartImageRequested(int index);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    std::vector<GalleryEntry> entries_;
};

} // namespace deadiff::ui
