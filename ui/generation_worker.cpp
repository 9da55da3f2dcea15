#include "ui/generation_worker.h"

#include "ui/image_convert.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <exception>
#include <new>

namespace deadiff::ui {

PipelineFactory defaultPipelineFactory() {
    return [](const std::string& path, const PipelineOptions& options,
              const LoadProgress& progress) { return Pipeline::load(path, options, progress); };
}

void registerWorkerMetaTypes() {
    qRegisterMetaType<deadiff::GenerationRequest>("deadiff::GenerationRequest");
    qRegisterMetaType<deadiff::ui::StepUpdate>("deadiff::ui::StepUpdate");
    qRegisterMetaType<deadiff::ui::GenerationOutcome>("deadiff::ui::GenerationOutcome");
}

// Runs on the worker thread inside generate(): turns the pipeline's callbacks into signals.
class GenerationWorker::Observer : public GenerationObserver {
public:
    Observer(GenerationWorker& worker, quint64 jobId)
        : worker_(worker)
        , jobId_(jobId) {}

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

GenerationWorker::GenerationWorker(PipelineFactory factory, QObject* parent)
    : QObject(parent)
    , factory_(std::move(factory)) {
    registerWorkerMetaTypes();
}

GenerationWorker::~GenerationWorker() = default;

void GenerationWorker::cancel(quint64 jobId) {
    quint64 current = cancelledThrough_.load();
    while (current < jobId && !cancelledThrough_.compare_exchange_weak(current, jobId)) {
    }
}

void GenerationWorker::loadModel(const QString& path) {
    // Release the old model first: two real models do not fit in memory together.
    pipeline_.reset();
    pipelineLoaded_.store(false);
    try {
        const LoadProgress progress = [this](const std::string& what, double fraction) {
            Q_EMIT loadProgress(QString::fromStdString(what), fraction);
        };
        pipeline_ = factory_(path.toStdString(), PipelineOptions{}, progress);
        if (!pipeline_)
            throw std::runtime_error("the loader returned no model");
        pipelineLoaded_.store(true);
        Q_EMIT modelLoaded(path, QString::fromStdString(pipeline_->computeDtype()));
    } catch (const std::bad_alloc&) {
        Q_EMIT loadFailed(path, tr("Not enough memory to load %1.").arg(path));
    } catch (const std::exception& error) {
        Q_EMIT loadFailed(path, QString::fromStdString(error.what()));
    }
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
    try {
        const GenerationRequest resolved = resolveRequest(request, pipeline_->modelPath());
        Q_EMIT started(jobId, resolved);
        Observer observer(*this, jobId);
        QElapsedTimer timer;
        timer.start();
        GenerationResult result = pipeline_->generate(resolved, &observer);
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

} // namespace deadiff::ui
