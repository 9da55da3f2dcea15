#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/control_args.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"

#include "core/io/bounded_file.h"
#include "core/io/output_path.h"
#include "core/io/png.h"
#include "core/models/models_folder.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/model_files.h"
#include "core/pipeline/model_memory.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/prompt_loras.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <ostream>

namespace deadiff::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void onInterrupt(int) {
    interrupted = 1;
}

class CliObserver : public GenerationObserver {
public:
    CliObserver(ProgressBar& bar, std::ostream& err)
        : bar_(bar)
        , err_(err) {}
    void onStarted(const GenerationRequest& resolved) override {
        err_ << "seed " << *resolved.seed << ", " << nameOf(resolved.dtype) << "\n";
    }
    void onStage(const std::string& stage) override { bar_.stage(stage); }
    void onStep(const StepInfo& info) override {
        bar_.update(info.step + 1, info.totalSteps, info.elapsedSeconds,
                    "t=" + std::to_string(info.timestep));
    }
    bool cancelled() const override { return interrupted != 0; }
    bool wantsPreviews() const override { return false; }

private:
    ProgressBar& bar_;
    std::ostream& err_;
};

} // namespace

LoraChoice loraOption(const std::string& value) {
    // PATH[:W]: the text after the last ':' is a weight only when it reads as a number, so a
    // path with a colon (and no weight) still works.
    const std::size_t colon = value.rfind(':');
    if (colon != std::string::npos && colon > 0) {
        const std::string weight = value.substr(colon + 1);
        char* end = nullptr;
        const double parsed = std::strtod(weight.c_str(), &end);
        if (!weight.empty() && end == weight.c_str() + weight.size())
            return {value.substr(0, colon), parsed, {}};
    }
    return {value, 1.0, {}};
}

void addRequestOptions(Args& args) {
    args.option("--model", "PATH|NAME",
                "DEADiff checkpoint (.ckpt/.safetensors), model folder, or the name of one in the "
                "models folder (deadiff models list) [default: the bundled demo model]; a plain "
                "Stable Diffusion 1.5 file paints from text alone")
        .option("--base", "PATH|NAME",
                "a Stable Diffusion 1.5 checkpoint (or model folder) under the DEADiff parts: "
                "its UNet, VAE and text encoder [default: the model's own]")
        .flag("--base-ema", "use the EMA weights (model_ema.*) of the base's UNet")
        .option("--vae", "PATH|NAME",
                "a standalone SD VAE (.safetensors/.ckpt) [default: the model's]")
        .option("--prompt", "TEXT", "what to paint (required)")
        .option("--negative-prompt", "TEXT", "what to avoid [default: the official list]")
        .repeatable("--style", "PATH", "style reference image")
        .option("--mix", "W", "with two styles: weights (1-W, W)")
        .option("--content", "PATH", "content reference image")
        .option("--mode", "MODE", "style | content | both | none [default: style with a --style]")
        .option("--image-weight", "F", "strength of the reference (0-2)", "1.0")
        .option("--seed", "N", "random seed [default: random, printed]")
        .option("--steps", "N", "sampler steps", "50")
        .option("--cfg", "F", "classifier-free guidance scale", "7.5")
        .option("--sampler", "NAME",
                "ddim | dpmpp-2m | euler-a | lcm | tcd (lcm/tcd: 2-8 steps, cfg 1-2, with an "
                "LCM or TCD LoRA)",
                "ddim")
        .option("--timestep-spacing", "NAME",
                "leading | trailing (trailing: ddim and euler-a, for Hyper-SD-style LoRAs)",
                "leading")
        .option("--decoder", "NAME",
                "vae | taesd (taesd: the tiny decoder, for fast drafts; needs "
                "taesd_decoder.safetensors in the models folder's taesd/ or the model's folder)",
                "vae")
        .option("--cache-interval", "N",
                "compute the UNet's deep features every N-th step and reuse them in between "
                "(DeepCache; faster, slightly different image; not with ControlNets)",
                "1")
        .repeatable("--lora", "PATH[:W]",
                    "LoRA file (kohya/A1111, LyCORIS LoCon, diffusers/PEFT) merged at weight W "
                    "[default 1]")
        .option("--width", "N", "multiple of 64 [default: the model's size, 512 for a checkpoint]")
        .option("--height", "N", "multiple of 64 [default: as --width]")
        .option("--batch", "N", "images per request", "1")
        .option("--dtype", "TYPE", "auto | float32 | bfloat16", "auto")
        .option("--style-start", "F", "the references act from this fraction of the steps", "0.0")
        .option("--style-end", "F", "... up to this fraction (outside: no image tokens)", "1.0")
        .option("--style-strength", "F", "image weight factor of the style (fine) layers", "1.0")
        .option("--content-strength", "F",
                "image weight factor of the content (coarse) layers 4-8; with --mode both and a "
                "--content image: style from --style, content from --content",
                "1.0")
        .option("--layer-weights", "LIST",
                "expert: factors per cross-attention layer 0-15, e.g. \"0:1,4:0.5\"")
        .option("--init", "IMAGE", "start from this image instead of noise (image-to-image)")
        .option("--strength", "S", "with --init: share of the steps that run (0-1)", "0.75")
        .option("--resize-mode", "MODE",
                "how --init and --mask fit the size: crop | stretch | fill", "crop")
        .option("--mask", "IMAGE", "with --init: repaint the white area, keep the black")
        .option("--mask-blur", "PX", "soften the mask's edge", "4")
        .flag("--masked-only", "repaint only the mask's box, at the full size")
        .option("--masked-padding", "PX", "context around that box", "32");
    addControlOptions(args);
}

GenerationRequest requestFromArgs(const Args& args) {
    GenerationRequest request;
    request.model = args.value("--model");
    request.base = args.value("--base");
    request.baseEma = args.has("--base-ema");
    request.vae = args.value("--vae");
    request.prompt = args.value("--prompt");
    if (args.has("--negative-prompt"))
        request.negativePrompt = args.value("--negative-prompt");
    for (const std::string& path : args.values("--style"))
        request.styles.push_back({path, std::nullopt});
    if (args.has("--mix")) {
        // Ignoring it would make an image the user did not ask for without a word.
        if (request.styles.size() != 2)
            throw UsageError("option '--mix' sets the share of the second of two --style images; " +
                             std::to_string(request.styles.size()) +
                             " given (with more than two, each weighs the same)");
        request.mix = args.number("--mix");
    }
    request.content = args.value("--content");
    if (args.has("--mode"))
        request.mode = enumOption<ReferenceMode>(args, "--mode");
    request.imageWeight = args.number("--image-weight");
    if (args.has("--seed")) {
        const long long seed = args.integer("--seed");
        if (seed < -1)
            throw UsageError("option '--seed' must be >= 0 (or -1 for random)");
        if (seed >= 0)
            request.seed = static_cast<std::uint64_t>(seed);
    }
    request.steps = static_cast<int>(args.integer("--steps"));
    request.cfg = args.number("--cfg");
    request.sampler = enumOption<SamplerKind>(args, "--sampler");
    request.timestepSpacing = enumOption<TimestepSpacing>(args, "--timestep-spacing");
    request.decoder = enumOption<DecoderKind>(args, "--decoder");
    // Clamped first so a huge value is refused by validate(), not wrapped into range.
    request.cacheInterval =
        static_cast<int>(std::clamp<long long>(args.integer("--cache-interval"), -1, 1000));
    for (const std::string& value : args.values("--lora"))
        request.loras.push_back(loraOption(value));
    if (args.has("--width"))
        request.width = static_cast<int>(args.integer("--width"));
    if (args.has("--height"))
        request.height = static_cast<int>(args.integer("--height"));
    request.batch = static_cast<int>(args.integer("--batch"));
    request.dtype = enumOption<ComputeDtype>(args, "--dtype");
    request.controls = controlsFromArgs(args);
    request.styleStart = args.number("--style-start");
    request.styleEnd = args.number("--style-end");
    request.styleStrength = args.number("--style-strength");
    request.contentStrength = args.number("--content-strength");
    try {
        request.layerWeights = parseLayerWeights(args.value("--layer-weights"));
    } catch (const RequestError& error) {
        throw UsageError("option '--layer-weights': " + error.problem());
    }
    request.init = args.value("--init");
    request.strength = args.number("--strength");
    request.resizeMode = enumOption<image::ResizeMode>(args, "--resize-mode");
    request.mask = args.value("--mask");
    request.maskBlur = static_cast<int>(args.integer("--mask-blur"));
    request.maskedOnly = args.has("--masked-only");
    request.maskedPadding = static_cast<int>(args.integer("--masked-padding"));
    return request;
}

GenerationRequest validatedRequestFromArgs(const Args& args) {
    GenerationRequest request = requestFromArgs(args);
    try {
        models::resolveModelNames(request);
    } catch (const models::AmbiguousModelName& error) {
        throw UsageError(error.what());
    }
    if (request.model.empty())
        request.model = pipeline::bundledModelDir();
    if (request.model.empty())
        throw UsageError("no model given: pass --model PATH (a DEADiff .ckpt or .safetensors, or "
                         "a model folder); the bundled demo model is not installed");
    if (request.decoder == DecoderKind::Taesd && pipeline::taesdDecoderPath(request.model).empty())
        throw UsageError("option '--decoder': taesd needs taesd_decoder.safetensors "
                         "(madebyollin/taesd) in the models folder's taesd/ or in the model's "
                         "folder");
    // What the user typed is checked before the (slow) load; sizes not typed become the
    // model's own after it (fitToModel).
    try {
        validate(request);
    } catch (const RequestError& error) {
        throw UsageError(error.what());
    }
    // Every input file is checked before the (slow) model load: a typo, a folder or a FIFO
    // fails in a second. (The readers refuse them too; this only makes it early.) The model
    // files below may also be names from the models folder.
    std::vector<std::pair<const char*, std::string>> inputs = {
        {"--content", request.content}, {"--init", request.init}, {"--mask", request.mask}};
    for (const StyleReference& style : request.styles)
        inputs.emplace_back("--style", style.path);
    for (const auto& [flag, path] : inputs) {
        std::error_code error;
        if (path.empty())
            continue;
        if (!std::filesystem::exists(path, error))
            throw UsageError(std::string("option '") + flag + "': no such file: " + path);
        if (const std::string problem = io::regularFileProblem(path, "input"); !problem.empty())
            throw UsageError(std::string("option '") + flag + "': " + problem);
    }
    // The ControlNet inputs are checked before the (slow) model load.
    checkControlFiles(request.controls);
    if (args.has("--save-hint"))
        checkHintFolder(args.value("--save-hint"));
    for (const LoraChoice& lora : request.loras) {
        std::error_code error;
        if (!std::filesystem::is_regular_file(lora.path, error))
            throw UsageError("option '--lora': no such file: " + lora.path);
    }
    // A1111's <lora:NAME:W> in the prompt: LoRAs from the models folder, merged at load time.
    try {
        pipeline::addPromptLoras(request, models::modelsRoot());
    } catch (const RequestError& error) {
        throw UsageError(error.what());
    }
    for (const auto& [flag, path] :
         {std::pair<const char*, const std::string&>{"--model", request.model},
          {"--base", request.base},
          {"--vae", request.vae}}) {
        std::error_code error;
        if (!path.empty() && !std::filesystem::exists(path, error))
            throw UsageError(std::string("option '") + flag +
                             "': no such file, folder or model name: " + path + modelsHint());
    }
    return request;
}

std::vector<std::string> outputPaths(const std::string& output, std::uint64_t seed, int count) {
    const std::string base = output.empty() ? "deadiff-" + std::to_string(seed) + ".png" : output;
    if (count == 1)
        return {base};
    const std::filesystem::path path(base);
    std::vector<std::string> paths;
    for (int i = 0; i < count; ++i)
        paths.push_back((path.parent_path() / (path.stem().string() + "-" + std::to_string(i) +
                                               path.extension().string()))
                            .string());
    return paths;
}

void fitToModel(GenerationRequest& request, const Args& args, const ModelFacts& facts) {
    applyNativeSize(request, facts, args.has("--width"), args.has("--height"));
}

void printLoadNotes(const ModelFacts& facts, std::ostream& err) {
    for (const std::string& note : facts.notes)
        err << "note: " << note << "\n";
    for (const std::string& note : facts.loraNotes)
        err << "LoRA " << note << "\n";
}

LoadProgress loadProgressBar(ProgressBar& bar) {
    return [&bar](const std::string& what, double fraction) {
        bar.update(static_cast<int>(fraction * 100), 100, -1, "loading " + what);
    };
}

void saveResult(const GenerationResult& result, const std::vector<std::string>& paths) {
    const io::PngText text = resultMetadata(result.request);
    for (std::size_t i = 0; i < result.images.size() && i < paths.size(); ++i)
        io::writePng(paths[i], result.images[i], text);
}

int runGenerate(const std::vector<std::string>& argv, Streams io) {
    Args args("generate --prompt TEXT [options] [-o OUT.png]",
              "Paint the prompt in the style of the reference image(s) and write a PNG with the\n"
              "settings in its metadata (A1111 'parameters' and a JSON request chunk).");
    addRequestOptions(args);
    args.option("-o", "PATH", "output PNG [default: ./deadiff-<seed>.png]");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    GenerationRequest request = validatedRequestFromArgs(args);
    // Before the (slow) model load: a typo in -o must not cost a whole generation.
    try {
        for (const std::string& path :
             outputPaths(args.value("-o"), request.seed.value_or(0), request.batch))
            io::checkOutputFile(path);
    } catch (const io::OutputPathError& error) {
        throw UsageError(std::string("option '-o': ") + error.what());
    }
    // A request that cannot fit in memory is refused now, with a size that would, instead of
    // being killed by the kernel after the load.
    pipeline::checkRequestsFitBeforeLoad(request.model, request.dtype, {request},
                                         args.has("--width"), args.has("--height"),
                                         currentMemoryLimits());

    interrupted = 0;
    const auto previous = std::signal(SIGINT, onInterrupt);
    ProgressBar bar(io.err);
    CliObserver observer(bar, io.err);
    auto pipeline = Pipeline::load(loadOptionsFor(request, {}), loadProgressBar(bar));
    bar.finish();
    printLoadNotes(pipeline->facts(), io.err);
    fitToModel(request, args, pipeline->facts());
    GenerationResult result;
    try {
        result = pipeline->generate(request, &observer);
    } catch (const CancelledError&) {
        bar.finish();
        std::signal(SIGINT, previous);
        io.err << "cancelled; nothing written\n";
        return kExitCancelled;
    }
    bar.finish();
    std::signal(SIGINT, previous);
    const auto paths =
        outputPaths(args.value("-o"), *result.request.seed, static_cast<int>(result.images.size()));
    saveResult(result, paths);
    for (const std::string& path : paths)
        io.out << path << "\n";
    if (args.has("--save-hint"))
        for (const std::string& path :
             saveHints(args.value("--save-hint"), paths.front(), result.hints))
            io.out << path << "\n";
    return kExitOk;
}

} // namespace deadiff::cli
