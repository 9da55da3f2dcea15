#include "ui/generation_worker.h"

#include "ui/image_convert.h"

#include "core/pipeline/model_memory.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <exception>
#include <new>

namespace deadiff::ui {

void registerWorkerMetaTypes() {
    qRegisterMetaType<deadiff::GenerationRequest>("deadiff::GenerationRequest");
    qRegisterMetaType<deadiff::ui::StepUpdate>("deadiff::ui::StepUpdate");
    qRegisterMetaType<deadiff::ui::GenerationOutcome>("deadiff::ui::GenerationOutcome");
    qRegisterMetaType<deadiff::batch::BatchJob>("deadiff::batch::BatchJob");
    qRegisterMetaType<deadiff::ui::BatchProgressUpdate>("deadiff::ui::BatchProgressUpdate");
    qRegisterMetaType<deadiff::ui::BatchImageUpdate>("deadiff::ui::BatchImageUpdate");
    qRegisterMetaType<deadiff::ui::BatchResult>("deadiff::ui::BatchResult");
    qRegisterMetaType<deadiff::LoadOptions>("deadiff::LoadOptions");
    qRegisterMetaType<deadiff::ModelFacts>("deadiff::ModelFacts");
}

// Runs on the worker thread inside generate(): turns the pipeline's callbacks into signals.
class GenerationWorker::Observer : public GenerationObserver {
public:
    Observer(GenerationWorker& worker, quint64 jobId)
        : worker_(worker)
        , jobId_(jobId) {}

    void onStarted(const GenerationRequest& resolved) override {
        Q_EMIT worker_.started(jobId_, resolved);
    }

    void onStage(const std::string& stage) override {
        Q_EMIT worker_.stageChanged(jobId_, QString::fromStdString(stage));
    }

    void onStep(const StepInfo& info) override {
        StepUpdate update;
        update.jobId = jobId_;
        update.step = info.step;
        update.totalSteps = info.totalSteps;
        update.elapsedSeconds = info.elapsedSeconds;
        update.stepSeconds = info.stepSeconds;
        update.noiseLevel = info.noiseLevel;
        update.change = info.change;
        update.fullDecode = info.previewIsFullDecode;
        // Attach a preview only when the GUI has shown the previous one: a slow GUI sees fewer
        // frames instead of a growing queue of stale ones. Full decodes are rare and always go.
        if (!info.previews.empty() &&
            (info.previewIsFullDecode || !worker_.previewPending_.exchange(true)))
            update.preview = toQImage(info.previews.front());
        Q_EMIT worker_.stepDone(update);
    }

    bool cancelled() const override { return worker_.cancelledThrough_.load() >= jobId_; }
    bool wantsPreviews() const override { return true; }
    int fullDecodeEvery() const override { return worker_.fullDecodeEvery_.load(); }

private:
    GenerationWorker& worker_;
    quint64 jobId_;
};

// Runs on the worker thread inside runBatch(): the batch runner's callbacks as signals.
class GenerationWorker::BatchSignals : public batch::BatchObserver {
public:
    BatchSignals(GenerationWorker& worker, quint64 batchId)
        : worker_(worker)
        , batchId_(batchId) {}

    void onPlanned(const batch::BatchPlan& plan) override {
        total_ = static_cast<int>(plan.images.size());
        Q_EMIT worker_.batchStarted(batchId_, total_);
    }
    void onProgress(const batch::BatchProgress& progress) override {
        Q_EMIT worker_.batchProgress({batchId_, progress});
    }
    void onImage(const batch::BatchImageDone& done) override {
        BatchImageUpdate update;
        update.batchId = batchId_;
        update.index = done.index;
        update.total = total_;
        update.path = QString::fromStdString(done.path);
        if (!done.image.empty())
            update.image = toQImage(done.image);
        update.request = done.request;
        update.kept = done.status == batch::ImageStatus::Kept;
        update.seconds = done.seconds;
        Q_EMIT worker_.batchImage(update);
    }

private:
    GenerationWorker& worker_;
    quint64 batchId_;
    int total_ = 0;
};

GenerationWorker::GenerationWorker(PipelineLoader loader, QObject* parent)
    : QObject(parent)
    , loader_(std::move(loader)) {
    registerWorkerMetaTypes();
}

GenerationWorker::~GenerationWorker() = default;

void GenerationWorker::cancel(quint64 jobId) {
    quint64 current = cancelledThrough_.load();
    while (current < jobId && !cancelledThrough_.compare_exchange_weak(current, jobId)) {
    }
}

std::optional<QString> GenerationWorker::load(const LoadOptions& options, bool fresh) {
    if (fresh)
        pipeline_.reset();
    memoryFacts_.reset();
    pipelineLoaded_.store(false);
    const QString path = QString::fromStdString(options.model);
    try {
        // A model that cannot fit is refused before the kernel kills the studio over it. (A
        // model whose files cannot be read is not checked: loading it says what is wrong.)
        std::optional<ModelMemoryFacts> needed;
        try {
            needed = pipeline::modelMemoryFacts(options.model, options.dtype);
        } catch (const std::exception&) {
        }
        if (needed)
            checkModelLoadFits(*needed, options.model, currentMemoryLimits());
        const LoadProgress progress = [this](const std::string& what, double fraction) {
            Q_EMIT loadProgress(QString::fromStdString(what), fraction);
        };
        // Only what changed: a new base or VAE keeps the DEADiff parts (ensureLoaded).
        ensureLoaded(pipeline_, options, loader_, progress);
        try {
            memoryFacts_ =
                pipeline::modelMemoryFacts(pipeline_->modelPath(), pipeline_->facts().computeDtype);
        } catch (const std::exception&) {
            // A pipeline double's stand-in file: requests are not checked.
        }
        pipelineLoaded_.store(true);
        const ModelFacts& facts = pipeline_->facts();
        Q_EMIT modelLoaded(path, QString::fromLatin1(nameOf(facts.computeDtype)),
                           facts.nativeImageSize);
        Q_EMIT vocabularyLoaded(QString::fromStdString(facts.vocabulary), facts.promptChunks);
        Q_EMIT modelFactsChanged(facts);
        return std::nullopt;
    } catch (const std::bad_alloc&) {
        pipelineLoaded_.store(pipeline_ != nullptr); // a refused switch keeps the old model
        return tr("Not enough memory to load %1.").arg(path);
    } catch (const std::exception& error) {
        pipelineLoaded_.store(pipeline_ != nullptr);
        return QString::fromStdString(error.what());
    }
}

std::optional<QString> GenerationWorker::reloadFor(const GenerationRequest& request,
                                                   quint64 jobId) {
    const LoadOptions wanted = loadOptionsFor(request, pipeline_->modelPath());
    if (!needsReload(pipeline_.get(), wanted))
        return std::nullopt;
    Q_EMIT stageChanged(jobId, QStringLiteral("Loading model"));
    std::optional<QString> error = load(wanted, false);
    if (error)
        Q_EMIT loadFailed(QString::fromStdString(wanted.model), *error);
    return error;
}

void GenerationWorker::loadModel(const QString& path) {
    LoadOptions options;
    options.model = path.toStdString();
    options.dtype = preferredDtype_.load();
    loadModelWith(options, true);
}

void GenerationWorker::loadModelWith(const deadiff::LoadOptions& options, bool fresh) {
    if (const std::optional<QString> error = load(options, fresh))
        Q_EMIT loadFailed(QString::fromStdString(options.model), *error);
}

void GenerationWorker::generate(const deadiff::GenerationRequest& request, quint64 jobId) {
    if (!pipeline_) {
        Q_EMIT failed(jobId, tr("No model is loaded."));
        return;
    }
    if (cancelledThrough_.load() >= jobId) { // cancelled while still queued
        Q_EMIT cancelled(jobId);
        return;
    }
    previewPending_.store(false);
    if (const std::optional<QString> error = reloadFor(request, jobId)) {
        Q_EMIT failed(jobId, *error);
        return;
    }
    try {
        // Refused before it starts, rather than the kernel killing the studio halfway.
        if (memoryFacts_)
            pipeline::checkRequestsFit(*memoryFacts_, {request}, true, currentMemoryLimits());
        Observer observer(*this, jobId);
        QElapsedTimer timer;
        timer.start();
        GenerationResult result = pipeline_->generate(request, &observer);
        GenerationOutcome outcome;
        outcome.jobId = jobId;
        outcome.request = result.request;
        outcome.seconds = result.seconds > 0 ? result.seconds : timer.elapsed() / 1000.0;
        for (const cv::Mat& image : result.images)
            outcome.images.append(toQImage(image));
        Q_EMIT finished(outcome);
    } catch (const CancelledError&) {
        Q_EMIT cancelled(jobId);
    } catch (const std::bad_alloc&) {
        Q_EMIT failed(jobId, tr("Out of memory. Try a smaller size, fewer images, or bfloat16 "
                                "precision."));
    } catch (const std::exception& error) {
        Q_EMIT failed(jobId, QString::fromStdString(error.what()));
    }
}

std::shared_ptr<batch::BatchControl> GenerationWorker::batchControl(quint64 batchId) {
    std::lock_guard<std::mutex> lock(batchMutex_);
    auto& control = batchControls_[batchId];
    if (!control)
        control = std::make_shared<batch::BatchControl>();
    return control;
}

void GenerationWorker::runBatch(const deadiff::batch::BatchJob& job, const QString& outDir,
                                quint64 batchId) {
    BatchResult result;
    result.batchId = batchId;
    result.outDir = outDir;
    result.outcome = static_cast<int>(batch::BatchOutcome::Failed);
    const std::shared_ptr<batch::BatchControl> control = batchControl(batchId);
    std::optional<QString> failure;
    if (!pipeline_) {
        result.message = tr("No model is loaded.");
    } else if (control->isCancelled()) { // cancelled while queued
        result.outcome = static_cast<int>(batch::BatchOutcome::Cancelled);
    } else if ((failure = reloadFor(job.templ, 0))) {
        result.message = *failure;
    } else {
        try {
            if (memoryFacts_) {
                batch::BatchJob sized = job; // at the sizes runBatch will use
                applyNativeSize(sized.templ, pipeline_->facts(), job.widthGiven, job.heightGiven);
                std::vector<GenerationRequest> requests;
                for (const batch::PlannedRequest& planned : batch::expandJob(sized, 0).requests)
                    requests.push_back(planned.request);
                pipeline::checkRequestsFit(*memoryFacts_, requests, true, currentMemoryLimits());
            }
            BatchSignals observer(*this, batchId);
            const batch::BatchSummary summary =
                batch::runBatch(*pipeline_, job, outDir.toStdString(), &observer, control.get());
            result.outcome = static_cast<int>(summary.outcome);
            result.message = QString::fromStdString(summary.error);
            result.contactSheet = QString::fromStdString(summary.contactSheet);
            result.generated = summary.generated;
            result.kept = summary.kept;
            result.total = summary.total;
        } catch (const std::bad_alloc&) {
            result.message = tr("Out of memory.");
        } catch (const std::exception& error) {
            result.message = QString::fromStdString(error.what());
        }
    }
    {
        std::lock_guard<std::mutex> lock(batchMutex_);
        batchControls_.erase(batchId);
    }
    Q_EMIT batchFinished(result);
}

} // namespace deadiff::ui
