// Every result the studio made, kept on disk. A finished image is written at once as a PNG with
// its settings (the A1111 "parameters" chunk and the full request) into the output folder,
// <root>/<yyyy-MM-dd>/ (root: ~/Pictures/DEADiff unless the artist chose another), and one line
// per image is appended to an index, history.jsonl in the application's data folder, so the
// gallery comes back on the next start. Batch images stay where the batch wrote them and are only
// indexed.
//
// Nothing is lost to a crash or a kill: the PNG is complete (written to a temporary name and
// renamed) before its index line is written, and a torn last line is skipped when reading.
#pragma once

#include "core/pipeline/request.h"

#include <QDateTime>
#include <QImage>
#include <QString>
#include <QStringList>

#include <vector>

namespace deadiff::ui {

struct HistoryEntry {
    QString path; // the image file
    QDateTime created;
    GenerationRequest request; // as run (seed resolved)
};

class ResultHistory {
public:
    // The output root and auto-save flag come from QSettings; the index from the application's
    // data folder (QStandardPaths::AppDataLocation).
    ResultHistory();

    static QString defaultOutputRoot();
    QString outputRoot() const;
    void setOutputRoot(const QString& folder);
    bool autoSave() const;
    void setAutoSave(bool on);
    // <root>/<today's date>: where the next result goes.
    QString currentFolder() const;
    QString indexPath() const { return indexPath_; }

    // Indexed entries whose file still exists, oldest first.
    std::vector<HistoryEntry> load() const;
    // Writes `image` with its settings as a new PNG in currentFolder() and indexes it. Throws
    // std::runtime_error naming the folder or file (not writable, disk full).
    HistoryEntry save(const QImage& image, const GenerationRequest& request);
    // Indexes an image written elsewhere (a batch's). Throws std::runtime_error when the index
    // cannot be written.
    void record(const HistoryEntry& entry);
    // Drops these files from the index (the caller deletes the files). Throws std::runtime_error
    // when the index cannot be rewritten.
    void forget(const QStringList& paths);

private:
    void append(const HistoryEntry& entry);

    QString indexPath_;
};

// A file name for a result: time, seed and the prompt's first words, e.g.
// "153012-seed3-house-in-neon.png"; `folder` is only read to avoid taking an existing name.
QString resultFileName(const QString& folder, const QDateTime& created,
                       const GenerationRequest& request, const QString& suffix = "png");

// Writes `image` as `path`: PNG with the A1111 parameters and the request JSON (atomic), or
// JPEG/WebP by suffix (pixels only: those formats carry no settings here). `scale` > 1 enlarges
// it, with sharp pixels (nearest neighbour) or smoothly. Throws std::runtime_error naming the
// path.
void writeResultImage(const QString& path, const QImage& image, const GenerationRequest& request,
                      int scale = 1, bool sharpPixels = true);

} // namespace deadiff::ui
