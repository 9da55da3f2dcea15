// GenerationRequest: the one description of a job. Its JSON form (keys as in
// docs/conventions) is the PNG metadata chunk, the CLI's job format, the batch template and the
// GUI's saved state. Enumerated settings are enums here, parsed once at the edges (JSON, CLI,
// GUI). Torch-free: the GUI includes it.
#pragma once

#include "core/common/enum_names.h"
#include "core/control/control_unit.h"
#include "core/image/resize_mode.h"
#include "core/pipeline/reference_mode.h"
#include "core/runtime/compute_dtype.h"
#include "core/sample/sampler_kind.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff {

using sample::SamplerKind;
using sample::TimestepSpacing;

// What turns the final latent into the image (conventions `decoder`): the model's KL VAE, or
// TAESD (madebyollin/taesd), a tiny decoder that is much faster and slightly softer, for drafts.
enum class DecoderKind { Vae, Taesd };

constexpr auto enumNames(DecoderKind) {
    return std::array{EnumName<DecoderKind>{DecoderKind::Vae, "vae"},
                      EnumName<DecoderKind>{DecoderKind::Taesd, "taesd"}};
}

// The negative prompt hard-coded in the official scripts (inference.py, app.py).
extern const char* const kOfficialNegativePrompt;

struct StyleReference {
    std::string path;
    // Relative weight; normalised with the others. With `mix` and two styles, ignored.
    std::optional<double> weight;
};

// A LoRA file merged into the model at load time, at `weight` (the multiplier of its ΔW; may be
// negative, as A1111 allows).
struct LoraChoice {
    std::string path;
    double weight = 1.0;
    // Recorded with a result, never read as input (like GenerationRequest::modelHash):
    // pipeline::loraFileHash of the file as merged.
    std::string hash;
    bool operator==(const LoraChoice& other) const {
        return path == other.path && weight == other.weight && hash == other.hash;
    }
    bool operator!=(const LoraChoice& other) const { return !(*this == other); }
};

struct GenerationRequest {
    // What to load, recorded with the result: the pipeline does not read these two; front ends
    // turn them into LoadOptions (loadOptionsFor) and reload when they change, and generate()
    // records what was actually used.
    std::string model; // empty: the configured default model
    ComputeDtype dtype = ComputeDtype::Auto;
    // Load-time too (LoadOptions::loras): merged into the weights in this order.
    std::vector<LoraChoice> loras;
    // Load-time too: an SD 1.5 base model under the DEADiff parts, its EMA weights, a separate
    // VAE (LoadOptions::base, baseEma, vae); empty: the model's own.
    std::string base;
    bool baseEma = false;
    std::string vae;
    // Recorded with a result, never read as input: the sha256 (hex) of the model, base and VAE
    // as loaded (io::FileHashCache; a model folder's is over its files, modelFolderHash), so a
    // PNG names exactly what made it.
    std::string modelHash;
    std::string baseHash;
    std::string vaeHash;

    std::string prompt;
    std::string negativePrompt = kOfficialNegativePrompt;
    std::vector<StyleReference> styles;
    std::optional<double> mix;         // with two styles: weights (1 - mix, mix)
    std::string content;               // optional content reference
    std::optional<ReferenceMode> mode; // absent: derived (effectiveMode)
    double imageWeight = 1.0;
    std::optional<std::uint64_t> seed; // absent: random, resolved (and printed) before sampling
    int steps = 50;
    double cfg = 7.5;
    SamplerKind sampler = SamplerKind::Ddim;
    TimestepSpacing timestepSpacing = TimestepSpacing::Leading; // trailing: ddim, euler-a
    DecoderKind decoder = DecoderKind::Vae;
    // DeepCache-style step reuse (conventions `cache_interval`): the UNet's deep features are
    // computed every N-th step and reused in between (only its shallowest branch runs). 1: off.
    int cacheInterval = 1;
    int width = 512;
    int height = 512;
    int batch = 1;

    // ControlNets (conventions `controls`), their residuals summed. The old single-ControlNet
    // keys (depth, depth_from, depth_model, control, control_scale, control_start, control_end)
    // are read as one entry of this list.
    std::vector<control::ControlUnit> controls;

    // When and how strongly the references act (defaults change nothing).
    double styleStart = 0.0;      // fractions of the steps (like control_start/end): outside
    double styleEnd = 1.0;        // [start, end] the UNet sees zero image tokens (mode none)
    double styleStrength = 1.0;   // image weight factor of the style (fine) layers
    double contentStrength = 1.0; // ... of the content (coarse) layers, 4-8 in SD 1.5
    // Expert: a factor per cross-attention layer (0-15 in forward order), on top of the above;
    // written "0:1,4:0.5" (parseLayerWeights).
    std::map<int, double> layerWeights;

    // Image-to-image and inpainting (optional).
    std::string init;       // start from this image instead of pure noise
    double strength = 0.75; // share of the steps that run: 0 gives the image back, 1 all
    image::ResizeMode resizeMode = image::ResizeMode::Crop; // fitting init and mask to the size
    std::string mask;        // with init: white repaints, black keeps
    int maskBlur = 4;        // px of Gaussian blur softening the mask's edge
    bool maskedOnly = false; // repaint only the mask's box, enlarged to the full size
    int maskedPadding = 32;  // px of context around that box

    bool operator==(const GenerationRequest& other) const;
    bool operator!=(const GenerationRequest& other) const { return !(*this == other); }
};

// A request that cannot be run: the field (JSON key, e.g. "styles[1].weight"; empty when the
// problem is not one field's) and the problem ("is required"). what() is "'field' problem".
// The pipeline layer's one error type for what the user asked; front ends show field() under
// their own label for it.
class RequestError : public std::runtime_error {
public:
    RequestError(std::string field, std::string problem);
    explicit RequestError(const std::string& problem)
        : RequestError(std::string(), problem) {}
    const std::string& field() const { return field_; }
    const std::string& problem() const { return problem_; }

private:
    std::string field_;
    std::string problem_;
};

// Limits of what the pipeline supports.
constexpr int kMinImageSide = 64;
constexpr int kMaxImageSide = 2048;
constexpr int kMaxBatch = 16;
constexpr int kMaxSteps = 1000;
constexpr int kMaxCacheInterval = 10;   // steps apart: beyond it the reused features are stale
constexpr double kMaxLoraWeight = 10.0; // |weight|: beyond it a LoRA only destroys the model
constexpr int kMaxControls = 8;

// `mode` as run: the explicit one, else Style with a style reference, else None.
ReferenceMode effectiveMode(const GenerationRequest& request);

// w_i / Σw, the one weight normaliser. Throws RequestError naming `field` for an empty list, a
// negative or non-finite weight, or a zero sum.
std::vector<double> normalizedWeights(const std::vector<double>& weights,
                                      const std::string& field = "styles");

// Style weights as run: two styles with `mix` -> (1 - mix, mix); explicit weights normalised;
// otherwise 1/n each. Always sums to 1 when non-empty. Throws RequestError for a mix outside
// [0, 1] and for negative or all-zero weights.
std::vector<double> normalizedStyleWeights(const GenerationRequest& request);

// Throws RequestError naming the first invalid field.
void validate(const GenerationRequest& request);

// The reference window uses the ControlNet window's rule (control::stepInWindow).
using control::stepInWindow;

// Whether the reference images act at sampler step `step` of `total` (style_start/style_end).
bool referencesActAt(const GenerationRequest& request, int step, int total);

// "0:1,4:0.5" <-> {0: 1, 4: 0.5}: layer index, colon, factor; commas between; spaces ignored.
// Throws RequestError naming `layer_weights` for anything else (a layer listed twice, a
// negative index or factor).
std::map<int, double> parseLayerWeights(const std::string& text);
std::string layerWeightsText(const std::map<int, double>& weights);

// The image weight of each of `layers` cross-attention layers as the request asks
// (image_weight × style or content strength × layer factor), or empty when every layer applies
// image_weight alone (the defaults). Throws RequestError when a layer factor names a layer the
// model does not have.
std::vector<double> layerImageWeights(const GenerationRequest& request, int layers,
                                      const std::vector<std::int64_t>& contentLayers);

// JSON with the conventions' keys. `seed` is written only when set.
std::string toJson(const GenerationRequest& request, bool pretty = false);

// Strict: unknown keys and wrong types are RequestErrors naming the key (batch files, CLI).
// Lenient: unknown keys are ignored (metadata written by newer versions).
enum class JsonStrictness { Strict, Lenient };
GenerationRequest requestFromJson(const std::string& text,
                                  JsonStrictness strictness = JsonStrictness::Strict);

// AUTOMATIC1111-style "parameters" text: prompt, "Negative prompt: ...", then
// "Steps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: ..., DEADiff ...",
// and per ControlNet `ControlNet 0: "Module: canny, Model: control_v11p_sd15_canny, Weight: 1,
// Guidance Start: 0, Guidance End: 1"` (the sd-webui-controlnet extension's form).
std::string toA1111Parameters(const GenerationRequest& request);

} // namespace deadiff
