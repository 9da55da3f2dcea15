// The batch queue: every batch job sent to the worker with its state, the running job's
// progress (this image's steps, the whole job with an ETA), pause/resume and cancel, and a live
// plot of seconds per image. The panel only shows and asks; the window forwards the requests to
// the worker's BatchControl.
#pragma once

#include "ui/generation_worker.h"

#include <QWidget>

#include <map>

class QCPGraph;
class QCustomPlot;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;

namespace deadiff::ui {

class BatchQueuePanel : public QWidget {
    Q_OBJECT

public:
    explicit BatchQueuePanel(QWidget* parent = nullptr);

    void enqueue(quint64 batchId, const QString& outDir, int imageCount);

    QListWidget* jobList() const { return jobs_; }
    QProgressBar* imageProgress() const { return imageProgress_; }
    QProgressBar* overallProgress() const { return overallProgress_; }
    QLabel* etaLabel() const { return eta_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* cancelButton() const { return cancel_; }
    QCustomPlot* plot() const { return plot_; }
    int plotPointCount() const;
    quint64 runningBatch() const { return running_; }
    bool isPaused() const { return paused_; }
    // "queued", "running", "paused", "done", "cancelled", "failed" (untranslated, for tests).
    QString state(quint64 batchId) const;

public Q_SLOTS:
    void onStarted(quint64 batchId, int total);
    void onProgress(const deadiff::ui::BatchProgressUpdate& update);
    void onImage(const deadiff::ui::BatchImageUpdate& image);
    void onFinished(const deadiff::ui::BatchResult& result);

Q_SIGNALS:
    void pauseRequested(quint64 batchId);
    void resumeRequested(quint64 batchId);
    void cancelRequested(quint64 batchId);

private:
    struct Job {
        QListWidgetItem* item = nullptr;
        QString outDir;
        int total = 0;
        QString state;
    };
    void setState(quint64 batchId, const QString& state, const QString& detail = {});
    void updateButtons();

    std::map<quint64, Job> jobsById_;
    quint64 running_ = 0;
    bool paused_ = false;

    QListWidget* jobs_ = nullptr;
    QProgressBar* imageProgress_ = nullptr;
    QProgressBar* overallProgress_ = nullptr;
    QLabel* eta_ = nullptr;
    QPushButton* pause_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPGraph* seconds_ = nullptr;
};

// Seconds as "m:ss" or "h:mm:ss" (the CLI's format).
QString formatEta(double seconds);

} // namespace deadiff::ui
