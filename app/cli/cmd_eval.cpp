#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/control_args.h"
#include "app/cli/request_args.h"

#include "core/pipeline/default_model.h"
#include "core/runtime/system_info.h"
#include "core/train/classifier.h"
#include "core/train/controlnet_training.h"
#include "core/train/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <ostream>

namespace deadiff::cli {

int runEval(const std::vector<std::string>& argv, Streams io) {
    Args args("eval [--model DIR [--label NAME]]... [--classifiers FILE [--train-classifiers]] "
              "[options]",
              "Score demo models on held-out (subject, style) pairs: the prompt names the\n"
              "subject alone, the style reference shows that style on another subject, and\n"
              "small classifiers judge each image (prompt's subject, reference's style,\n"
              "reference's subject = content leak). Prints a Markdown table, one row per\n"
              "model. --train-classifiers first trains the classifiers and writes FILE.");
    args.repeatable("--model", "DIR", "a model folder (default: the bundled demo model)")
        .repeatable("--label", "NAME", "the table's name for each --model, in order")
        .repeatable("--base", "DIR",
                    "the base model under each --model, in order (own: the model's own)")
        .option("--layout", "TYPE",
                "canny or depth: give every image a layout the base never paints (small, off "
                "centre) and add a column: how well the painted subject covers it (IoU, by the "
                "segmenter)")
        .repeatable("--control", "FILE[:S]",
                    "with --layout: the ControlNet (strength S, default 1) reading each layout's "
                    "hint, per --model in order (none: without)")
        .option("--segmenter", "FILE",
                "subject segmenter weights for --layout (default: segmenter.safetensors of the "
                "bundled model)")
        .flag("--train-segmenter", "train the segmenter first and write --segmenter")
        .option("--segmenter-steps", "N", "training steps of the segmenter", "800")
        .option("--segmenter-autoencoder", "MODEL_DIR",
                "--train-segmenter: half of its renders go through this model's autoencoder "
                "(default: the bundled model's; none: renders only)")
        .flag("--look", "add a column: the share of images with the vignette look (a base's "
                        "own look, the second demo base's)")
        .option("--classifiers", "FILE",
                "classifier weights (default: classifiers.safetensors of the bundled model)")
        .flag("--train-classifiers", "train the classifiers first and write --classifiers")
        .option("--classifier-steps", "N", "training steps of each classifier", "600")
        .option("--pairs", "N", "held-out pairs per model", "48")
        .option("--steps", "N", "DDIM steps per image", "25")
        .option("--cfg", "F", "guidance scale", "5")
        .option("--cache-interval", "N", "DeepCache step reuse: deep features every N-th step", "1")
        .option("--sampler", "NAME", "ddim, dpmpp_2m, euler_a, lcm, tcd, ...", "ddim")
        .option("--decoder", "NAME", "vae, or taesd (the model folder's TAESD decoder)", "vae")
        .repeatable("--lora", "FILE[:W]", "merge this LoRA (weight W, default 1) into every model")
        .option("--image-weight", "F", "DEADiff image weight w", "1")
        .option("--mode", "MODE", "reference mode (style, content, both, none)", "style")
        .flag("--prompt-names-style",
              "the prompt names the style too (a text-only baseline with --mode none)")
        .flag("--seen", "targets from combinations seen in training instead of held-out ones (a "
                        "diagnostic: style taken from a reference, apart from composing)")
        .flag("--autoencoder",
              "score VAE round trips of the held-out targets instead of generating (the "
              "ceiling the model's autoencoder sets; leak is not measured)")
        .flag("--confusion", "after each row, the style confusion matrix (expected x recognised)")
        // One thread by default: these small networks parallelise poorly, and on a busy
        // machine OpenMP's spin-waiting made two threads 40x slower than one (measured).
        .option("--threads", "N", "intra-op threads (0: DEADIFF_THREADS or every core)", "1")
        .option(
            "--samples", "PNG",
            "write a contact sheet (reference | image, with --layout reference | hint | image) of "
            "the last model");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    configureThreads(static_cast<int>(args.integer("--threads")));
    std::vector<std::string> models = args.values("--model");
    const std::string bundled = pipeline::bundledModelDir();
    if (models.empty() && !args.has("--train-classifiers")) {
        if (bundled.empty())
            throw UsageError("no --model given and no bundled demo model found");
        models.push_back(bundled);
    }
    const std::vector<std::string> labels = args.values("--label");
    const std::vector<std::string> bases = args.values("--base");
    if (bases.size() > models.size())
        throw UsageError("more --base than --model: give one base per model, in order (own: "
                         "the model's own)");
    if (args.has("--autoencoder"))
        for (const std::string& base : bases)
            if (base != "own" && !std::filesystem::is_directory(base))
                throw UsageError("--autoencoder scores the VAE of a model folder; --base " + base +
                                 " is not one (a single checkpoint file is a base for "
                                 "generating, not for --autoencoder)");
    std::string classifierPath = args.value("--classifiers");
    if (classifierPath.empty() && args.has("--train-classifiers"))
        throw UsageError("--train-classifiers needs --classifiers FILE to write");
    if (classifierPath.empty())
        classifierPath = pipeline::bundledModelFile("classifiers.safetensors");
    if (classifierPath.empty()) {
        std::string searched;
        for (const std::string& candidate : pipeline::bundledModelCandidates())
            searched += (searched.empty() ? "" : ", ") + candidate;
        throw UsageError("--classifiers is required (no classifiers.safetensors in " + searched +
                         ")");
    }

    // Every layout and ControlNet argument is checked before minutes of training or loading.
    train::EvaluationOptions options;
    if (args.has("--layout")) {
        options.layout = enumOption<control::ControlType>(args, "--layout");
        if (!train::isTrainableControlType(*options.layout))
            throw UsageError("--layout is canny or depth (the hints the renderer makes)");
        if (args.has("--autoencoder"))
            throw UsageError("--layout scores generated images; --autoencoder generates none");
    }
    const std::vector<std::string> controlValues = args.values("--control");
    if (!controlValues.empty() && !options.layout)
        throw UsageError("--control is evaluated on layouts: give --layout canny|depth");
    if (controlValues.size() > models.size())
        throw UsageError("more --control than --model: give one per model, in order (none: "
                         "without)");
    std::vector<std::optional<control::ControlUnit>> controls;
    for (const std::string& value : controlValues) {
        if (value == "none") {
            controls.emplace_back();
            continue;
        }
        control::ControlUnit unit = controlSpec(value);
        checkControlFiles({unit});
        const control::ControlType named = control::controlTypeFromFileName(unit.model);
        if (named != control::ControlType::Given && named != *options.layout)
            throw UsageError("--control " + unit.model + " is a " + nameOf(named) +
                             " ControlNet by its name, but --layout " + nameOf(*options.layout) +
                             " makes " + nameOf(*options.layout) + " hints");
        controls.emplace_back(unit);
    }

    train::Classifiers classifiers;
    if (args.has("--train-classifiers")) {
        const auto steps = args.integer("--classifier-steps");
        classifiers = train::trainClassifiers(
            64, steps, 32, 7, [&](std::int64_t step, std::int64_t total, double a, double b) {
                if (step % 50 == 0 || step == total) {
                    char line[128];
                    std::snprintf(
                        line, sizeof line,
                        "classifiers step %lld/%lld  subject loss %.4f  style loss %.4f\n",
                        static_cast<long long>(step), static_cast<long long>(total), a, b);
                    io.err << line << std::flush;
                }
            });
        train::saveClassifiers(classifiers, classifierPath);
        const auto [subject, style] = train::classifierAccuracy(classifiers, 64, 600, 99);
        char line[160];
        std::snprintf(line, sizeof line,
                      "classifiers on 600 fresh renders: subject %.1f %%, style %.1f %% -> %s\n",
                      100 * subject, 100 * style, classifierPath.c_str());
        io.out << line;
        if (models.empty() && !args.has("--train-segmenter"))
            return kExitOk; // only the classifiers were asked for
    } else {
        classifiers = train::loadClassifiers(classifierPath);
    }

    std::optional<train::SubjectSegmenter> segmenter;
    if (args.has("--train-segmenter")) {
        const std::string path = args.value("--segmenter");
        if (path.empty())
            throw UsageError("--train-segmenter needs --segmenter FILE to write");
        // Generated images come through a decoder: half of every batch goes through the
        // model's autoencoder (with an imperfect latent) so that the decoder's rendition of a
        // subject is known too. The model of --segmenter-autoencoder, else the bundled one.
        std::string autoencoderModel = args.value("--segmenter-autoencoder");
        if (autoencoderModel.empty())
            autoencoderModel = pipeline::bundledModelDir();
        train::ImageRoundTrip roundTrip;
        if (!autoencoderModel.empty() && autoencoderModel != "none")
            roundTrip = train::autoencoderRoundTrip(train::loadModelAutoencoder(autoencoderModel),
                                                    train::kSegmenterLatentNoise);
        segmenter = train::trainSubjectSegmenter(
            64, args.integer("--segmenter-steps"), 24, 11,
            [&](std::int64_t step, std::int64_t total, double loss) {
                if (step % 50 == 0 || step == total) {
                    char line[128];
                    std::snprintf(line, sizeof line, "segmenter step %lld/%lld  loss %.4f\n",
                                  static_cast<long long>(step), static_cast<long long>(total),
                                  loss);
                    io.err << line << std::flush;
                }
            },
            roundTrip);
        train::saveSubjectSegmenter(*segmenter, path);
        char line[256];
        std::snprintf(line, sizeof line,
                      "segmenter on 600 fresh renders at free placements: mean IoU %.3f -> %s\n",
                      train::segmenterIoU(*segmenter, 64, 600, 99), path.c_str());
        io.out << line;
        if (roundTrip) {
            std::snprintf(
                line, sizeof line, "  the same renders through %s's autoencoder: mean IoU %.3f\n",
                autoencoderModel.c_str(), train::segmenterIoU(*segmenter, 64, 600, 99, roundTrip));
            io.out << line;
        }
        if (args.values("--model").empty())
            return kExitOk;
    } else if (args.has("--layout")) {
        std::string path = args.value("--segmenter");
        if (path.empty())
            path = pipeline::bundledModelFile("segmenter.safetensors");
        if (path.empty())
            throw UsageError("--layout needs --segmenter FILE (no segmenter.safetensors beside "
                             "the bundled model)");
        segmenter = train::loadSubjectSegmenter(path);
    }
    options.pairs = static_cast<int>(args.integer("--pairs"));
    options.steps = static_cast<int>(args.integer("--steps"));
    options.cfg = args.number("--cfg");
    options.cacheInterval = static_cast<int>(args.integer("--cache-interval"));
    options.sampler = enumOption<SamplerKind>(args, "--sampler");
    options.decoder = enumOption<DecoderKind>(args, "--decoder");
    std::vector<LoraChoice> loras;
    for (const std::string& value : args.values("--lora"))
        loras.push_back(loraOption(value));
    options.imageWeight = args.number("--image-weight");
    options.mode = enumOption<ReferenceMode>(args, "--mode");
    options.promptNamesStyle = args.has("--prompt-names-style");
    options.seenCombinations = args.has("--seen");
    const bool look = args.has("--look");
    io.out << "| model | images | prompt's subject | reference's style | reference's subject "
              "(leak) |"
           << (look ? " vignette look |" : "")
           << (options.layout ? " layout IoU | layouts held (IoU >= 0.5) |" : "")
           << "\n|---|---|---|---|---|" << (look ? "---|" : "")
           << (options.layout ? "---|---|" : "") << "\n";
    for (std::size_t m = 0; m < models.size(); ++m) {
        if (m + 1 == models.size())
            options.samplesPath = args.value("--samples");
        train::EvaluationScores scores;
        const std::string base = m < bases.size() && bases[m] != "own" ? bases[m] : std::string();
        if (args.has("--autoencoder")) {
            // The base supplies the VAE where one is given.
            scores = train::evaluateAutoencoder(base.empty() ? models[m] : base, 0, classifiers,
                                                options.pairs, options.seed);
        } else {
            LoadOptions load;
            load.model = models[m];
            load.base = base;
            load.dtype = ComputeDtype::Float32;
            load.loras = loras;
            auto pipeline = Pipeline::load(load);
            options.control = m < controls.size() ? controls[m] : std::nullopt;
            const auto started = std::chrono::steady_clock::now();
            scores = train::evaluateModel(
                *pipeline, pipeline->facts().nativeImageSize, classifiers, options,
                [&](int done, int total) {
                    io.err << "\r" << models[m] << ": " << done << "/" << total << std::flush;
                },
                segmenter ? &*segmenter : nullptr);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            char timing[128];
            std::snprintf(timing, sizeof timing, " in %.1f s (%.3f s per image)\n", seconds,
                          seconds / std::max(1, scores.images));
            io.err << timing;
        }
        char row[256];
        std::snprintf(row, sizeof row, "| %s | %d | %.1f %% | %.1f %% | %.1f %% |",
                      (m < labels.size() ? labels[m] : models[m]).c_str(), scores.images,
                      100 * scores.subject, 100 * scores.style, 100 * scores.contentLeak);
        io.out << row;
        if (look) {
            std::snprintf(row, sizeof row, " %.1f %% |", 100 * scores.vignetted);
            io.out << row;
        }
        if (options.layout) {
            std::snprintf(row, sizeof row, " %.3f | %.1f %% |", scores.layoutIoU,
                          100 * scores.layoutHeld);
            io.out << row;
        }
        io.out << "\n" << std::flush;
        if (args.has("--confusion"))
            io.out << "\n" << train::styleConfusionTable(scores) << "\n" << std::flush;
    }
    return kExitOk;
}

} // namespace deadiff::cli
