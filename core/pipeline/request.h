// GenerationRequest: the one description of a job. Its JSON form (keys as in
// docs/conventions) is the PNG metadata chunk, the CLI's job format, the batch template and the
// GUI's saved state. Torch-free: the GUI includes it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff {

// The negative prompt hard-coded in the official scripts (inference.py, app.py).
extern const char* const kOfficialNegativePrompt;

struct StyleReference {
    std::string path;
    // Relative weight; normalised with the others. With `mix` and two styles, ignored.
    std::optional<double> weight;
};

struct GenerationRequest {
    std::string model; // empty: the configured default model
    std::string prompt;
    std::string negativePrompt = kOfficialNegativePrompt;
    std::vector<StyleReference> styles;
    std::optional<double> mix; // with two styles: weights (1 - mix, mix)
    std::string content;       // optional content reference
    std::string mode;          // "style" | "content" | "both" | "none"; empty: derived
    double imageWeight = 1.0;
    std::optional<std::uint64_t> seed; // absent: random, resolved (and printed) before sampling
    int steps = 50;
    double cfg = 7.5;
    std::string sampler = "ddim"; // "ddim" | "dpmpp-2m" | "euler-a"
    int width = 512;
    int height = 512;
    int batch = 1;
    std::string dtype = "auto"; // "auto" | "float32" | "bfloat16"

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

// A request that cannot be run; the message names the field (JSON key) and the problem.
class RequestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Limits of what the pipeline supports.
constexpr int kMinImageSide = 64;
constexpr int kMaxImageSide = 2048;
constexpr int kMaxBatch = 16;
constexpr int kMaxSteps = 1000;

// `mode` as run: the explicit one, else "style" with a style reference, else "none".
std::string effectiveMode(const GenerationRequest& request);

// Style weights as run: two styles with `mix` -> (1 - mix, mix); explicit weights normalised;
// otherwise 1/n each. Always sums to 1 when non-empty. Throws RequestError for negative or
// all-zero weights.
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

// A1111 sampler names: "DDIM", "DPM++ 2M Karras", "Euler a".
std::string a1111SamplerName(const std::string& sampler);

} // namespace deadiff
