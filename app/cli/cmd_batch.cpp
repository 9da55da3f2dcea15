// `deadiff batch JOB.json -o DIR`: a batch job file (docs/formats.md) run into a folder, with
// resume, a manifest and a contact sheet; `--shard` runs one part of it as a scheduler's array
// task and `--merge` checks and completes the shared folder (docs/cluster.md). The logic lives
// in core/batch (shared with the GUI); this file parses options, prints progress and maps the
// outcome to the exit statuses schedulers act on: 0 done, 2 bad job (never retry), 75 retryable.
#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"

#include "core/batch/batch_runner.h"
#include "core/batch/file_names.h"
#include "core/batch/shard.h"
#include "core/io/output_path.h"
#include "core/models/models_folder.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/model_memory.h"

#include <csignal>
#include <filesystem>
#include <optional>
#include <ostream>

namespace deadiff::cli {
namespace {

batch::BatchControl* activeControl = nullptr;

// Ctrl-C, and SIGTERM: what Slurm (scancel, preemption, the time limit) and Kubernetes send
// before they kill a task. The run stops after the current step with its images and manifest
// written, and exits with 75 so a requeued task resumes.
void onInterrupt(int) {
    if (activeControl != nullptr)
        activeControl->cancelFromSignal();
}

// Routes SIGINT and SIGTERM to `control` while alive.
class InterruptGuard {
public:
    explicit InterruptGuard(batch::BatchControl& control)
        : previousInt_(std::signal(SIGINT, onInterrupt))
        , previousTerm_(std::signal(SIGTERM, onInterrupt)) {
        activeControl = &control;
    }
    ~InterruptGuard() {
        std::signal(SIGINT, previousInt_);
        std::signal(SIGTERM, previousTerm_);
        activeControl = nullptr;
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    void (*previousInt_)(int);
    void (*previousTerm_)(int);
};

class CliBatchObserver : public batch::BatchObserver {
public:
    CliBatchObserver(ProgressBar& bar, Streams io)
        : bar_(bar)
        , io_(io) {}

    void onStep(const StepInfo& info) override { step_ = info; }
    void onProgress(const batch::BatchProgress& p) override {
        if (p.totalSteps == 0 || p.step == 0)
            return;
        std::string detail =
            "image " + std::to_string(p.image + 1) + "/" + std::to_string(p.imagesTotal);
        if (p.etaSeconds >= 0)
            detail += ", job ETA " + formatDuration(p.etaSeconds);
        bar_.update(p.step, p.totalSteps, step_.elapsedSeconds, detail);
    }
    void onImage(const batch::BatchImageDone& image) override {
        bar_.finish();
        io_.out << image.path << "\n" << std::flush;
        if (image.status == batch::ImageStatus::Kept)
            io_.err << "kept " << std::filesystem::path(image.path).filename().string()
                    << " (already made with these settings)\n";
    }

private:
    ProgressBar& bar_;
    Streams io_;
    StepInfo step_;
};

Args batchArgs() {
    Args args("batch JOB.json -o DIR [options]",
              "Run a batch job file: the cartesian product of its axes (prompts, style sets,\n"
              "mix, seeds or seed_count, image_weight, depths) over one request template.\n"
              "Writes one PNG per image (settings in the metadata), manifest.csv/.json and\n"
              "contact-sheet.png into DIR. Re-running skips images that are already there with\n"
              "the same settings. See docs/formats.md for the job file.\n"
              "On a cluster, each array task runs --shard env into one shared DIR and a last\n"
              "job runs --merge (docs/cluster.md). Exit status: 0 done, 2 bad job or arguments\n"
              "(do not retry), 75 retryable (interrupted, out of memory, disk full), 1 other\n"
              "(--merge: images missing).");
    args.positional("JOB", "batch job file (JSON)")
        .option("-o", "DIR", "output folder (created when missing)")
        .option("--model", "PATH|NAME",
                "model for every image [default: the template's \"model\", else the bundled demo "
                "model]")
        .option("--base", "PATH",
                "SD 1.5 base model under the DEADiff parts for every image [default: the "
                "template's \"base\", else the model's own]")
        .flag("--base-ema", "use the base's EMA UNet weights (template key \"base_ema\")")
        .option("--vae", "PATH", "VAE for every image [default: the template's \"vae\"]")
        .option("--name-template", "T",
                std::string("file names [default: the job's, else ") + batch::kDefaultNameTemplate +
                    "]")
        .option("--shard", "K/N|env",
                "make only shard K of N (0-based contiguous blocks of the job's requests); 'env': "
                "K and N of a Slurm array task, or of a Kubernetes Indexed Job with --shard-count")
        .option("--shard-count", "N",
                "with --shard env: N shards, the task's own index (SLURM_ARRAY_TASK_ID or "
                "JOB_COMPLETION_INDEX) is K")
        .flag("--merge", "check that every image of the job is in DIR, write the manifest and "
                         "contact sheet, list what is missing; loads no model (the shards' "
                         "manifest parts say which they ran)")
        .flag("--fresh", "make every image again, even those already there")
        .flag("--no-contact-sheet", "do not write contact-sheet.png")
        .flag("--dry-run", "print the planned files and settings; load no model");
    return args;
}

batch::BatchJob loadJob(const Args& args) {
    batch::BatchJob job;
    try {
        job = batch::loadBatchJob(args.positionalValue("JOB"));
        if (args.has("--model"))
            job.templ.model = args.value("--model");
        if (args.has("--base"))
            job.templ.base = args.value("--base");
        if (args.has("--base-ema"))
            job.templ.baseEma = true;
        if (args.has("--vae"))
            job.templ.vae = args.value("--vae");
        if (args.has("--name-template")) {
            job.nameTemplate = args.value("--name-template");
            batch::NameFields probe;
            probe.request = &job.templ;
            batch::renderFileName(job.nameTemplate, probe);
        }
        models::resolveModelNames(job.templ); // --model NAME; the job's own names already are
        // Chosen before the prompts' <lora:NAME:W> tags are looked up: a LoRA made for the
        // bundled model sits in its folder's lora/.
        if (job.templ.model.empty())
            job.templ.model = pipeline::bundledModelDir(); // as `generate` does
        batch::addPromptLoras(job, models::modelsRoot());  // <lora:NAME:W> in its prompts
    } catch (const batch::BatchJobError& error) {
        throw UsageError(error.what());
    } catch (const models::AmbiguousModelName& error) {
        throw UsageError(error.what());
    }
    return job;
}

std::optional<batch::Shard> shardOf(const Args& args, const batch::BatchJob& job) {
    if (args.has("--shard-count") && args.value("--shard") != "env")
        throw UsageError("--shard-count goes with --shard env (with --shard K/N, N is the count)");
    if (!args.has("--shard"))
        return std::nullopt;
    if (args.has("--merge"))
        throw UsageError("--merge checks the whole job's folder: run it without --shard");
    batch::Shard shard;
    try {
        if (args.value("--shard") == "env") {
            std::optional<int> count;
            if (args.has("--shard-count")) {
                const long long n = args.integer("--shard-count");
                if (n < 1 || n > batch::kMaxBatchImages)
                    throw UsageError("--shard-count must be from 1 to " +
                                     std::to_string(batch::kMaxBatchImages));
                count = static_cast<int>(n);
            }
            shard = batch::shardFromEnvironment(batch::processEnvironment(), count);
        } else {
            shard = batch::parseShard(args.value("--shard"));
        }
    } catch (const batch::ShardError& error) {
        throw UsageError(error.what());
    }
    if (batch::needsBaseSeed(job))
        throw UsageError("--shard needs a job with a fixed seed, or every shard would draw its own "
                         "and the images would not be those of one run: add \"seed\": N to the "
                         "job's template (or a \"seeds\" list)");
    return shard;
}

int printPlan(const batch::BatchJob& job, const std::optional<batch::Shard>& shard, Streams io) {
    const batch::BatchPlan plan = batch::expandJob(job, job.templ.seed.value_or(0));
    const batch::RequestRange range = shard ? batch::shardRequests(plan.requests.size(), *shard)
                                            : batch::RequestRange{0, plan.requests.size()};
    io.out << plan.images.size() << " images from " << plan.requests.size() << " requests";
    for (const batch::Axis& axis : plan.axes)
        io.out << (&axis == &plan.axes.front() ? ": " : " x ") << axis.labels.size() << " "
               << axis.title;
    io.out << "\n";
    if (shard)
        io.out << "shard " << batch::toString(*shard) << ": requests " << range.begin + 1 << " to "
               << range.end << "\n";
    for (const batch::PlannedImage& image : plan.images) {
        if (!range.contains(image.requestIndex))
            continue;
        const GenerationRequest& r = plan.requests[image.requestIndex].request;
        io.out << image.fileName << "\t" << toJson(r) << "\n";
    }
    if (batch::needsBaseSeed(job))
        io.out << "(no seed in the template: the run draws a base seed and records it in "
                  "manifest.json)\n";
    return kExitOk;
}

// 0 done; 75 for what a later run of the same task may finish; 2 for what it never will.
int exitStatusOf(const batch::BatchSummary& summary) {
    switch (summary.outcome) {
    case batch::BatchOutcome::Completed:
        return kExitOk;
    case batch::BatchOutcome::Cancelled:
        return kExitRetry;
    case batch::BatchOutcome::Failed:
        break;
    }
    switch (summary.failure) {
    case batch::BatchFailure::BadJob:
        return kExitUsage;
    case batch::BatchFailure::Retryable:
        return kExitRetry;
    case batch::BatchFailure::None:
    case batch::BatchFailure::Incomplete:
    case batch::BatchFailure::Internal:
        break;
    }
    return kExitFailure;
}

void printFiles(const batch::BatchSummary& summary, Streams io) {
    if (!summary.manifestCsv.empty())
        io.err << "manifest: " << summary.manifestCsv << "\n";
    if (!summary.manifestPart.empty())
        io.err << "manifest part: " << summary.manifestPart << "\n";
    if (!summary.contactSheet.empty())
        io.err << "contact sheet: " << summary.contactSheet << "\n";
}

int merge(const batch::BatchJob& job, const Args& args, Streams io,
          const batch::PngWriter& writer) {
    if (args.has("--fresh"))
        throw UsageError("--merge makes no image, so --fresh has nothing to redo");
    batch::BatchOptions options;
    options.contactSheet = !args.has("--no-contact-sheet");
    options.writer = writer;
    batch::BatchSummary summary;
    try {
        summary = batch::mergeBatch(job, args.value("-o"), options);
    } catch (const batch::BatchJobError& error) {
        throw UsageError(error.what());
    }
    // stdout: the files still to make, one per line, for scripts.
    for (const std::string& file : summary.missing)
        io.out << (std::filesystem::path(args.value("-o")) / file).string() << "\n";
    io.err << "merge: " << summary.total << " images: " << summary.kept << " there, "
           << summary.missing.size() << " missing\n";
    printFiles(summary, io);
    if (summary.outcome != batch::BatchOutcome::Completed) {
        io.err << "deadiff batch: " << (summary.missing.empty() ? "error" : "incomplete") << ": "
               << summary.error;
        for (std::size_t i = 0; i < summary.shardsToRerun.size(); ++i)
            io.err << (i == 0 ? "; shards lacking them: " : ", ")
                   << batch::toString(summary.shardsToRerun[i]);
        io.err << "\n";
    }
    return exitStatusOf(summary);
}

} // namespace

int runBatchJob(const std::vector<std::string>& argv, Streams io, const PipelineLoader& load,
                const batch::PngWriter& writer) {
    Args args = batchArgs();
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    batch::BatchJob job = loadJob(args);
    const std::optional<batch::Shard> shard = shardOf(args, job);
    if (args.has("--dry-run"))
        return printPlan(job, shard, io);
    if (!args.has("-o"))
        throw UsageError("no output folder: pass -o DIR");
    try {
        io::checkOutputFolder(args.value("-o"));
    } catch (const io::OutputPathError& error) {
        throw UsageError(std::string("option '-o': ") + error.what());
    }
    // Plan once before loading the model: a bad job fails in a second, not after the load; so
    // does a job whose largest image cannot fit in memory.
    batch::BatchPlan plan;
    try {
        plan = batch::expandJob(job, 0);
    } catch (const batch::BatchJobError& error) {
        throw UsageError(error.what());
    }
    if (args.has("--merge"))
        return merge(job, args, io, writer);
    if (job.templ.model.empty())
        throw UsageError("no model: pass --model PATH or set \"model\" in the job's template (the "
                         "bundled demo model is not installed)");
    std::vector<GenerationRequest> requests;
    for (const batch::PlannedRequest& planned : plan.requests)
        requests.push_back(planned.request);
    pipeline::checkRequestsFitBeforeLoad(job.templ.model, job.templ.dtype, requests, job.widthGiven,
                                         job.heightGiven, currentMemoryLimits());

    batch::BatchControl control;
    const InterruptGuard interrupts(control);
    ProgressBar bar(io.err);
    std::unique_ptr<Pipeline> pipeline;
    try {
        pipeline = load(loadOptionsFor(job.templ, {}), loadProgressBar(bar));
    } catch (const std::exception& error) {
        bar.finish();
        io.err << "deadiff batch: error: cannot load the model " << job.templ.model << ": "
               << error.what() << "\n";
        // A missing or broken model stays so; memory may be free on the next try.
        return batch::isOutOfMemory(error) ? kExitRetry : kExitUsage;
    }
    bar.finish();
    printLoadNotes(pipeline->facts(), io.err);
    const Pipeline::EncoderRuns before = pipeline->encoderRuns();
    CliBatchObserver observer(bar, io);
    batch::BatchOptions options;
    options.resume = !args.has("--fresh");
    options.contactSheet = !args.has("--no-contact-sheet");
    options.writer = writer;
    options.shard = shard;
    const batch::BatchSummary summary =
        batch::runBatch(*pipeline, job, args.value("-o"), &observer, &control, options);
    bar.finish();
    const Pipeline::EncoderRuns after = pipeline->encoderRuns();

    if (shard)
        io.err << "shard " << batch::toString(*shard) << ": ";
    io.err << summary.total << " images: " << summary.generated << " generated, " << summary.kept
           << " kept from an earlier run";
    if (after.text != before.text || after.visionTower != before.visionTower)
        io.err << "; text encoder ran " << after.text - before.text << "x, vision tower "
               << after.visionTower - before.visionTower << "x";
    io.err << "\n";
    printFiles(summary, io);
    if (summary.outcome == batch::BatchOutcome::Cancelled)
        io.err << "cancelled; finished images are kept, run the " << (shard ? "same shard" : "job")
               << " again to continue\n";
    else if (summary.outcome == batch::BatchOutcome::Failed)
        io.err << "deadiff batch: error: " << summary.error << "\n";
    return exitStatusOf(summary);
}

int runBatch(const std::vector<std::string>& argv, Streams io) {
    return runBatchJob(argv, io, defaultPipelineLoader());
}

} // namespace deadiff::cli
