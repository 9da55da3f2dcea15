#include "core/batch/batch_runner.h"

#include "core/batch/contact_sheet.h"
#include "core/image/image_io.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/prompt_loras.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
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
// never complete files, so they go. Only those of `ownFiles`: in a folder shared by shards, a
// temporary of another file may be another shard's write in progress.
void removeStalePartials(const std::string& outDir, const std::set<std::string>& ownFiles) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(outDir, error)) {
        const std::string name = entry.path().filename().string();
        const std::size_t partial = name.rfind(".partial-");
        if (partial != std::string::npos && ownFiles.count(name.substr(0, partial)) &&
            entry.is_regular_file(error))
            fs::remove(entry.path(), error);
    }
}

// The plan with the requests as the pipeline records them (a side the template leaves out is the
// model's, model path filled in, mode resolved): what the files are compared with.
BatchPlan resolvedPlan(const BatchJob& job, std::uint64_t baseSeed, const ModelFacts& facts) {
    BatchJob sized = job;
    applyNativeSize(sized.templ, facts, job.widthGiven, job.heightGiven);
    BatchPlan plan = expandJob(sized, baseSeed);
    for (PlannedRequest& planned : plan.requests)
        planned.request = resolveRequest(planned.request, facts);
    return plan;
}

// Contact sheet thumbnails are made at cell size as images arrive: a long job must not keep
// every full image in memory.
cv::Size contactSheetCell(const BatchPlan& plan, int thumbnail) {
    const ContactSheetLayout layout = contactSheetLayout(plan, thumbnail);
    return {layout.cellWidth, layout.cellHeight};
}

cv::Mat thumbnailOf(const cv::Mat& rgb, cv::Size cell) {
    cv::Mat small;
    if (!rgb.empty() && rgb.type() == CV_8UC3)
        cv::resize(rgb, small, cell, 0, 0, cv::INTER_AREA);
    return small;
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
        check(planned.request.init, "start image");
        check(planned.request.mask, "inpainting mask");
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

bool isOutOfMemory(const std::exception& error) {
    return dynamic_cast<const std::bad_alloc*>(&error) != nullptr ||
           std::string(error.what()).find("can't allocate memory") != std::string::npos;
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

namespace {

// Ends a run early from any step: what BatchSummary reports.
struct StopRun {
    BatchOutcome outcome;
    BatchFailure failure;
    std::string message;
};

StopRun cancelled() {
    return {BatchOutcome::Cancelled, BatchFailure::None, {}};
}

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
        , perRequest_(std::max(1, job.templ.batch))
        , contactSheet_(options.contactSheet && !options.shard) {
        if (options.shard && needsBaseSeed(job))
            throw BatchJobError("a sharded job needs a fixed seed, or every shard would draw its "
                                "own: add \"seed\": N to the template (or a \"seeds\" list)");
    }

    BatchSummary run() {
        createOutputFolder();
        plan();
        removeStalePartials(outDir_, filesWritten());
        try {
            checkReferencesBeforeStarting();
            for (std::size_t r = range_.begin; r < range_.end; ++r) {
                const std::vector<const PlannedImage*> images = imagesOf(r);
                startRequest(r, images);
                if (requestComplete(r))
                    keepRequest(r, images);
                else
                    generateRequest(r, images);
            }
        } catch (const StopRun& stop) {
            return finish(stop);
        }
        return finish({BatchOutcome::Completed, BatchFailure::None, {}});
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

    void plan() {
        summary_.baseSeed = chooseBaseSeed();
        plan_ = resolvedPlan(job_, summary_.baseSeed, pipeline_.facts());
        range_ = options_.shard ? shardRequests(plan_.requests.size(), *options_.shard)
                                : RequestRange{0, plan_.requests.size()};
        summary_.total = static_cast<int>(
            std::count_if(plan_.images.begin(), plan_.images.end(),
                          [&](const PlannedImage& image) { return inRun(image); }));
        rows_.assign(plan_.images.size(), {});
        thumbnails_.assign(plan_.images.size(), {});
        cell_ = contactSheetCell(plan_, options_.thumbnail);
        progress_.imagesTotal = summary_.total;
        if (observer_ != nullptr)
            observer_->onPlanned(plan_);
    }

    bool inRun(const PlannedImage& image) const { return range_.contains(image.requestIndex); }

    // The images of this run and its manifest (and contact sheet): the files it may replace.
    std::set<std::string> filesWritten() const {
        std::set<std::string> files;
        for (const PlannedImage& image : plan_.images)
            if (inRun(image))
                files.insert(image.fileName);
        if (options_.shard) {
            files.insert(manifestPartName(*options_.shard));
        } else {
            files.insert({kManifestCsvName, kManifestJsonName, kContactSheetName});
        }
        return files;
    }

    // The whole job's references, also in a shard: a bad job fails every task at once.
    void checkReferencesBeforeStarting() const {
        try {
            checkReferences(plan_);
        } catch (const std::exception& referenceError) {
            throw StopRun{BatchOutcome::Failed, BatchFailure::BadJob,
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
        return contactSheet_ ? thumbnailOf(rgb, cell_) : cv::Mat();
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
            throw cancelled();
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
            throw cancelled();
        } catch (const std::bad_alloc&) {
            throw StopRun{BatchOutcome::Failed, BatchFailure::Retryable,
                          which + ": out of memory; try a smaller size or batch." + keptNote()};
        } catch (const std::exception& generateError) {
            markFailed(images);
            throw StopRun{BatchOutcome::Failed,
                          isOutOfMemory(generateError) ? BatchFailure::Retryable
                                                       : BatchFailure::BadJob,
                          which + ": " + generateError.what() + "." + keptNote()};
        }
        const double seconds = secondsSince(requestStarted_);
        if (result.images.size() < images.size())
            throw StopRun{BatchOutcome::Failed, BatchFailure::Internal,
                          which + ": the pipeline returned " +
                              std::to_string(result.images.size()) + " image(s) for a batch of " +
                              std::to_string(images.size()) + "." + keptNote()};
        writeImages(r, images, result, seconds);
        generatedSeconds_ += seconds;
        generatedImages_ += static_cast<int>(images.size());
        progress_.step = 0;
        reportProgress();
        try { // the manifest follows every image: a stop or a crash leaves it current
            saveManifest();
        } catch (const std::exception& writeError) {
            throw StopRun{BatchOutcome::Failed, BatchFailure::Retryable,
                          std::string("cannot write the manifest: ") + writeError.what() + "." +
                              keptNote()};
        }
    }

    void writeImages(std::size_t r, const std::vector<const PlannedImage*>& images,
                     const GenerationResult& result, double seconds) {
        // The metadata is the request as planned: that is what a re-run compares with.
        const GenerationRequest& recorded = plan_.requests[r].request;
        const io::PngText text = resultMetadata(recorded);
        for (std::size_t b = 0; b < images.size(); ++b) {
            const PlannedImage& image = *images[b];
            const std::string path = pathOf(image);
            try {
                write_(path, result.images[b], text);
            } catch (const std::exception& writeError) {
                markFailed({&image});
                // Writers name the file (io::writePng: "cannot write PATH: ... (disk full?)").
                throw StopRun{BatchOutcome::Failed, BatchFailure::Retryable,
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

    // A shard writes only its own part: the folder's manifest.csv/.json are the merge's.
    void saveManifest() {
        if (options_.shard) {
            writeManifestPart(outDir_, plan_, rows_, summary_.baseSeed, pipeline_.facts(),
                              *options_.shard);
            summary_.manifestPart =
                (fs::path(outDir_) / manifestPartName(*options_.shard)).string();
        } else {
            writeManifest(outDir_, plan_, rows_, summary_.baseSeed);
            summary_.manifestCsv = (fs::path(outDir_) / kManifestCsvName).string();
            summary_.manifestJson = (fs::path(outDir_) / kManifestJsonName).string();
        }
    }

    // The manifest and the contact sheet of whatever is there; a failure to write them turns
    // the outcome into Failed (or adds to the failure's message).
    BatchSummary finish(const StopRun& end) {
        summary_.outcome = end.outcome;
        summary_.failure = end.failure;
        summary_.error = end.message;
        try {
            saveManifest();
            if (contactSheet_ && summary_.generated + summary_.kept > 0) {
                const std::string path = (fs::path(outDir_) / kContactSheetName).string();
                write_(path, renderContactSheet(plan_, thumbnails_, options_.thumbnail), {});
                summary_.contactSheet = path;
            }
        } catch (const std::exception& writeError) {
            if (summary_.outcome != BatchOutcome::Failed) {
                summary_.outcome = BatchOutcome::Failed;
                summary_.failure = BatchFailure::Retryable;
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
    const bool contactSheet_; // a shard leaves the contact sheet to the merge
    const Clock::time_point started_ = Clock::now();

    BatchPlan plan_;
    RequestRange range_; // the requests this run renders
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

void addPromptLoras(BatchJob& job, const std::string& modelsRoot) {
    const BatchPlan plan = expandJob(job, job.templ.seed.value_or(0));
    std::optional<std::vector<LoraChoice>> named;
    std::string firstPrompt;
    for (const PlannedRequest& planned : plan.requests) {
        GenerationRequest tags;
        tags.prompt = planned.request.prompt;
        tags.model = planned.request.model; // its folder's own lora/ is searched too
        try {
            pipeline::addPromptLoras(tags, modelsRoot);
        } catch (const RequestError& error) {
            throw BatchJobError(std::string("prompt \"") + tags.prompt + "\": " + error.what());
        }
        if (!named) {
            named = tags.loras;
            firstPrompt = tags.prompt;
        } else if (*named != tags.loras) {
            throw BatchJobError(
                "the prompts \"" + firstPrompt + "\" and \"" + tags.prompt +
                "\" name different LoRAs (<lora:...> tags), but a batch job loads its LoRAs once, "
                "for every image: name the same ones in every prompt, or list them in the "
                "template's \"loras\"");
        }
    }
    if (!named || named->empty())
        return;
    // Added as `deadiff generate` adds them (a LoRA the template already lists stays as listed).
    GenerationRequest withTags = job.templ;
    withTags.prompt = firstPrompt;
    pipeline::addPromptLoras(withTags, modelsRoot);
    job.templ.loras = withTags.loras;
}

BatchSummary runBatch(Pipeline& pipeline, const BatchJob& job, const std::string& outDir,
                      BatchObserver* observer, BatchControl* control, const BatchOptions& options) {
    return BatchRun(pipeline, job, outDir, observer, control, options).run();
}

namespace {

std::string describe(const ModelFacts& model) {
    return model.modelPath + " in " + nameOf(model.computeDtype) + " (native size " +
           std::to_string(model.nativeImageSize) + " px)";
}

// The model the shards ran (the merge loads none): every readable part must name the same one,
// or their images are not those of one run.
std::optional<ModelFacts> shardsModel(const std::vector<ManifestPart>& parts) {
    const ManifestPart* first = nullptr;
    for (const ManifestPart& part : parts) {
        if (!part.model)
            continue;
        if (first == nullptr) {
            first = &part;
        } else if (part.model->modelPath != first->model->modelPath ||
                   part.model->computeDtype != first->model->computeDtype ||
                   part.model->nativeImageSize != first->model->nativeImageSize) {
            throw BatchJobError("the shards did not run the same model: " + first->path + " says " +
                                describe(*first->model) + ", " + part.path + " says " +
                                describe(*part.model) +
                                "; run every shard with the same --model and precision (a "
                                "folder holds one job)");
        }
    }
    return first ? first->model : std::nullopt;
}

} // namespace

BatchSummary mergeBatch(const BatchJob& job, const std::string& outDir,
                        const BatchOptions& options) {
    std::error_code error;
    if (!fs::is_directory(outDir, error))
        throw BatchJobError("nothing to merge: " + outDir + " is not a folder");
    if (needsBaseSeed(job))
        throw BatchJobError("a sharded job needs a fixed seed: add \"seed\": N to the template "
                            "(or a \"seeds\" list); a job without one cannot have been sharded");
    BatchSummary summary;
    summary.baseSeed = job.templ.seed.value_or(0);
    const std::vector<ManifestPart> parts = readManifestParts(outDir);
    const std::optional<ModelFacts> model = shardsModel(parts);
    if (!model) {
        summary.outcome = BatchOutcome::Failed;
        summary.failure = BatchFailure::Incomplete;
        summary.error = "no shard has written its manifest part (manifest.part-K-of-N.json) into " +
                        outDir + " yet: run the shards first, then merge";
        return summary;
    }
    const BatchPlan plan = resolvedPlan(job, summary.baseSeed, *model);
    summary.total = static_cast<int>(plan.images.size());

    const cv::Size cell = contactSheetCell(plan, options.thumbnail);
    std::vector<ManifestRow> rows(plan.images.size());
    std::vector<cv::Mat> thumbnails(plan.images.size());
    std::set<std::size_t> missingRequests;
    for (const PlannedImage& image : plan.images) {
        const auto i = static_cast<std::size_t>(image.index);
        // What a shard that made the image recorded (its seconds); else whether one failed on it.
        ManifestRow recorded;
        for (const ManifestPart& part : parts) {
            const auto found = part.images.find(image.index);
            // A row naming another file is of another job that used this folder.
            if (found == part.images.end() || found->second.file != image.fileName)
                continue;
            const ManifestRow& row = found->second.row;
            if (row.status == ImageStatus::Generated || row.status == ImageStatus::Kept) {
                recorded = row;
                break;
            }
            if (row.status == ImageStatus::Failed)
                recorded = row;
        }
        const std::string path = (fs::path(outDir) / image.fileName).string();
        if (existingOutputMatches(path, plan.requests[image.requestIndex].request)) {
            const bool madeByShard =
                recorded.status == ImageStatus::Generated || recorded.status == ImageStatus::Kept;
            rows[i] = madeByShard ? recorded : ManifestRow{ImageStatus::Kept, 0};
            ++summary.kept;
            if (options.contactSheet)
                thumbnails[i] = thumbnailOf(image::readImageRgb(path), cell);
        } else {
            rows[i].status =
                recorded.status == ImageStatus::Failed ? ImageStatus::Failed : ImageStatus::Pending;
            summary.missing.push_back(image.fileName);
            missingRequests.insert(image.requestIndex);
        }
    }
    // Every shard of each layout the parts show, also one that never wrote its part.
    std::set<int> layouts;
    for (const ManifestPart& part : parts)
        layouts.insert(part.shard.count);
    for (const int count : layouts) {
        for (int k = 0; k < count; ++k) {
            const RequestRange range = shardRequests(plan.requests.size(), {k, count});
            if (std::any_of(missingRequests.begin(), missingRequests.end(),
                            [&](std::size_t request) { return range.contains(request); }))
                summary.shardsToRerun.push_back({k, count});
        }
    }

    const PngWriter write = options.writer ? options.writer : PngWriter(io::writePng);
    try {
        writeManifest(outDir, plan, rows, summary.baseSeed);
        summary.manifestCsv = (fs::path(outDir) / kManifestCsvName).string();
        summary.manifestJson = (fs::path(outDir) / kManifestJsonName).string();
        if (options.contactSheet && summary.kept > 0) {
            const std::string path = (fs::path(outDir) / kContactSheetName).string();
            write(path, renderContactSheet(plan, thumbnails, options.thumbnail), {});
            summary.contactSheet = path;
        }
    } catch (const std::exception& writeError) {
        summary.outcome = BatchOutcome::Failed;
        summary.failure = BatchFailure::Retryable;
        summary.error = writeError.what();
        return summary;
    }
    if (!summary.missing.empty()) {
        summary.outcome = BatchOutcome::Failed;
        summary.failure = BatchFailure::Incomplete;
        summary.error = std::to_string(summary.missing.size()) + " of " +
                        std::to_string(summary.total) +
                        " images are missing or do not match the job; run the shards that lack "
                        "them again (they make only what is missing), then merge again";
    }
    return summary;
}

} // namespace deadiff::batch
