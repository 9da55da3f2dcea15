// GenerationRequest: the one description of a job. Its JSON form (keys as in
// docs/conventions) is the PNG metadata chunk, the CLI's job format, the batch template and the
// GUI's saved state. Enumerated settings are enums here, parsed once at the edges (JSON, CLI,
// GUI). Torch-free: the GUI includes it.
#pragma once

#include "core/pipeline/reference_mode.h"
#include "core/runtime/compute_dtype.h"
#include "core/sample/sampler_kind.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff {

using sample::SamplerKind;

// The negative prompt hard-coded in the official scripts (inference.py, app.py).
extern const char* const kOfficialNegativePrompt;

struct StyleReference {
    std::string path;
    // Relative weight; normalised with the others. With `mix` and two styles, ignored.
    std::optional<double> weight;
};

struct GenerationRequest {
    // What to load, recorded with the result: the pipeline does not read these two; front ends
    // turn them into LoadOptions (loadOptionsFor) and reload when they change, and generate()
    // records what was actually used.
    std::string model; // empty: the configured default model
    ComputeDtype dtype = ComputeDtype::Auto;
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
    int width = 512;
    int height = 512;
    int batch = 1;

    // ControlNet depth (all optional).
    std::string depth;      // a depth map image
    std::string depthFrom;  // a photo to estimate depth from
    std::string depthModel; // the ONNX depth estimator
    std::string control;    // the ControlNet checkpoint
    double controlScale = 1.0;
    double controlStart = 0.0;
    double controlEnd = 1.0;

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

// Whether the ControlNet residuals are applied at sampler step `step` (0-based, run order) of
// `total`: when step / total lies in [control_start, control_end] (A1111's convention), so
// start 0 and end 1 apply them at every step.
bool controlAppliesAt(const GenerationRequest& request, int step, int total);

// JSON with the conventions' keys. `seed` is written only when set.
std::string toJson(const GenerationRequest& request, bool pretty = false);

// Strict: unknown keys and wrong types are RequestErrors naming the key (batch files, CLI).
// Lenient: unknown keys are ignored (metadata written by newer versions).
enum class JsonStrictness { Strict, Lenient };
GenerationRequest requestFromJson(const std::string& text,
                                  JsonStrictness strictness = JsonStrictness::Strict);

// AUTOMATIC1111-style "parameters" text: prompt, "Negative prompt: ...", then
// "Steps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: ..., DEADiff ...".
std::string toA1111Parameters(const GenerationRequest& request);

} // namespace deadiff
