// The generation pipeline's public face: load a model (LoadOptions: what is fixed while it is
// loaded), say what it is (ModelFacts), and generate images for a GenerationRequest (what may
// change from run to run) while an observer receives progress, previews and statistics, and
// may cancel. Torch-free header (the GUI includes it); the implementation owns the networks.
#pragma once

#include "core/pipeline/request.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deadiff {

// Thrown by generate() when the observer asked to stop; nothing is returned or written.
class CancelledError : public std::runtime_error {
public:
    CancelledError()
        : std::runtime_error("generation cancelled") {}
};

struct StepInfo {
    int step = 0;              // 0-based index of the sampler step just finished
    int totalSteps = 0;        // steps the sampler actually runs (DDIM may run more than asked)
    int timestep = 0;          // the model timestep of this step (e.g. 981 ... 1 for DDIM-50)
    double elapsedSeconds = 0; // since the sampler started
    double stepSeconds = 0;    // this step alone
    double noiseLevel = 0;     // sigma = sqrt((1 - abar) / abar) at this step
    // Relative change of the predicted clean latent since the last step; -1 on the first.
    double change = -1;
    // One cheap preview per image of the batch: the predicted clean image (x0) through a linear
    // latent -> RGB map, at latent resolution x 8 (RGB, CV_8UC3). Empty when the observer
    // does not want previews.
    std::vector<cv::Mat> previews;
    bool previewIsFullDecode = false; // true when the previews went through the VAE
};

class GenerationObserver {
public:
    virtual ~GenerationObserver() = default;
    // The request as it will run (seed drawn, mode derived, model and dtype as loaded), before
    // any work.
    virtual void onStarted(const GenerationRequest& /*resolved*/) {}
    // Coarse stages outside the sampler loop: "Encoding prompt", "Encoding references",
    // "Decoding image"...
    virtual void onStage(const std::string& /*stage*/) {}
    virtual void onStep(const StepInfo& /*info*/) {}
    // Checked before every step and between stages; true stops with CancelledError.
    virtual bool cancelled() const { return false; }
    // Whether onStep should carry previews (computing them costs a little).
    virtual bool wantsPreviews() const { return true; }
    // Decode the previews with the full VAE every N steps (0: never; cheap map only).
    virtual int fullDecodeEvery() const { return 0; }
};

struct GenerationResult {
    GenerationRequest request;   // as run: seed, mode, model path and compute dtype filled in
    std::vector<cv::Mat> images; // RGB, CV_8UC3, one per batch image
    // The ControlNet hints as used (at the image size), one per entry of request.controls: RGB,
    // CV_8UC3 (--save-hint, the studio's "save hints").
    std::vector<cv::Mat> hints;
    double seconds = 0;
};

// What is fixed while a model is loaded; changing any of it means loading again.
struct LoadOptions {
    LoadOptions() = default;
    LoadOptions(std::string modelPath, ComputeDtype computeDtype = ComputeDtype::Auto)
        : model(std::move(modelPath))
        , dtype(computeDtype) {}

    // DEADiff checkpoint (.ckpt/.safetensors, LDM key layout), model folder, or a plain SD 1.5
    // single file (text-to-image only).
    std::string model;
    // Auto: the model folder's auto_dtype, else bfloat16 where the CPU has AVX512-BF16 or AMX.
    ComputeDtype dtype = ComputeDtype::Auto;
    // A Stable Diffusion 1.5 model under the DEADiff parts (file or model folder): it supplies
    // the UNet except attn2.i_to_k/i_to_v, the VAE and the CLIP text encoder. Empty: the
    // model's own.
    std::string base;
    bool baseEma = false; // the EMA copy (model_ema.*) of the SD parts' UNet, not the main one
    std::string vae;      // a standalone SD VAE (or a checkpoint whose VAE to take); empty: own
    // Folder with the tokenizer vocabularies; empty: the installed/bundled default.
    std::string vocabDir;
    int threads = 0; // LibTorch's intra-op threads; 0: as configured at start-up
    // Merged into the UNet and text encoder weights (in the compute dtype) after loading.
    std::vector<LoraChoice> loras;

    bool operator==(const LoadOptions& other) const;
    bool operator!=(const LoadOptions& other) const { return !(*this == other); }
};

// The load options a request asks for (its model, base, VAE, dtype and LoRAs); `fallbackModel` when
// it names no model.
LoadOptions loadOptionsFor(const GenerationRequest& request, const std::string& fallbackModel);

// What the loaded model is and can do, so front ends never read its files themselves.
struct ModelFacts {
    std::string modelPath;
    std::string base; // as loaded (LoadOptions::base, baseEma, vae)
    bool baseEma = false;
    std::string vae;
    // The model has DEADiff's reference parts; false for a plain SD 1.5 model, which paints from
    // text alone (requests with reference images are refused; front ends grey those out).
    bool referenceImages = true;
    // What loading noticed but did not refuse, one sentence each (unknown keys ignored...).
    std::vector<std::string> notes;
    ComputeDtype computeDtype = ComputeDtype::Float32; // resolved: never Auto
    ComputeDtype autoDtype = ComputeDtype::Auto;       // what Auto means for this model
    int nativeImageSize = 512;          // px: the size it was trained at (a model folder says)
    int latentFactor = 8;               // pixels per latent cell
    std::string vocabulary;             // the tokenizer files it reads prompts with (token counts)
    int promptChunks = 0;               // 75-token chunks of a prompt it reads (0: all)
    std::vector<LoraChoice> loras;      // merged, as LoadOptions::loras asked
    std::vector<std::string> loraNotes; // one line per LoRA: modules changed, keys unmatched
};

// Summary of one conditioning tensor, as `deadiff encode` prints it.
struct ContextStats {
    std::string name; // "text", "negative_text", "style", "content"
    std::vector<std::int64_t> shape;
    double mean = 0;
    double std = 0;
};

// Receives model-loading progress: what is being loaded and a fraction in [0, 1].
using LoadProgress = std::function<void(const std::string& what, double fraction)>;

class Pipeline {
public:
    // Loads a DEADiff model: the official checkpoint (.ckpt/.safetensors with the LDM key
    // layout) or a model folder/config (bundled demo model). Throws std::runtime_error with a
    // message naming the file and what is wrong.
    static std::unique_ptr<Pipeline> load(const LoadOptions& options,
                                          const LoadProgress& progress = {});

    virtual ~Pipeline() = default;

    virtual const ModelFacts& facts() const = 0;
    const std::string& modelPath() const { return facts().modelPath; }

    // Runs the request (its `model` and `dtype` are not read: they were fixed at load time,
    // and the result records them as loaded). Throws RequestError (bad request, naming the
    // field), CancelledError, or std::runtime_error (unreadable reference image, out of
    // memory...).
    virtual GenerationResult generate(const GenerationRequest& request,
                                      GenerationObserver* observer = nullptr) = 0;

    // The contexts generate() would give the UNet for `request` (prompt, negative prompt, and
    // the style and content image contexts of its mode; zeros where the mode uses zeros),
    // without sampling. Writes them to `savePath` (safetensors) when it is not empty.
    virtual std::vector<ContextStats> encode(const GenerationRequest& request,
                                             const std::string& savePath = {});

    // How often the expensive encoders really ran (cache misses) since loading: a batch over
    // the same prompts and references must not run them again. Zeros for pipelines that do
    // not count.
    struct EncoderRuns {
        std::int64_t text = 0;        // CLIP text encoder forwards
        std::int64_t visionTower = 0; // (reference image, Q-Former branch) embeddings computed
    };
    virtual EncoderRuns encoderRuns() const { return {}; }

    // Serves `wanted` by loading only what differs from what is loaded, when only the base
    // model or the VAE changed (reloadScope() == Parts): the DEADiff parts and the reference
    // encoder stay, and so do its caches. False when this pipeline cannot (then load anew).
    // Throws like load(): for a refused file or mis-shaped weights before anything changed
    // (the pipeline still serves the old options); when loading fails after the old networks
    // were freed, facts().modelPath is cleared (reloadScope() then says All).
    virtual bool reloadParts(const LoadOptions& wanted, const LoadProgress& progress = {});
};

// What generate() runs: seed drawn when absent, mode derived, model, base, VAE and compute
// dtype as loaded, and the sha256 of those files (each hashed once: io::FileHashCache).
GenerationRequest resolveRequest(const GenerationRequest& request, const ModelFacts& facts);

// The one rule for image sizes the user did not give: with neither, the model's native size
// (64 px for the demo model, 512 for SD 1.5); with one, a square of it.
void applyNativeSize(GenerationRequest& request, const ModelFacts& facts, bool widthGiven,
                     bool heightGiven);

// What must be loaded to serve `wanted`: nothing; only the base model's parts or the VAE
// (Pipeline::reloadParts); or everything (no pipeline, another model file, another compute
// dtype once Auto is resolved for that model, other LoRAs: they are merged into the weights).
enum class ReloadScope { None, Parts, All };
ReloadScope reloadScope(const Pipeline* pipeline, const LoadOptions& wanted);
bool needsReload(const Pipeline* pipeline, const LoadOptions& wanted);

// Makes a pipeline: Pipeline::load for the application, doubles in tests. The CLI and the
// studio's worker take one.
using PipelineLoader = std::function<std::unique_ptr<Pipeline>(const LoadOptions& options,
                                                               const LoadProgress& progress)>;
PipelineLoader defaultPipelineLoader();

// Makes `pipeline` serve `wanted` with as little loading as possible (reloadScope): nothing,
// reloadParts, or a fresh load through `loader` (the old pipeline is freed first: two real
// models do not fit in memory together). Returns whether anything was loaded. Throws what
// loading throws; `pipeline` is then empty, unless a base/VAE switch was refused before it
// changed anything (then it still serves the old options).
bool ensureLoaded(std::unique_ptr<Pipeline>& pipeline, const LoadOptions& wanted,
                  const PipelineLoader& loader, const LoadProgress& progress = {});

} // namespace deadiff
