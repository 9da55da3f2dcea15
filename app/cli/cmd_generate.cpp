#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"

#include "core/pipeline/default_model.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/pipeline.h"

#include <csignal>
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

void addRequestOptions(Args& args) {
    args.option("--model", "PATH",
                "DEADiff checkpoint (.ckpt/.safetensors) or model folder [default: the bundled "
                "demo model]; a plain Stable Diffusion 1.5 file paints from text alone")
        .option("--base", "PATH",
                "a Stable Diffusion 1.5 checkpoint (or model folder) under the DEADiff parts: "
                "its UNet, VAE and text encoder [default: the model's own]")
        .flag("--base-ema", "use the EMA weights (model_ema.*) of the base's UNet")
        .option("--vae", "PATH", "a standalone SD VAE (.safetensors/.ckpt) [default: the model's]")
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
        .option("--sampler", "NAME", "ddim | dpmpp-2m | euler-a", "ddim")
        .option("--width", "N", "multiple of 64 [default: the model's size, 512 for a checkpoint]")
        .option("--height", "N", "multiple of 64 [default: as --width]")
        .option("--batch", "N", "images per request", "1")
        .option("--dtype", "TYPE", "auto | float32 | bfloat16", "auto")
        .option("--depth", "PATH", "depth map image, near = bright (needs --control)")
        .option("--depth-from", "PHOTO", "estimate the depth map from a photo (with --depth-model)")
        .option("--depth-model", "ONNX", "MiDaS-family ONNX depth estimator")
        .option("--control", "PATH", "ControlNet depth checkpoint (.pth/.ckpt/.safetensors)")
        .option("--control-scale", "F", "ControlNet strength (0-5)", "1.0")
        .option("--control-start", "F", "apply the ControlNet from this fraction of the steps",
                "0.0")
        .option("--control-end", "F", "... up to this fraction of the steps", "1.0");
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
    if (args.has("--mix"))
        request.mix = args.number("--mix");
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
    if (args.has("--width"))
        request.width = static_cast<int>(args.integer("--width"));
    if (args.has("--height"))
        request.height = static_cast<int>(args.integer("--height"));
    request.batch = static_cast<int>(args.integer("--batch"));
    request.dtype = enumOption<ComputeDtype>(args, "--dtype");
    request.depth = args.value("--depth");
    request.depthFrom = args.value("--depth-from");
    request.depthModel = args.value("--depth-model");
    request.control = args.value("--control");
    request.controlScale = args.number("--control-scale");
    request.controlStart = args.number("--control-start");
    request.controlEnd = args.number("--control-end");
    return request;
}

GenerationRequest validatedRequestFromArgs(const Args& args) {
    GenerationRequest request = requestFromArgs(args);
    if (request.model.empty())
        request.model = pipeline::bundledModelDir();
    if (request.model.empty())
        throw UsageError("no model given: pass --model PATH (a DEADiff .ckpt or .safetensors, or "
                         "a model folder); the bundled demo model is not installed");
    // What the user typed is checked before the (slow) load; sizes not typed become the
    // model's own after it (fitToModel).
    try {
        validate(request);
    } catch (const RequestError& error) {
        throw UsageError(error.what());
    }
    // The ControlNet inputs, base and VAE are checked before the (slow) model load.
    for (const auto& [flag, path] :
         {std::pair<const char*, const std::string&>{"--base", request.base},
          {"--vae", request.vae},
          {"--depth", request.depth},
          {"--depth-from", request.depthFrom},
          {"--depth-model", request.depthModel},
          {"--control", request.control}}) {
        std::error_code error;
        if (!path.empty() && !std::filesystem::is_regular_file(path, error))
            throw UsageError(std::string("option '") + flag + "': no such file: " + path);
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
    return kExitOk;
}

} // namespace deadiff::cli
