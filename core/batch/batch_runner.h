// Runs a batch job on a Pipeline: resume (images already written with matching metadata are
// kept), per-image and overall progress with an ETA, pause and cancel between steps, atomic
// PNG writes with full metadata, the manifest after every image and the contact sheet at the
// end. The same Pipeline serves every image, so its text and reference-embedding caches carry
// across the batch. Used by `deadiff batch` and the studio's queue (on the worker thread).
// A run may be one shard of the job (shard.h) into a folder that other shards share; the merge
// then checks the folder and writes the job's manifest and contact sheet.
#pragma once

#include "core/batch/batch_job.h"
#include "core/batch/manifest.h"
#include "core/batch/shard.h"
#include "core/io/png.h"
#include "core/pipeline/pipeline.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace deadiff::batch {

// Thread-safe pause / cancel, set from any thread (the GUI's buttons, a signal handler's flag)
// and honoured by the runner before every sampler step and between images.
class BatchControl {
public:
    void pause();
    void resume();
    void cancel();
    // Async-signal-safe (a SIGINT handler): sets the flag only; a paused waiter is not woken.
    void cancelFromSignal() noexcept { cancelled_.store(true); }
    bool isPaused() const;
    bool isCancelled() const { return cancelled_.load(); }
    // Blocks while paused; returns false once cancelled.
    bool waitWhilePaused();

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool paused_ = false;
    std::atomic<bool> cancelled_{false};
};

struct BatchProgress {
    int image = 0;      // 0-based index of the image being made (first of its request)
    int imagesDone = 0; // generated or kept so far
    int imagesTotal = 0;
    int imagesKept = 0; // found complete from an earlier run
    int step = 0;       // steps done of the current request
    int totalSteps = 0;
    double elapsedSeconds = 0; // since the job started
    double etaSeconds = -1;    // remaining; -1 until there is a rate to go by
};

struct BatchImageDone {
    int index = 0;
    std::string path;
    cv::Mat image; // RGB; also for kept images (read back)
    GenerationRequest request;
    ImageStatus status = ImageStatus::Generated;
    double seconds = 0; // this image's share of its request's time (0 when kept)
};

class BatchObserver {
public:
    virtual ~BatchObserver() = default;
    virtual void onPlanned(const BatchPlan& /*plan*/) {}
    virtual void onProgress(const BatchProgress& /*progress*/) {}
    virtual void onStage(const std::string& /*stage*/) {}
    virtual void onImage(const BatchImageDone& /*image*/) {}
    // Step previews for the current request (costs a little per step).
    virtual bool wantsPreviews() const { return false; }
    virtual void onStep(const StepInfo& /*info*/) {}
};

enum class BatchOutcome { Completed, Cancelled, Failed };

// Why a run failed, as a scheduler needs it: retry it or not.
enum class BatchFailure {
    None,
    BadJob,     // a reference missing or not an image, a request the model refuses: never retry
    Retryable,  // out of memory, a write failed (disk full): the same run may succeed later
    Incomplete, // the merge found images missing: run the shards that lack them again
    Internal,   // a bug (the pipeline broke its contract)
};

struct BatchSummary {
    BatchOutcome outcome = BatchOutcome::Completed;
    BatchFailure failure = BatchFailure::None; // Failed: which kind
    std::string error;                         // Failed: what went wrong and what was kept
    int generated = 0;
    int kept = 0;
    int total = 0; // images of this run (of the shard, when sharded)
    std::uint64_t baseSeed = 0;
    std::string manifestCsv, manifestJson, contactSheet; // written files (contact sheet: empty
                                                         // when nothing was made)
    std::string manifestPart;                            // sharded runs: their manifest part
    std::vector<std::string> missing; // merge: files missing or not matching their request
    std::vector<Shard> shardsToRerun; // merge: the shards that lack them, for each shard
                                      // count N of the parts found
};

// Writes one PNG; the default is io::writePng (atomic). Tests inject failures (disk full).
using PngWriter =
    std::function<void(const std::string& path, const cv::Mat& rgb, const io::PngText& text)>;

struct BatchOptions {
    bool resume = true;       // keep matching images from an earlier run
    bool contactSheet = true; // write contact-sheet.png
    int thumbnail = 192;      // contact sheet cell size
    PngWriter writer;         // empty: io::writePng
    // Draws the base seed when neither the job nor an earlier manifest fixes it; empty: random.
    std::function<std::uint64_t()> drawSeed;
    // Render only this shard's requests; the manifest goes to its part, there is no contact
    // sheet (the merge makes both for the whole job). Needs a job with a fixed seed.
    std::optional<Shard> shard;
};

// Whether `path` is a complete PNG of `request` (its deadiff_request JSON equals the request,
// the image decodes at the request's size). Missing, corrupt or different files: false.
bool existingOutputMatches(const std::string& path, const GenerationRequest& request);

constexpr const char* kContactSheetName = "contact-sheet.png";

// Whether `error` reports exhausted memory: std::bad_alloc, or LibTorch's CPU allocator's
// c10::Error ("can't allocate memory"), which is not a bad_alloc.
bool isOutOfMemory(const std::exception& error);

// A job loads one model for all its images, so the `<lora:NAME:W>` tags of its prompts load
// with it: they are added to the template's "loras" (as `deadiff generate` adds a prompt's)
// when every prompt of the job names the same LoRAs at the same weights. Throws BatchJobError
// when the prompts name different ones (which would merge a LoRA into images whose prompt does
// not name it) or a tag names no LoRA file.
void addPromptLoras(BatchJob& job, const std::string& modelsRoot);

// Runs `job` into `outDir` (created when missing). Never throws for a failing image: a user
// error (unreadable reference, disk full, invalid job) ends the job with Failed and the files
// written so far stay (manifest included). Throws BatchJobError only for a job that cannot be
// planned (or is sharded without a fixed seed) and std::runtime_error when outDir cannot be
// created.
BatchSummary runBatch(Pipeline& pipeline, const BatchJob& job, const std::string& outDir,
                      BatchObserver* observer = nullptr, BatchControl* control = nullptr,
                      const BatchOptions& options = {});

// The merge of a sharded run (loads no model): checks that every image of the job is in
// `outDir` and matches its request (as existingOutputMatches), writes manifest.csv/.json (status
// and seconds from the shards' parts) and the contact sheet. The requests are planned with the
// model facts the parts record (all must agree). Completed when every image is there; otherwise
// Failed with BatchFailure::Incomplete, `missing` naming the files and `shardsToRerun` the shards
// that lack them (no part at all: nothing is listed). Uses options.contactSheet, thumbnail and
// writer. Throws BatchJobError for a job that cannot be planned or has no fixed seed, and for
// parts that name different models.
BatchSummary mergeBatch(const BatchJob& job, const std::string& outDir,
                        const BatchOptions& options = {});

} // namespace deadiff::batch
