#include "core/batch/batch_runner.h"

#include "core/batch/contact_sheet.h"
#include "core/image/image_io.h"
#include "core/pipeline/metadata.h"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <new>
#include <random>
#include <set>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The runner's observer for one request: forwards steps and stages, pauses and cancels.
class RequestObserver : public GenerationObserver {
public:
    RequestObserver(BatchObserver* observer, BatchControl* control, BatchProgress& progress,
                    std::function<void(BatchProgress&)> updateEta)
        : observer_(observer)
        , control_(control)
        , progress_(progress)
        , updateEta_(std::move(updateEta)) {}

    void onStage(const std::string& stage) override {
        if (observer_ != nullptr)
            observer_->onStage(stage);
    }
    void onStep(const StepInfo& info) override {
        progress_.step = info.step + 1;
        progress_.totalSteps = info.totalSteps;
        updateEta_(progress_);
        if (observer_ != nullptr) {
            observer_->onStep(info);
            observer_->onProgress(progress_);
        }
    }
    // Called before every step: a pause holds the sampler here.
    bool cancelled() const override { return control_ != nullptr && !control_->waitWhilePaused(); }
    bool wantsPreviews() const override {
        return observer_ != nullptr && observer_->wantsPreviews();
    }

private:
    BatchObserver* observer_;
    BatchControl* control_;
    BatchProgress& progress_;
    std::function<void(BatchProgress&)> updateEta_;
};

// Temporaries of writes that a kill interrupted (AtomicFile names them "<final>.partial-XXXXXX"):
// never complete files, so they go.
void removeStalePartials(const std::string& outDir) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(outDir, error)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file(error) && name.find(".partial-") != std::string::npos)
            fs::remove(entry.path(), error);
    }
}

// Every reference file must be readable before the first image: a typo fails in a second, not
// an hour into the job. (A file that is there but does not decode stops the job when reached.)
void checkReferences(const BatchPlan& plan) {
    std::set<std::string> seen;
    const auto check = [&](const std::string& path, const char* what) {
        if (path.empty() || !seen.insert(path).second)
            return;
        std::error_code error;
        if (!fs::is_regular_file(path, error) || !std::ifstream(path, std::ios::binary))
            throw std::runtime_error(std::string("cannot read the ") + what + " " + path +
                                     (fs::exists(path, error) ? "" : " (no such file)"));
    };
    for (const PlannedRequest& planned : plan.requests) {
        for (const StyleReference& style : planned.request.styles)
            check(style.path, "style reference");
        check(planned.request.content, "content reference");
        for (const control::ControlUnit& unit : planned.request.controls) {
            check(unit.model, "ControlNet");
            check(control::hintSource(unit), "ControlNet hint picture");
            check(unit.preprocessModel, "depth model");
        }
    }
}

} // namespace

void BatchControl::pause() {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = true;
}

void BatchControl::resume() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = false;
    }
    changed_.notify_all();
}

void BatchControl::cancel() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelled_.store(true);
    }
    changed_.notify_all();
}

bool BatchControl::isPaused() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return paused_;
}

bool BatchControl::waitWhilePaused() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !paused_ || cancelled_.load(); });
    return !cancelled_.load();
}

bool existingOutputMatches(const std::string& path, const GenerationRequest& request) {
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        return false;
    try {
        const std::optional<GenerationRequest> stored = recordedRequest(path);
        if (!stored || *stored != request)
            return false;
        // The text chunks precede the pixels: decode them too, a truncated file is not done.
        const cv::Mat image = image::readImageRgb(path);
        return image.cols == request.width && image.rows == request.height;
    } catch (const std::exception&) {
        return false; // corrupt or foreign: made again
    }
}

BatchSummary runBatch(Pipeline& pipeline, const BatchJob& job, const std::string& outDir,
                      BatchObserver* observer, BatchControl* control, const BatchOptions& options) {
    const auto started = Clock::now();
    std::error_code error;
    fs::create_directories(outDir, error);
    if (error || !fs::is_directory(outDir))
        throw std::runtime_error("cannot create the output folder " + outDir + ": " +
                                 error.message());

    BatchSummary summary;
    if (needsBaseSeed(job)) {
        // Recorded in the manifest, so re-running the job into this folder resumes.
        if (const auto recorded = options.resume ? readManifestBaseSeed(outDir) : std::nullopt)
            summary.baseSeed = *recorded;
        else if (options.drawSeed)
            summary.baseSeed = options.drawSeed();
        else
            summary.baseSeed = std::random_device{}();
    } else {
        summary.baseSeed = job.templ.seed.value_or(0);
    }
    BatchJob sized = job;
    applyNativeSize(sized.templ, pipeline.facts(), job.widthGiven, job.heightGiven);
    BatchPlan plan = expandJob(sized, summary.baseSeed);
    // What the pipeline would record: model path filled in, mode resolved.
    for (PlannedRequest& planned : plan.requests)
        planned.request = resolveRequest(planned.request, pipeline.facts());
    summary.total = static_cast<int>(plan.images.size());
    if (observer != nullptr)
        observer->onPlanned(plan);

    const PngWriter write = options.writer ? options.writer : PngWriter(io::writePng);
    std::vector<ManifestRow> rows(plan.images.size());
    std::vector<cv::Mat> thumbnails(plan.images.size());
    const auto pathOf = [&](const PlannedImage& image) {
        return (fs::path(outDir) / image.fileName).string();
    };
    // Thumbnails at cell size only: a long job must not keep every full image in memory.
    const cv::Size cell = [&] {
        const ContactSheetLayout layout = contactSheetLayout(plan, options.thumbnail);
        return cv::Size(layout.cellWidth, layout.cellHeight);
    }();
    const auto thumbnail = [&](const cv::Mat& rgb) {
        cv::Mat small;
        if (options.contactSheet && !rgb.empty() && rgb.type() == CV_8UC3)
            cv::resize(rgb, small, cell, 0, 0, cv::INTER_AREA);
        return small;
    };

    BatchProgress progress;
    progress.imagesTotal = summary.total;
    double generatedSeconds = 0;
    int generatedImages = 0;
    const int perRequest = std::max(1, job.templ.batch);
    auto requestStarted = Clock::now();
    // Seconds per image from the images made so far (kept ones cost nothing); before the first
    // one, from the sampler's pace on it.
    const auto updateEta = [&](BatchProgress& p) {
        p.elapsedSeconds = secondsSince(started);
        const double stepFraction =
            p.totalSteps > 0 ? static_cast<double>(p.step) / p.totalSteps : 0.0;
        const double remaining =
            std::max(0.0, (p.imagesTotal - p.imagesDone) - stepFraction * perRequest);
        if (generatedImages > 0)
            p.etaSeconds = generatedSeconds / generatedImages * remaining;
        else if (stepFraction > 0)
            p.etaSeconds = secondsSince(requestStarted) / (stepFraction * perRequest) * remaining;
        else
            p.etaSeconds = -1;
    };

    // Resume: what an earlier run already wrote with the same settings stays.
    const auto requestComplete = [&](std::size_t requestIndex) {
        if (!options.resume)
            return false;
        for (const PlannedImage& image : plan.images)
            if (image.requestIndex == requestIndex &&
                !existingOutputMatches(pathOf(image), plan.requests[requestIndex].request))
                return false;
        return true;
    };

    const auto finish = [&](BatchOutcome outcome, const std::string& message) {
        summary.outcome = outcome;
        summary.error = message;
        try {
            writeManifest(outDir, plan, rows, summary.baseSeed);
            summary.manifestCsv = (fs::path(outDir) / "manifest.csv").string();
            summary.manifestJson = (fs::path(outDir) / "manifest.json").string();
            if (options.contactSheet && summary.generated + summary.kept > 0) {
                const std::string path = (fs::path(outDir) / kContactSheetName).string();
                write(path, renderContactSheet(plan, thumbnails, options.thumbnail), {});
                summary.contactSheet = path;
            }
        } catch (const std::exception& writeError) {
            if (summary.outcome != BatchOutcome::Failed) {
                summary.outcome = BatchOutcome::Failed;
                summary.error = writeError.what();
            } else {
                summary.error += std::string("; also: ") + writeError.what();
            }
        }
        progress.elapsedSeconds = secondsSince(started);
        progress.etaSeconds = 0;
        if (observer != nullptr)
            observer->onProgress(progress);
        return summary;
    };

    removeStalePartials(outDir);
    try {
        checkReferences(plan);
    } catch (const std::exception& referenceError) {
        return finish(BatchOutcome::Failed,
                      std::string(referenceError.what()) + "; nothing was generated.");
    }

    for (std::size_t r = 0; r < plan.requests.size(); ++r) {
        std::vector<const PlannedImage*> images;
        for (const PlannedImage& image : plan.images)
            if (image.requestIndex == r)
                images.push_back(&image);
        progress.image = images.front()->index;
        progress.step = 0;
        progress.totalSteps = plan.requests[r].request.steps;

        if (requestComplete(r)) {
            for (const PlannedImage* image : images) {
                rows[static_cast<std::size_t>(image->index)].status = ImageStatus::Kept;
                BatchImageDone done;
                done.index = image->index;
                done.path = pathOf(*image);
                done.request = plan.requests[r].request;
                done.status = ImageStatus::Kept;
                try {
                    done.image = image::readImageRgb(done.path);
                } catch (const std::exception&) {
                }
                thumbnails[static_cast<std::size_t>(image->index)] = thumbnail(done.image);
                ++summary.kept;
                ++progress.imagesDone;
                ++progress.imagesKept;
                if (observer != nullptr)
                    observer->onImage(done);
            }
            updateEta(progress);
            if (observer != nullptr)
                observer->onProgress(progress);
            continue;
        }

        if (control != nullptr && !control->waitWhilePaused())
            return finish(BatchOutcome::Cancelled, {});
        updateEta(progress);
        if (observer != nullptr)
            observer->onProgress(progress);

        requestStarted = Clock::now();
        GenerationResult result;
        const std::string which = "image " + std::to_string(images.front()->index + 1) + " of " +
                                  std::to_string(summary.total) + " (" + images.front()->fileName +
                                  ")";
        const auto kept = [&] {
            return " " + std::to_string(summary.generated + summary.kept) +
                   " finished image(s) and the manifest are kept in " + outDir +
                   "; run the job again to continue.";
        };
        try {
            RequestObserver requestObserver(observer, control, progress, updateEta);
            result = pipeline.generate(plan.requests[r].request, &requestObserver);
        } catch (const CancelledError&) {
            return finish(BatchOutcome::Cancelled, {});
        } catch (const std::bad_alloc&) {
            return finish(BatchOutcome::Failed,
                          which + ": out of memory; try a smaller size or batch." + kept());
        } catch (const std::exception& generateError) {
            for (const PlannedImage* image : images)
                rows[static_cast<std::size_t>(image->index)].status = ImageStatus::Failed;
            return finish(BatchOutcome::Failed, which + ": " + generateError.what() + "." + kept());
        }
        const double seconds = secondsSince(requestStarted);
        // The metadata is the request as planned: that is what a re-run compares with.
        const GenerationRequest& recorded = plan.requests[r].request;
        const io::PngText text = resultMetadata(recorded);
        for (std::size_t b = 0; b < images.size(); ++b) {
            const PlannedImage& image = *images[b];
            const std::string path = pathOf(image);
            if (b >= result.images.size())
                return finish(
                    BatchOutcome::Failed,
                    which + ": the pipeline returned " + std::to_string(result.images.size()) +
                        " image(s) for a batch of " + std::to_string(images.size()) + "." + kept());
            try {
                write(path, result.images[b], text);
            } catch (const std::exception& writeError) {
                rows[static_cast<std::size_t>(image.index)].status = ImageStatus::Failed;
                // Writers name the file (io::writePng: "cannot write PATH: ... (disk full?)").
                return finish(BatchOutcome::Failed, writeError.what() + std::string(".") + kept());
            }
            ManifestRow& row = rows[static_cast<std::size_t>(image.index)];
            row.status = ImageStatus::Generated;
            row.seconds = seconds / static_cast<double>(images.size());
            thumbnails[static_cast<std::size_t>(image.index)] = thumbnail(result.images[b]);
            ++summary.generated;
            ++progress.imagesDone;
            if (observer != nullptr)
                observer->onImage({image.index, path, result.images[b], recorded,
                                   ImageStatus::Generated, row.seconds});
        }
        generatedSeconds += seconds;
        generatedImages += static_cast<int>(images.size());
        progress.step = 0;
        updateEta(progress);
        if (observer != nullptr)
            observer->onProgress(progress);
        try { // the manifest follows every image: a stop or a crash leaves it current
            writeManifest(outDir, plan, rows, summary.baseSeed);
        } catch (const std::exception& writeError) {
            return finish(BatchOutcome::Failed, std::string("cannot write the manifest: ") +
                                                    writeError.what() + "." + kept());
        }
    }
    return finish(BatchOutcome::Completed, {});
}

} // namespace deadiff::batch
