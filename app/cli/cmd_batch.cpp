// `deadiff batch JOB.json -o DIR`: a batch job file (docs/formats.md) run into a folder, with
// resume, a manifest and a contact sheet. The logic lives in core/batch (shared with the GUI);
// this file parses options, prints progress and maps the outcome to an exit code.
#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"

#include "core/batch/batch_runner.h"
#include "core/batch/file_names.h"
#include "core/pipeline/default_model.h"

#include <csignal>
#include <filesystem>
#include <ostream>

namespace deadiff::cli {
namespace {

batch::BatchControl* activeControl = nullptr;

void onInterrupt(int) {
    if (activeControl != nullptr)
        activeControl->cancelFromSignal();
}

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

} // namespace

int runBatchJob(const std::vector<std::string>& argv, Streams io, const PipelineLoader& load) {
    Args args("batch JOB.json -o DIR [options]",
              "Run a batch job file: the cartesian product of its axes (prompts, style sets,\n"
              "mix, seeds or seed_count, image_weight, depths) over one request template.\n"
              "Writes one PNG per image (settings in the metadata), manifest.csv/.json and\n"
              "contact-sheet.png into DIR. Re-running skips images that are already there with\n"
              "the same settings. See docs/formats.md for the job file.");
    args.positional("JOB", "batch job file (JSON)")
        .option("-o", "DIR", "output folder (created when missing)")
        .option("--model", "PATH",
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
        .flag("--fresh", "make every image again, even those already there")
        .flag("--no-contact-sheet", "do not write contact-sheet.png")
        .flag("--dry-run", "print the planned files and settings; load no model");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
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
    } catch (const batch::BatchJobError& error) {
        throw UsageError(error.what());
    }

    if (args.has("--dry-run")) {
        const batch::BatchPlan plan = batch::expandJob(job, job.templ.seed.value_or(0));
        io.out << plan.images.size() << " images from " << plan.requests.size() << " requests";
        for (const batch::Axis& axis : plan.axes)
            io.out << (&axis == &plan.axes.front() ? ": " : " x ") << axis.labels.size() << " "
                   << axis.title;
        io.out << "\n";
        for (const batch::PlannedImage& image : plan.images) {
            const GenerationRequest& r = plan.requests[image.requestIndex].request;
            io.out << image.fileName << "\t" << toJson(r) << "\n";
        }
        if (batch::needsBaseSeed(job))
            io.out << "(no seed in the template: the run draws a base seed and records it in "
                      "manifest.json)\n";
        return kExitOk;
    }
    if (!args.has("-o"))
        throw UsageError("no output folder: pass -o DIR");
    if (job.templ.model.empty())
        job.templ.model = pipeline::bundledModelDir(); // as `generate` does
    if (job.templ.model.empty())
        throw UsageError("no model: pass --model PATH or set \"model\" in the job's template (the "
                         "bundled demo model is not installed)");
    // Plan once before loading the model: a bad job fails in a second, not after the load.
    try {
        batch::expandJob(job, 0);
    } catch (const batch::BatchJobError& error) {
        throw UsageError(error.what());
    }

    batch::BatchControl control;
    activeControl = &control;
    const auto previous = std::signal(SIGINT, onInterrupt);
    struct Restore {
        decltype(previous) handler;
        ~Restore() {
            std::signal(SIGINT, handler);
            activeControl = nullptr;
        }
    } restore{previous};

    ProgressBar bar(io.err);
    auto pipeline = load(loadOptionsFor(job.templ, {}), loadProgressBar(bar));
    bar.finish();
    printLoadNotes(pipeline->facts(), io.err);
    const Pipeline::EncoderRuns before = pipeline->encoderRuns();
    CliBatchObserver observer(bar, io);
    batch::BatchOptions options;
    options.resume = !args.has("--fresh");
    options.contactSheet = !args.has("--no-contact-sheet");
    const batch::BatchSummary summary =
        batch::runBatch(*pipeline, job, args.value("-o"), &observer, &control, options);
    bar.finish();
    const Pipeline::EncoderRuns after = pipeline->encoderRuns();

    io.err << summary.total << " images: " << summary.generated << " generated, " << summary.kept
           << " kept from an earlier run";
    if (after.text != before.text || after.visionTower != before.visionTower)
        io.err << "; text encoder ran " << after.text - before.text << "x, vision tower "
               << after.visionTower - before.visionTower << "x";
    io.err << "\n";
    if (!summary.manifestCsv.empty())
        io.err << "manifest: " << summary.manifestCsv << "\n";
    if (!summary.contactSheet.empty())
        io.err << "contact sheet: " << summary.contactSheet << "\n";
    switch (summary.outcome) {
    case batch::BatchOutcome::Completed:
        return kExitOk;
    case batch::BatchOutcome::Cancelled:
        io.err << "cancelled; finished images are kept, run the job again to continue\n";
        return kExitCancelled;
    case batch::BatchOutcome::Failed:
        io.err << "deadiff batch: error: " << summary.error << "\n";
        return kExitFailure;
    }
    return kExitFailure;
}

int runBatch(const std::vector<std::string>& argv, Streams io) {
    return runBatchJob(argv, io, defaultPipelineLoader());
}

} // namespace deadiff::cli
