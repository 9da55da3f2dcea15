// The one thread that touches the model. GenerationWorker lives on its own QThread, owns the
// Pipeline, and talks to the GUI only through queued signals; the GUI cancels through an atomic
// flag that the sampler checks before every step.
#pragma once

#include "core/batch/batch_runner.h"
#include "core/pipeline/pipeline.h"
#include "core/runtime/memory_budget.h"

#include <QImage>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace deadiff::ui {

// One sampler step as the GUI sees it. `preview` is null when the GUI was still behind with the
// previous one (stale previews are dropped, never queued).
struct StepUpdate {
    quint64 jobId = 0;
    int step = 0; // 0-based
    int totalSteps = 0;
    double elapsedSeconds = 0;
    double stepSeconds = 0;
    double noiseLevel = 0;
    double change = 0;
    bool fullDecode = false;
    QImage preview; // the first image of the batch
};

struct GenerationOutcome {
    quint64 jobId = 0;
    GenerationRequest request; // as run: seed and mode resolved
    QList<QImage> images;
    double seconds = 0;
};

// Batch jobs as the GUI sees them (core/batch does the work on the worker thread).
struct BatchProgressUpdate {
    quint64 batchId = 0;
    batch::BatchProgress progress;
};

struct BatchImageUpdate {
    quint64 batchId = 0;
    int index = 0; // 0-based in the job
    int total = 0;
    QString path;
    QImage image;
    GenerationRequest request;
    bool kept = false;  // already there from an earlier run
    double seconds = 0; // generation time of this image (0 when kept)
};

struct BatchResult {
    quint64 batchId = 0;
    int outcome = 0; // batch::BatchOutcome
    QString message; // Failed: what went wrong and what was kept
    QString outDir;
    QString contactSheet;
    int generated = 0;
    int kept = 0;
    int total = 0;
};

class GenerationWorker : public QObject {
    Q_OBJECT

public:
    // `loader` makes the pipeline (Pipeline::load; tests inject doubles).
    explicit GenerationWorker(PipelineLoader loader = defaultPipelineLoader(),
                              QObject* parent = nullptr);
    ~GenerationWorker() override;

    // Thread-safe (called from the GUI thread): stops job `jobId` (and any earlier one) before
    // its next step.
    void cancel(quint64 jobId);
    // Thread-safe: decode the preview with the full VAE every `steps` steps (0: never).
    void setFullDecodeEvery(int steps) { fullDecodeEvery_.store(steps); }
    int fullDecodeEvery() const { return fullDecodeEvery_.load(); }
    // Thread-safe: the GUI took the last preview; the next step may carry a new one.
    void previewConsumed() { previewPending_.store(false); }

    bool hasModel() const { return pipelineLoaded_.load(); }
    // Thread-safe: the precision the next loadModel() asks for (the form's Precision). A
    // generation that asks for another one reloads the model first.
    void setPreferredDtype(ComputeDtype dtype) { preferredDtype_.store(dtype); }

    // Thread-safe: pause / resume / cancel of batch `batchId`, queued or running.
    std::shared_ptr<batch::BatchControl> batchControl(quint64 batchId);

public Q_SLOTS:
    void loadModel(const QString& path);
    // Loads `options` (model, base, VAE, dtype). `fresh` replaces the whole pipeline ("Reload
    // Model"); otherwise only what differs from the loaded one is loaded (a new base or VAE
    // keeps the DEADiff parts and their caches).
    void loadModelWith(const deadiff::LoadOptions& options, bool fresh);
    void generate(const deadiff::GenerationRequest& request, quint64 jobId);
    // Runs a batch job into `outDir` (resume, manifest, contact sheet: core/batch). Jobs queue
    // on the worker thread behind each other and behind single generations.
    void runBatch(const deadiff::batch::BatchJob& job, const QString& outDir, quint64 batchId);

Q_SIGNALS:
    void loadProgress(const QString& what, double fraction);
    // `computeDtype`: what the model computes in ("float32" or "bfloat16"); `nativeSide`: the
    // image size it was trained at (px).
    void modelLoaded(const QString& path, const QString& computeDtype, int nativeSide);
    // Right after modelLoaded: the tokenizer files the model reads prompts with (empty when the
    // pipeline does not say) and how many 75-token chunks it reads (0: all), for token counters.
    void vocabularyLoaded(const QString& vocabulary, int promptChunks);
    void loadFailed(const QString& path, const QString& message);
    // After modelLoaded: what the loaded model is and can do (reference images or not, the
    // base and VAE as loaded, load notes).
    void modelFactsChanged(const deadiff::ModelFacts& facts);

    void started(quint64 jobId, const deadiff::GenerationRequest& resolved);
    void stageChanged(quint64 jobId, const QString& stage);
    void stepDone(const deadiff::ui::StepUpdate& update);
    void finished(const deadiff::ui::GenerationOutcome& outcome);
    void cancelled(quint64 jobId);
    void failed(quint64 jobId, const QString& message);

    void batchStarted(quint64 batchId, int total);
    void batchProgress(const deadiff::ui::BatchProgressUpdate& update);
    void batchImage(const deadiff::ui::BatchImageUpdate& image);
    void batchFinished(const deadiff::ui::BatchResult& result);

private:
    class Observer;
    friend class Observer;
    class BatchSignals;

    // Makes the pipeline serve `options` (ensureLoaded; `fresh`: a whole new pipeline, the old
    // one freed first: two real models do not fit in memory together); emits modelLoaded and
    // modelFactsChanged, or returns the error message (the pipeline is then gone).
    std::optional<QString> load(const LoadOptions& options, bool fresh);
    // Loads again when `request` asks for other load-time options than the loaded ones (the
    // Precision combo), as a stage of job `jobId`; the error message when that fails.
    std::optional<QString> reloadFor(const GenerationRequest& request, quint64 jobId);

    PipelineLoader loader_;
    std::unique_ptr<Pipeline> pipeline_;
    std::optional<ModelMemoryFacts> memoryFacts_; // of pipeline_; absent: not checked
    std::atomic<ComputeDtype> preferredDtype_{ComputeDtype::Auto};
    std::atomic<bool> pipelineLoaded_{false};
    std::atomic<quint64> cancelledThrough_{0};
    std::atomic<int> fullDecodeEvery_{0};
    std::atomic<bool> previewPending_{false};
    std::mutex batchMutex_;
    std::map<quint64, std::shared_ptr<batch::BatchControl>> batchControls_;
};

// Registers the signal argument types for queued connections; call once before connecting.
void registerWorkerMetaTypes();

} // namespace deadiff::ui

Q_DECLARE_METATYPE(deadiff::GenerationRequest)
Q_DECLARE_METATYPE(deadiff::ui::StepUpdate)
Q_DECLARE_METATYPE(deadiff::ui::GenerationOutcome)
Q_DECLARE_METATYPE(deadiff::batch::BatchJob)
Q_DECLARE_METATYPE(deadiff::ui::BatchProgressUpdate)
Q_DECLARE_METATYPE(deadiff::ui::BatchImageUpdate)
Q_DECLARE_METATYPE(deadiff::ui::BatchResult)
Q_DECLARE_METATYPE(deadiff::LoadOptions)
Q_DECLARE_METATYPE(deadiff::ModelFacts)
