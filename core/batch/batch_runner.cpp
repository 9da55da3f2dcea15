#include "core/batch/batch_runner.h"

#include "core/batch/contact_sheet.h"
#include "core/image/image_io.h"

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
        check(planned.request.depth, "depth map");
        check(planned.request.depthFrom, "depth photo");
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
        const std::string stored = io::findPngText(io::readPngText(path), io::kRequestJsonKeyword);
        if (stored.empty() || requestFromJson(stored, JsonStrictness::Lenient) != request)
            return false;
        // The text chunks precede the pixels: decode them too, a truncated file is not done.
        const cv::Mat image = image::readImageRgb(path);
        return image.cols == request.width && image.rows == request.height;
    } catch (const std::exception&) {
        return false; // corrupt or foreign: made again
    }
}

namespace {

// Ends a run early from any step: the outcome and message BatchSummary reports.
struct StopRun {
    BatchOutcome outcome;
    std::string message;
};

// One run of a job into a folder, step by step: plan, check the references, then for each
// request keep what an earlier run made or generate it, and finish with the manifest and the
// contact sheet. A step that must end the run throws StopRun; run() turns it into the summary.
class BatchRun {
public:
    BatchRun(Pipeline& pipeline, const BatchJob& job, std::string outDir, BatchObserver* observer,
             BatchControl* control, const BatchOptions& options)
        : pipeline_(pipeline)
        , job_(job)
        , outDir_(std::move(outDir))
        , observer_(observer)
        , control_(control)
        , options_(options)
        , write_(options.writer ? options.writer : PngWriter(io::writePng))
        , perRequest_(std::max(1, job.templ.batch)) {}

    BatchSummary run() {
        createOutputFolder();
        plan();
        removeStalePartials(outDir_);
        try {
            checkReferencesBeforeStarting();
            for (std::size_t r = 0; r < plan_.requests.size(); ++r) {
                const std::vector<const PlannedImage*> images = imagesOf(r);
                startRequest(r, images);
                if (requestComplete(r))
                    keepRequest(r, images);
                else
                    generateRequest(r, images);
            }
        } catch (const StopRun& stop) {
            return finish(stop.outcome, stop.message);
        }
        return finish(BatchOutcome::Completed, {});
    }

private:
    void createOutputFolder() const {
        std::error_code error;
        fs::create_directories(outDir_, error);
        if (error || !fs::is_directory(outDir_))
            throw std::runtime_error("cannot create the output folder " + outDir_ + ": " +
                                     error.message());
    }

    std::uint64_t chooseBaseSeed() const {
        if (!needsBaseSeed(job_))
            return job_.templ.seed.value_or(0);
        // Recorded in the manifest, so re-running the job into this folder resumes.
        if (const auto recorded = options_.resume ? readManifestBaseSeed(outDir_) : std::nullopt)
            return *recorded;
        if (options_.drawSeed)
            return options_.drawSeed();
        return std::random_device{}();
    }

    // The requests as the pipeline will record them (model path filled in, mode resolved): what
    // a re-run compares the files with.
    void plan() {
        summary_.baseSeed = chooseBaseSeed();
        plan_ = expandJob(job_, summary_.baseSeed);
        for (PlannedRequest& planned : plan_.requests)
            planned.request = resolveRequest(planned.request, pipeline_.modelPath());
        summary_.total = static_cast<int>(plan_.images.size());
        rows_.assign(plan_.images.size(), {});
        thumbnails_.assign(plan_.images.size(), {});
        // Thumbnails at cell size only: a long job must not keep every full image in memory.
        const ContactSheetLayout layout = contactSheetLayout(plan_, options_.thumbnail);
        cell_ = cv::Size(layout.cellWidth, layout.cellHeight);
        progress_.imagesTotal = summary_.total;
        if (observer_ != nullptr)
            observer_->onPlanned(plan_);
    }

    void checkReferencesBeforeStarting() const {
        try {
            checkReferences(plan_);
        } catch (const std::exception& referenceError) {
            throw StopRun{BatchOutcome::Failed,
                          std::string(referenceError.what()) + "; nothing was generated."};
        }
    }

    std::vector<const PlannedImage*> imagesOf(std::size_t requestIndex) const {
        std::vector<const PlannedImage*> images;
        for (const PlannedImage& image : plan_.images)
            if (image.requestIndex == requestIndex)
                images.push_back(&image);
        return images;
    }

    void startRequest(std::size_t r, const std::vector<const PlannedImage*>& images) {
        progress_.image = images.front()->index;
        progress_.step = 0;
        progress_.totalSteps = plan_.requests[r].request.steps;
    }

    std::string pathOf(const PlannedImage& image) const {
        return (fs::path(outDir_) / image.fileName).string();
    }

    cv::Mat thumbnail(const cv::Mat& rgb) const {
        cv::Mat small;
        if (options_.contactSheet && !rgb.empty() && rgb.type() == CV_8UC3)
            cv::resize(rgb, small, cell_, 0, 0, cv::INTER_AREA);
        return small;
    }

    // Resume: what an earlier run already wrote with the same settings stays.
    bool requestComplete(std::size_t r) const {
        if (!options_.resume)
            return false;
        for (const PlannedImage& image : plan_.images)
            if (image.requestIndex == r &&
                !existingOutputMatches(pathOf(image), plan_.requests[r].request))
                return false;
        return true;
    }

    void keepRequest(std::size_t r, const std::vector<const PlannedImage*>& images) {
        for (const PlannedImage* image : images) {
            rows_[static_cast<std::size_t>(image->index)].status = ImageStatus::Kept;
            BatchImageDone done;
            done.index = image->index;
            done.path = pathOf(*image);
            done.request = plan_.requests[r].request;
            done.status = ImageStatus::Kept;
            try {
                done.image = image::readImageRgb(done.path);
            } catch (const std::exception&) {
            }
            thumbnails_[static_cast<std::size_t>(image->index)] = thumbnail(done.image);
            ++summary_.kept;
            ++progress_.imagesDone;
            ++progress_.imagesKept;
            if (observer_ != nullptr)
                observer_->onImage(done);
        }
        reportProgress();
    }

    void generateRequest(std::size_t r, const std::vector<const PlannedImage*>& images) {
        if (control_ != nullptr && !control_->waitWhilePaused())
            throw StopRun{BatchOutcome::Cancelled, {}};
        reportProgress();

        requestStarted_ = Clock::now();
        const std::string which = "image " + std::to_string(images.front()->index + 1) + " of " +
                                  std::to_string(summary_.total) + " (" + images.front()->fileName +
                                  ")";
        GenerationResult result;
        try {
            RequestObserver requestObserver(observer_, control_, progress_,
                                            [this](BatchProgress& p) { updateEta(p); });
            result = pipeline_.generate(plan_.requests[r].request, &requestObserver);
        } catch (const CancelledError&) {
            throw StopRun{BatchOutcome::Cancelled, {}};
        } catch (const std::bad_alloc&) {
            throw StopRun{BatchOutcome::Failed,
                          which + ": out of memory; try a smaller size or batch." + keptNote()};
        } catch (const std::exception& generateError) {
            markFailed(images);
            throw StopRun{BatchOutcome::Failed,
                          which + ": " + generateError.what() + "." + keptNote()};
        }
        const double seconds = secondsSince(requestStarted_);
        if (result.images.size() < images.size())
            throw StopRun{BatchOutcome::Failed,
                          which + ": the pipeline returned " +
                              std::to_string(result.images.size()) + " image(s) for a batch of " +
                              std::to_string(images.size()) + "." + keptNote()};
        writeImages(r, images, result, seconds);
        generatedSeconds_ += seconds;
        generatedImages_ += static_cast<int>(images.size());
        progress_.step = 0;
        reportProgress();
        try { // the manifest follows every image: a stop or a crash leaves it current
            writeManifest(outDir_, plan_, rows_, summary_.baseSeed);
        } catch (const std::exception& writeError) {
            throw StopRun{BatchOutcome::Failed, std::string("cannot write the manifest: ") +
                                                    writeError.what() + "." + keptNote()};
        }
    }

    void writeImages(std::size_t r, const std::vector<const PlannedImage*>& images,
                     const GenerationResult& result, double seconds) {
        // The metadata is the request as planned: that is what a re-run compares with.
        const GenerationRequest& recorded = plan_.requests[r].request;
        const io::PngText text = {{io::kA1111ParametersKeyword, toA1111Parameters(recorded)},
                                  {io::kRequestJsonKeyword, toJson(recorded)}};
        for (std::size_t b = 0; b < images.size(); ++b) {
            const PlannedImage& image = *images[b];
            const std::string path = pathOf(image);
            try {
                write_(path, result.images[b], text);
            } catch (const std::exception& writeError) {
                markFailed({&image});
                // Writers name the file (io::writePng: "cannot write PATH: ... (disk full?)").
                throw StopRun{BatchOutcome::Failed,
                              writeError.what() + std::string(".") + keptNote()};
            }
            ManifestRow& row = rows_[static_cast<std::size_t>(image.index)];
            row.status = ImageStatus::Generated;
            row.seconds = seconds / static_cast<double>(images.size());
            thumbnails_[static_cast<std::size_t>(image.index)] = thumbnail(result.images[b]);
            ++summary_.generated;
            ++progress_.imagesDone;
            if (observer_ != nullptr)
                observer_->onImage({image.index, path, result.images[b], recorded,
                                    ImageStatus::Generated, row.seconds});
        }
    }

    void markFailed(const std::vector<const PlannedImage*>& images) {
        for (const PlannedImage* image : images)
            rows_[static_cast<std::size_t>(image->index)].status = ImageStatus::Failed;
    }

    std::string keptNote() const {
        return " " + std::to_string(summary_.generated + summary_.kept) +
               " finished image(s) and the manifest are kept in " + outDir_ +
               "; run the job again to continue.";
    }

    // Seconds per image from the images made so far (kept ones cost nothing); before the first
    // one, from the sampler's pace on it.
    void updateEta(BatchProgress& p) const {
        p.elapsedSeconds = secondsSince(started_);
        const double stepFraction =
            p.totalSteps > 0 ? static_cast<double>(p.step) / p.totalSteps : 0.0;
        const double remaining =
            std::max(0.0, (p.imagesTotal - p.imagesDone) - stepFraction * perRequest_);
        if (generatedImages_ > 0)
            p.etaSeconds = generatedSeconds_ / generatedImages_ * remaining;
        else if (stepFraction > 0)
            p.etaSeconds = secondsSince(requestStarted_) / (stepFraction * perRequest_) * remaining;
        else
            p.etaSeconds = -1;
    }

    void reportProgress() {
        updateEta(progress_);
        if (observer_ != nullptr)
            observer_->onProgress(progress_);
    }

    // The manifest and the contact sheet of whatever is there; a failure to write them turns
    // the outcome into Failed (or adds to the failure's message).
    BatchSummary finish(BatchOutcome outcome, const std::string& message) {
        summary_.outcome = outcome;
        summary_.error = message;
        try {
            writeManifest(outDir_, plan_, rows_, summary_.baseSeed);
            summary_.manifestCsv = (fs::path(outDir_) / "manifest.csv").string();
            summary_.manifestJson = (fs::path(outDir_) / "manifest.json").string();
            if (options_.contactSheet && summary_.generated + summary_.kept > 0) {
                const std::string path = (fs::path(outDir_) / kContactSheetName).string();
                write_(path, renderContactSheet(plan_, thumbnails_, options_.thumbnail), {});
                summary_.contactSheet = path;
            }
        } catch (const std::exception& writeError) {
            if (summary_.outcome != BatchOutcome::Failed) {
                summary_.outcome = BatchOutcome::Failed;
                summary_.error = writeError.what();
            } else {
                summary_.error += std::string("; also: ") + writeError.what();
            }
        }
        progress_.elapsedSeconds = secondsSince(started_);
        progress_.etaSeconds = 0;
        if (observer_ != nullptr)
            observer_->onProgress(progress_);
        return summary_;
    }

    Pipeline& pipeline_;
    const BatchJob& job_;
    const std::string outDir_;
    BatchObserver* const observer_;
    BatchControl* const control_;
    const BatchOptions& options_;
    const PngWriter write_;
    const int perRequest_;
    const Clock::time_point started_ = Clock::now();

    BatchPlan plan_;
    BatchSummary summary_;
    std::vector<ManifestRow> rows_;   // parallel to plan_.images
    std::vector<cv::Mat> thumbnails_; // parallel to plan_.images; empty: not made
    cv::Size cell_;                   // contact sheet cell
    BatchProgress progress_;
    Clock::time_point requestStarted_ = Clock::now();
    double generatedSeconds_ = 0;
    int generatedImages_ = 0;
};

} // namespace

BatchSummary runBatch(Pipeline& pipeline, const BatchJob& job, const std::string& outDir,
                      BatchObserver* observer, BatchControl* control, const BatchOptions& options) {
    return BatchRun(pipeline, job, outDir, observer, control, options).run();
}

} // namespace deadiff::batch
