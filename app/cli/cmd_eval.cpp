#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/request_args.h"

#include "core/pipeline/default_model.h"
#include "core/runtime/system_info.h"
#include "core/train/classifier.h"
#include "core/train/evaluation.h"

#include <cstdio>
#include <ostream>

namespace deadiff::cli {
namespace {

// The segmenter of --controlnet rows: trained and written with --train-segmenter, else read.
train::SubjectSegmenter segmenterFor(const Args& args, Streams io) {
    std::string path = args.value("--segmenter");
    if (path.empty() && args.has("--train-segmenter"))
        throw UsageError("--train-segmenter needs --segmenter FILE to write");
    if (path.empty())
        path = pipeline::bundledModelFile("segmenter.safetensors");
    if (path.empty())
        throw UsageError("--segmenter is required (no segmenter.safetensors next to the bundled "
                         "demo model)");
    if (!args.has("--train-segmenter"))
        return train::loadSegmenter(path);
    const auto steps = args.integer("--segmenter-steps");
    train::SubjectSegmenter segmenter =
        train::trainSegmenter(64, steps, 32, 11, [&](std::int64_t step, std::int64_t total, double loss) {
            if (step % 50 == 0 || step == total) {
                char line[96];
                std::snprintf(line, sizeof line, "segmenter step %lld/%lld  loss %.4f\n",
                              static_cast<long long>(step), static_cast<long long>(total), loss);
                io.err << line << std::flush;
            }
        });
    train::saveSegmenter(segmenter, path);
    char line[160];
    std::snprintf(line, sizeof line,
                  "segmenter on 600 fresh off-prior renders: mean IoU %.3f -> %s\n",
                  train::segmenterAccuracy(segmenter, 64, 600, 99), path.c_str());
    io.out << line;
    return segmenter;
}

// One row per --controlnet: layout (IoU with and without it) and subject/style.
int evalControlNets(const Args& args, Streams io, const std::string& model,
                    train::Classifiers& classifiers) {
    train::SubjectSegmenter segmenter = segmenterFor(args, io);
    const std::vector<std::string> files = args.values("--controlnet");
    if (files.empty())
        return kExitOk; // only the segmenter was asked for
    const std::vector<std::string> labels = args.values("--label");
    train::ControlEvaluationOptions options;
    options.pairs = static_cast<int>(args.integer("--pairs"));
    options.steps = static_cast<int>(args.integer("--steps"));
    options.cfg = args.number("--cfg");
    options.scale = args.number("--control-scale");
    auto pipeline = Pipeline::load({model, ComputeDtype::Float32});
    io.out << "| ControlNet | images | mask IoU with | without | prompt's subject | reference's "
              "style | without: subject | without: style | segmenter on renders |\n"
              "|---|---|---|---|---|---|---|---|---|\n";
    for (std::size_t c = 0; c < files.size(); ++c) {
        options.controlNet = files[c];
        options.type = control::controlTypeFromFileName(files[c]);
        if (options.type != control::ControlType::Canny &&
            options.type != control::ControlType::Depth)
            throw UsageError(files[c] + ": the renderer makes canny and depth hints; name the "
                                        "file after its kind (…_canny…, …_depth…)");
        if (c + 1 == files.size())
            options.samplesPath = args.value("--samples");
        const train::ControlEvaluationScores scores = train::evaluateControlNet(
            *pipeline, pipeline->facts().nativeImageSize, classifiers, segmenter, options,
            [&](int done, int total) {
                io.err << "\r" << files[c] << ": " << done << "/" << total << std::flush;
            });
        io.err << "\n";
        char row[512];
        std::snprintf(row, sizeof row,
                      "| %s | %d | %.3f | %.3f | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.3f |\n",
                      (c < labels.size() ? labels[c] : files[c]).c_str(), scores.images,
                      scores.iouWith, scores.iouWithout, 100 * scores.subject, 100 * scores.style,
                      100 * scores.subjectWithout, 100 * scores.styleWithout,
                      scores.segmenterCeiling);
        io.out << row << std::flush;
    }
    return kExitOk;
}

} // namespace

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
        .option("--classifiers", "FILE",
                "classifier weights (default: classifiers.safetensors of the bundled model)")
        .flag("--train-classifiers", "train the classifiers first and write --classifiers")
        .option("--classifier-steps", "N", "training steps of each classifier", "600")
        .option("--pairs", "N", "held-out pairs per model", "48")
        .option("--steps", "N", "DDIM steps per image", "25")
        .option("--cfg", "F", "guidance scale", "5")
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
        .option("--samples", "PNG", "write a contact sheet (reference | image) of the last model")
        .repeatable("--controlnet", "FILE",
                    "score a ControlNet for the (one) --model instead: does its hint, the "
                    "renderer's own canny or depth map at an off-prior placement, hold the "
                    "layout (mask IoU with and without it) while the style comes from the "
                    "reference? Its kind comes from the file name")
        .option("--control-scale", "F", "the ControlNet's strength", "1")
        .option("--segmenter", "FILE",
                "subject segmenter weights (default: segmenter.safetensors of the bundled model)")
        .flag("--train-segmenter", "train the segmenter first and write --segmenter")
        .option("--segmenter-steps", "N", "training steps of the segmenter", "1500");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    configureThreads(static_cast<int>(args.integer("--threads")));
    std::vector<std::string> models = args.values("--model");
    const std::string bundled = pipeline::bundledModelDir();
    const bool controlNets = args.has("--controlnet") || args.has("--train-segmenter");
    if (controlNets && models.size() > 1)
        throw UsageError("--controlnet scores ControlNets for one --model");
    if (models.empty() && (!args.has("--train-classifiers") || controlNets)) {
        if (bundled.empty())
            throw UsageError("no --model given and no bundled demo model found");
        models.push_back(bundled);
    }
    const std::vector<std::string> labels = args.values("--label");
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
        if (models.empty())
            return kExitOk; // only the classifiers were asked for
    } else {
        classifiers = train::loadClassifiers(classifierPath);
    }

    if (controlNets)
        return evalControlNets(args, io, models.front(), classifiers);

    train::EvaluationOptions options;
    options.pairs = static_cast<int>(args.integer("--pairs"));
    options.steps = static_cast<int>(args.integer("--steps"));
    options.cfg = args.number("--cfg");
    options.imageWeight = args.number("--image-weight");
    options.mode = enumOption<ReferenceMode>(args, "--mode");
    options.promptNamesStyle = args.has("--prompt-names-style");
    options.seenCombinations = args.has("--seen");
    io.out << "| model | images | prompt's subject | reference's style | reference's subject "
              "(leak) |\n|---|---|---|---|---|\n";
    for (std::size_t m = 0; m < models.size(); ++m) {
        if (m + 1 == models.size())
            options.samplesPath = args.value("--samples");
        train::EvaluationScores scores;
        if (args.has("--autoencoder")) {
            scores =
                train::evaluateAutoencoder(models[m], 0, classifiers, options.pairs, options.seed);
        } else {
            auto pipeline = Pipeline::load({models[m], ComputeDtype::Float32});
            scores = train::evaluateModel(*pipeline, pipeline->facts().nativeImageSize, classifiers,
                                          options, [&](int done, int total) {
                                              io.err << "\r" << models[m] << ": " << done << "/"
                                                     << total << std::flush;
                                          });
            io.err << "\n";
        }
        char row[256];
        std::snprintf(row, sizeof row, "| %s | %d | %.1f %% | %.1f %% | %.1f %% |\n",
                      (m < labels.size() ? labels[m] : models[m]).c_str(), scores.images,
                      100 * scores.subject, 100 * scores.style, 100 * scores.contentLeak);
        io.out << row << std::flush;
        if (args.has("--confusion"))
            io.out << "\n" << train::styleConfusionTable(scores) << "\n" << std::flush;
    }
    return kExitOk;
}

} // namespace deadiff::cli
