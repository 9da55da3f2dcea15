#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"

#include "core/io/output_path.h"
#include "core/runtime/system_info.h"
#include "core/train/controlnet_training.h"
#include "core/train/lcm_distillation.h"
#include "core/train/taesd_distillation.h"
#include "core/train/trainer.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <ostream>
#include <sstream>

namespace deadiff::cli {
namespace {

std::atomic<bool> stopRequested{false};

extern "C" void requestStop(int) {
    stopRequested = true;
}

std::array<double, 3> parseTaskWeights(const std::string& text) {
    std::array<double, 3> weights{};
    std::istringstream in(text);
    char colon1 = 0, colon2 = 0;
    if (!(in >> weights[0] >> colon1 >> weights[1] >> colon2 >> weights[2]) || colon1 != ':' ||
        colon2 != ':' || !in.eof())
        throw UsageError("--tasks expects STRE:SERE:RECONSTRUCTION odds such as 1:1:1, got '" +
                         text + "'");
    return weights;
}

// SIGINT/SIGTERM ask a training run to save and stop, while this guard lives.
struct StopOnSignals {
    StopOnSignals() {
        stopRequested = false;
        std::signal(SIGINT, requestStop);
        std::signal(SIGTERM, requestStop);
    }
    ~StopOnSignals() {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
};

// A progress line of `train --lcm` / `--taesd` / `--controlnet` every `logEvery` steps, on saves
// and at the end.
std::function<void(const train::DistillProgress&)> distillReport(const char* run,
                                                                 const char* lossName,
                                                                 int secondsDecimals,
                                                                 long long logEvery, Streams io) {
    return [=](const train::DistillProgress& p) {
        if (p.step % logEvery != 0 && !p.saved && p.step != p.total)
            return;
        char line[200];
        std::snprintf(
            line, sizeof line, "%s step %lld/%lld  %s %.5f  avg %.5f  %.*f s/step  ETA %s%s\n", run,
            static_cast<long long>(p.step), static_cast<long long>(p.total), lossName, p.loss,
            p.averageLoss, secondsDecimals, p.secondsPerStep,
            formatDuration(p.secondsPerStep * static_cast<double>(p.total - p.step)).c_str(),
            p.saved ? "  [saved]" : "");
        io.out << line << std::flush;
    };
}

void checkWritable(const std::string& path) {
    try {
        io::checkOutputFile(path);
    } catch (const io::OutputPathError& error) {
        throw UsageError(std::string("option '--out': ") + error.what());
    }
}

int runLcmDistillation(const Args& args, Streams io) {
    if (!args.has("--base") || !args.has("--out"))
        throw UsageError("--lcm needs --base MODEL_DIR (the model to distil) and --out "
                         "FILE.safetensors (the LoRA to write)");
    if (args.has("--stage"))
        throw UsageError("--lcm trains a LoRA for a finished model: leave out --stage");
    train::LcmDistillOptions options;
    options.model = args.value("--base");
    options.out = args.value("--out");
    if (std::filesystem::path(options.out).extension() != ".safetensors")
        throw UsageError("--out of --lcm is the LoRA file to write; name it *.safetensors, got " +
                         options.out);
    checkWritable(options.out); // before minutes of training, not after
    if (args.has("--steps"))
        options.steps = args.integer("--steps");
    if (args.has("--batch"))
        options.batch = static_cast<int>(args.integer("--batch"));
    if (args.has("--lr"))
        options.learningRate = args.number("--lr");
    options.rank = static_cast<int>(args.integer("--rank"));
    options.teacherCfg = args.number("--teacher-cfg");
    options.huberC = args.number("--huber-c");
    if (args.has("--subject-only"))
        options.subjectOnly = args.number("--subject-only");
    options.seed = static_cast<std::uint64_t>(args.integer("--seed"));
    options.maxMinutes = args.number("--max-minutes");
    options.saveEverySeconds = args.number("--save-every");
    if (options.steps < 1 || options.batch < 1 || options.rank < 1 || options.rank > 256 ||
        !(options.learningRate > 0) || !(options.teacherCfg >= 1 && options.teacherCfg <= 30) ||
        !(options.huberC >= 0 && options.huberC <= 1) ||
        !(options.subjectOnly >= 0 && options.subjectOnly <= 1))
        throw UsageError("--lcm needs --steps, --batch >= 1, --rank 1-256, --lr > 0, "
                         "--teacher-cfg 1-30, --huber-c and --subject-only in [0, 1]");
    const long long logEvery = std::max(1LL, args.integer("--log-every"));
    {
        const StopOnSignals signals;
        train::distillLcmLora(options, distillReport("lcm", "loss", 2, logEvery, io),
                              [] { return stopRequested.load(); });
    }
    io.out << (stopRequested ? "stopped; " : "") << "LCM-LoRA: " << options.out << "\n";
    if (stopRequested)
        io.out << "the same command continues it from " << train::trainingStateDir(options.out)
               << "\n";
    return stopRequested ? kExitCancelled : kExitOk;
}

int runTaesdDistillation(const Args& args, Streams io) {
    if (!args.has("--base") || !args.has("--out"))
        throw UsageError("--taesd needs --base MODEL_DIR (whose VAE to fit) and --out "
                         "FILE.safetensors (the decoder to write)");
    if (args.has("--stage"))
        throw UsageError("--taesd fits a decoder for a finished model: leave out --stage");
    train::TaesdDistillOptions options;
    options.model = args.value("--base");
    options.out = args.value("--out");
    if (std::filesystem::path(options.out).extension() != ".safetensors")
        throw UsageError("--out of --taesd is the decoder file to write; name it "
                         "taesd_decoder.safetensors, got " +
                         options.out);
    checkWritable(options.out);
    options.steps = args.has("--steps") ? args.integer("--steps") : 3000;
    if (args.has("--batch"))
        options.batch = static_cast<int>(args.integer("--batch"));
    if (args.has("--lr"))
        options.learningRate = args.number("--lr");
    options.channels = static_cast<int>(args.integer("--taesd-channels"));
    options.seed = static_cast<std::uint64_t>(args.integer("--seed"));
    options.maxMinutes = args.number("--max-minutes");
    if (options.steps < 1 || options.batch < 1 || options.channels < 4 || options.channels > 256 ||
        !(options.learningRate > 0))
        throw UsageError(
            "--taesd needs --steps, --batch >= 1, --taesd-channels 4-256 and --lr > 0");
    const long long logEvery = std::max(1LL, args.integer("--log-every"));
    double psnr = 0;
    {
        const StopOnSignals signals;
        psnr = train::distillTaesd(options, distillReport("taesd", "L1", 3, logEvery, io),
                                   [] { return stopRequested.load(); });
    }
    char line[160];
    std::snprintf(line, sizeof line, "PSNR to the VAE's decode on 64 unseen renders: %.2f dB\n",
                  psnr);
    io.out << line << (stopRequested ? "stopped; " : "") << "TAESD decoder: " << options.out
           << "\n";
    if (stopRequested)
        io.out << "the same command continues it from " << train::trainingStateDir(options.out)
               << "\n";
    return stopRequested ? kExitCancelled : kExitOk;
}

int runControlNetTraining(const Args& args, Streams io) {
    if (!args.has("--base") || !args.has("--out"))
        throw UsageError("--controlnet needs --base MODEL_DIR (the model it is for) and --out "
                         "FILE.safetensors (the ControlNet to write)");
    if (args.has("--stage"))
        throw UsageError(
            "--controlnet trains a ControlNet for a finished model: leave out --stage");
    train::ControlNetTrainOptions options;
    options.type = enumOption<control::ControlType>(args, "--controlnet");
    if (!train::isTrainableControlType(options.type))
        throw UsageError(std::string("--controlnet ") + nameOf(options.type) +
                         ": the renderer makes exact hints for canny and depth only");
    options.model = args.value("--base");
    options.out = args.value("--out");
    if (std::filesystem::path(options.out).extension() != ".safetensors")
        throw UsageError("--out of --controlnet is the ControlNet file to write; name it "
                         "*.safetensors with the kind in the name (control_demo_" +
                         std::string(nameOf(options.type)) + ".safetensors), got " + options.out);
    if (control::controlTypeFromFileName(options.out) != options.type)
        throw UsageError("--out " + options.out + " does not say '" + nameOf(options.type) +
                         "' in its name; --control reads a ControlNet's kind from its file name");
    checkWritable(options.out);
    options.steps = args.has("--steps") ? args.integer("--steps") : 3000;
    if (args.has("--batch"))
        options.batch = static_cast<int>(args.integer("--batch"));
    options.learningRate = args.has("--lr") ? args.number("--lr") : 1e-4;
    if (args.has("--subject-only"))
        options.subjectOnly = args.number("--subject-only");
    options.emaDecay = args.number("--ema");
    options.snrGamma = args.number("--snr-gamma");
    options.seed = static_cast<std::uint64_t>(args.integer("--seed"));
    options.maxMinutes = args.number("--max-minutes");
    options.saveEverySeconds = args.number("--save-every");
    options.workers = static_cast<int>(args.integer("--workers"));
    if (options.workers < 1 || options.workers > options.batch)
        throw UsageError("--workers needs 1 to --batch threads, got " +
                         std::to_string(options.workers));
    if (options.steps < 1 || options.batch < 1 || !(options.learningRate > 0) ||
        !(options.subjectOnly >= 0 && options.subjectOnly <= 1) ||
        !(options.emaDecay >= 0 && options.emaDecay < 1) || options.snrGamma < 0)
        throw UsageError("--controlnet needs --steps, --batch >= 1, --lr > 0, --subject-only in "
                         "[0, 1], --ema in [0, 1) and --snr-gamma >= 0");
    const long long logEvery = std::max(1LL, args.integer("--log-every"));
    train::ControlNetRun run;
    {
        const StopOnSignals signals;
        run = train::trainControlNet(options, distillReport("controlnet", "loss", 2, logEvery, io),
                                     [] { return stopRequested.load(); });
    }
    char summary[160];
    std::snprintf(summary, sizeof summary, " (%lld of %lld steps, %s of training%s)",
                  static_cast<long long>(run.steps), static_cast<long long>(options.steps),
                  formatDuration(run.seconds).c_str(), run.resumedAt > 0 ? ", resumed" : "");
    io.out << (stopRequested ? "stopped; " : "") << "ControlNet (" << nameOf(options.type)
           << "): " << options.out << summary << "\n";
    if (run.steps < options.steps)
        io.out << "the same command continues it from " << train::trainingStateDir(options.out)
               << "\n";
    return stopRequested ? kExitCancelled : kExitOk;
}

} // namespace

int runTrain(const std::vector<std::string>& argv, Streams io) {
    Args args(
        "train --stage 1|2 --out DIR [--base MODEL_DIR] [options]",
        "Train the demo DEADiff on the procedural paired dataset (resumable).\n"
        "Stage 1: the base text-to-image model (a small VAE, then text encoder + UNet).\n"
        "Stage 2: pre-trains the vision tower, then the DEADiff parts only (Q-Formers,\n"
        "ProjLayers, i_to_k/i_to_v), tasks STRE:SERE:reconstruction 1:1:1.\n"
        "DIR/model (last weights) and DIR/ema (their moving average: use it) are\n"
        "loadable model folders; running the same command again resumes from DIR.\n"
        "Ctrl-C/SIGTERM save and stop.\n"
        "--lcm --base MODEL_DIR --out FILE.safetensors distils the model into an LCM-LoRA\n"
        "for 4-step drafts (--sampler lcm --cfg 1 --lora FILE); defaults for it: 1500\n"
        "steps, batch 8, --lr 0.0001.\n"
        "--taesd --base MODEL_DIR --out DIR/taesd_decoder.safetensors fits a TAESD decoder\n"
        "to the model's VAE (--decoder taesd, live previews); defaults for it: 3000\n"
        "steps, batch 16, --lr 0.001. Both keep their state in FILE.train/; the same command\n"
        "resumes a stopped run.\n"
        "--controlnet canny|depth --base MODEL_DIR --out FILE.safetensors trains a\n"
        "ControlNet for the model on the renderer's exact outlines or depth maps\n"
        "(--control FILE --hint IMG); defaults for it: 3000 steps, batch 16, --lr 0.0001;\n"
        "its state is kept in FILE.safetensors.train/ and the same command resumes it.");
    args.option("--stage", "N", "1 (base model) or 2 (DEADiff parts)")
        .flag("--lcm", "distil --base into an LCM-LoRA written to --out (a .safetensors file)")
        .flag("--taesd", "fit a TAESD decoder to --base's VAE, written to --out (a file)")
        .option("--controlnet", "TYPE",
                "train a canny or depth ControlNet for --base, written to --out (a file)")
        .option("--workers", "N",
                "--controlnet: threads that each take a share of the batch (2 uses both cores)",
                "1")
        .option("--taesd-channels", "N", "--taesd: the decoder's width", "32")
        .option("--rank", "N", "--lcm: the LoRA's rank", "8")
        .option("--teacher-cfg", "F", "--lcm: the guidance scale the teacher is used at", "5")
        .option("--huber-c", "C", "--lcm: pseudo-Huber loss with this c (0: squared error)", "0")
        .option("--out", "DIR", "checkpoint folder (created; resumed when it holds a run)")
        .option("--base", "DIR",
                "stage 2: the stage-1 model folder (e.g. stage1/model); stage 1: a finished "
                "model whose UNet to fine-tune (no VAE phase; text encoder, VAE and DEADiff "
                "parts kept)")
        .option("--look", "NAME",
                "stage 1: the renders' look, plain or vignette (a fine-tuned base's own look)",
                "plain")
        .option("--steps", "N", "stage 1: UNet steps; stage 2: steps", "1500")
        .option("--vae-steps", "N", "stage 1: VAE steps before the UNet", "1000")
        .option("--batch", "N", "images per step", "16")
        .option("--vae-batch", "N", "stage 1: 32 px crops per VAE step", "8")
        .option("--lr", "F", "AdamW learning rate (after warm-up)", "0.0002")
        .option("--tasks", "A:B:C", "stage 2 task odds STRE:SERE:reconstruction", "1:1:1")
        .option("--vision-steps", "N",
                "stage 2: steps pre-training the vision tower before it is frozen (0: train it "
                "with the Q-Formers instead)",
                "5000")
        .option("--subject-only", "F",
                "share of captions reduced to the subject's name (stage 1: all, stage 2: STRE)",
                "0.3")
        .option("--ema", "DECAY", "moving average of the weights written to DIR/ema (0: off)",
                "0.999")
        .option("--snr-gamma", "G", "Min-SNR-gamma loss weighting (0: plain eps-MSE)", "5")
        .flag("--hold-out-from-base",
              "stage 1 never renders the held-out combinations either (by default only stage "
              "2's pairs exclude them)")
        .option("--terminal-signal", "F",
                "stage 1: sqrt(alpha_bar) of the noisiest step; SD's schedule rescaled to end "
                "there (0: SD's 0.068)",
                "0")
        .option("--offset-noise", "S",
                "spread of a per-image, per-channel constant added to the training noise, so "
                "colour comes from the prompt and reference, not the starting noise (0: off)",
                "0")
        .option("--seed", "N", "data and noise seed", "0")
        .option("--save-every", "SECONDS", "checkpoint interval", "120")
        .option("--content-layers", "LIST",
                "stage 2 ablation: transformers reading the content branch, e.g. 4,5,6,7,8 "
                "(the real routing, default) or none (one branch everywhere: no DCM)")
        .option("--export", "DIR",
                "write DIR's model with float16 weights (the shipped form) and stop")
        .option("--export-base", "MODEL_DIR",
                "with --export: write only what differs from this model folder (an overlay "
                "that reads the rest from it)")
        .option("--max-minutes", "M", "save and stop after M minutes (0: no limit)", "0")
        .option("--log-every", "N", "print a progress line every N steps", "10")
        // One thread by default: these small networks parallelise poorly, and on a busy
        // machine OpenMP's spin-waiting made two threads 40x slower than one (measured).
        .option("--threads", "N", "intra-op threads (0: DEADIFF_THREADS or every core)", "1");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    configureThreads(static_cast<int>(args.integer("--threads")));
    if (static_cast<int>(args.has("--lcm")) + static_cast<int>(args.has("--taesd")) +
            static_cast<int>(args.has("--controlnet")) >
        1)
        throw UsageError("--lcm, --taesd and --controlnet are separate runs: give one");
    if (args.has("--controlnet"))
        return runControlNetTraining(args, io);
    if (args.has("--lcm"))
        return runLcmDistillation(args, io);
    if (args.has("--taesd"))
        return runTaesdDistillation(args, io);
    if (!args.has("--stage") || !args.has("--out"))
        throw UsageError("--stage and --out are required");
    train::TrainOptions options;
    options.stage = static_cast<int>(args.integer("--stage"));
    options.outDir = args.value("--out");
    options.baseModel = args.value("--base");
    options.steps = args.integer("--steps");
    options.vaeSteps = args.integer("--vae-steps");
    options.batch = static_cast<int>(args.integer("--batch"));
    options.vaeBatch = static_cast<int>(args.integer("--vae-batch"));
    options.learningRate = args.number("--lr");
    options.taskWeights = parseTaskWeights(args.value("--tasks"));
    options.visionSteps = args.integer("--vision-steps");
    options.subjectOnlyCaptions = args.number("--subject-only");
    options.emaDecay = args.number("--ema");
    options.snrGamma = args.number("--snr-gamma");
    options.holdOutFromBase = args.has("--hold-out-from-base");
    options.terminalSignal = args.number("--terminal-signal");
    options.offsetNoise = args.number("--offset-noise");
    options.look = enumOption<train::BaseLook>(args, "--look");
    if (options.subjectOnlyCaptions < 0 || options.subjectOnlyCaptions > 1)
        throw UsageError("--subject-only must be in [0, 1]");
    if (options.emaDecay < 0 || options.emaDecay >= 1)
        throw UsageError("--ema must be in [0, 1)");
    if (options.snrGamma < 0 || options.visionSteps < 0)
        throw UsageError("--snr-gamma and --vision-steps must be >= 0");
    if (!(options.offsetNoise >= 0 && options.offsetNoise <= 1))
        throw UsageError("--offset-noise must be in [0, 1]");
    options.seed = static_cast<std::uint64_t>(args.integer("--seed"));
    options.saveEverySeconds = args.number("--save-every");
    options.maxMinutes = args.number("--max-minutes");
    options.exportDir = args.value("--export");
    options.exportBase = args.value("--export-base");
    if (!options.exportBase.empty() && options.exportDir.empty())
        throw UsageError("--export-base needs --export DIR");
    // A fine-tune of a finished base has no VAE phase: these would be ignored without a word.
    if (options.stage == 1 && !options.baseModel.empty())
        for (const char* vaeOption : {"--vae-steps", "--vae-batch"})
            if (args.has(vaeOption))
                throw UsageError(std::string(vaeOption) +
                                 " is for a stage-1 run from scratch; a fine-tune of --base "
                                 "keeps the base's VAE (it trains the UNet only)");
    if (args.has("--content-layers")) {
        std::vector<std::int64_t> layers;
        const std::string text = args.value("--content-layers");
        if (text != "none") {
            std::istringstream in(text);
            std::string item;
            while (std::getline(in, item, ',')) {
                try {
                    std::size_t used = 0;
                    layers.push_back(std::stoll(item, &used));
                    if (used != item.size())
                        throw std::invalid_argument(item);
                } catch (const std::exception&) {
                    throw UsageError("--content-layers expects 'none' or indices such as "
                                     "4,5,6,7,8, got '" +
                                     text + "'");
                }
            }
        }
        options.contentLayers = layers;
    }
    const long long logEvery = std::max(1LL, args.integer("--log-every"));

    const auto report = [&](const train::TrainProgress& p) {
        if (p.step % logEvery != 0 && !p.saved && p.step != p.total)
            return;
        char line[256];
        std::snprintf(
            line, sizeof line,
            "stage %d %-7s step %lld/%lld  loss %.5f  avg %.5f  lr %.2e  %.2f s/step  "
            "ETA %s%s\n",
            p.stage, nameOf(p.phase), static_cast<long long>(p.step),
            static_cast<long long>(p.total), p.loss, p.averageLoss, p.learningRate,
            p.secondsPerStep,
            formatDuration(p.secondsPerStep * static_cast<double>(p.total - p.step)).c_str(),
            p.saved ? "  [saved]" : "");
        io.out << line << std::flush;
    };
    {
        const StopOnSignals signals;
        train::train(options, report, [] { return stopRequested.load(); });
    }
    if (!options.exportDir.empty())
        io.out << (options.exportBase.empty() ? "exported model folder: "
                                              : "exported overlay folder: ")
               << options.exportDir << "\n";
    else
        io.out << (stopRequested ? "stopped; " : "") << "model folder: " << options.outDir
               << (options.emaDecay > 0 ? "/ema\n" : "/model\n");
    return stopRequested ? kExitCancelled : kExitOk;
}

} // namespace deadiff::cli
