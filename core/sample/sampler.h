// The one sampler contract (docs/development.md "The generation seam"): every sampler walks from
// pure noise to a clean latent by calling one Denoiser per step and reporting one StepInfo per
// step. The pipeline composes guidance, ControlNet and the DEADiff contexts into the Denoiser and
// never branches on the sampler; a new sampler is a SamplerKind, a name and a case in run().
#pragma once

#include "core/sample/sampler_kind.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>

namespace deadiff::sample {

// The model's noise prediction ε for latent `x` at DDPM timestep `t`, asked by the sampler step
// `step` (0-based, run order; per-step windows such as the ControlNet's key on it).
using Denoiser =
    std::function<torch::Tensor(const torch::Tensor& x, std::int64_t t, std::int64_t step)>;

struct StepInfo {
    std::int64_t step = 0;     // 0-based, run order
    std::int64_t total = 0;    // steps the sampler runs
    std::int64_t timestep = 0; // the DDPM timestep the model saw at this step
    double sigma = 0;          // noise level the step started from, √((1 − ᾱ)/ᾱ)
    double sigmaNext = 0;      // noise level it ended at (0 after the last step)
    torch::Tensor x;           // latent after the step
    torch::Tensor predictedX0; // the step's prediction of the clean latent
};

// Called after each step; return false to stop early (cancellation).
using StepCallback = std::function<bool(const StepInfo& info)>;

// Image-to-image and inpainting for every sampler. SDEdit (Meng et al. 2022) as A1111's img2img
// and diffusers run it: the init latent is noised with the request's noise to the level of the
// first step that runs, and only the last ⌊steps·strength⌋ planned steps run (A1111's "Denoising
// strength"). Inpainting with any model (A1111's and ComfyUI's way for models without an
// inpainting UNet): before every model call the region to keep is set to the init latent noised
// to the current level, the model's prediction of the clean latent there is replaced by the init
// latent, and the result keeps the init latent there.
struct InitLatent {
    torch::Tensor latent; // [1 or B, C, h, w] the clean start (e.g. the VAE posterior mean, scaled)
    double strength = 1.0;      // in [0, 1]; 0 runs no step and returns `latent`
    torch::Tensor repaint = {}; // optional [1 or B, 1, h, w] in [0, 1]: 1 paints anew, 0 keeps
                                // `latent`
};

struct SamplerSettings {
    SamplerKind kind = SamplerKind::Ddim;
    std::int64_t steps = 50; // as asked; DDIM may run a few more (plannedSteps)
    std::uint64_t seed = 0;  // the per-step noise of stochastic samplers
    TimestepSpacing spacing = TimestepSpacing::Leading; // trailing: DDIM and Euler a only
    double tcdGamma = 0.3; // TCD's stochasticity γ in [0, 1] (diffusers' `eta`; 0.3 for SD 1.5)
    std::optional<InitLatent> init = std::nullopt; // absent: text-to-image from pure noise
};

// How many steps run() takes for `settings` on this schedule (with an init latent, the last
// ⌊planned·strength⌋ of the planned ones).
std::int64_t plannedSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod);

// Samples from `noise` (unit Gaussian, the request's seeded draw) with the schedule
// `alphasCumprod` [T]. Returns the final latent, or the last completed one when `callback`
// stopped early. Steps are numbered 0 .. plannedSteps − 1 in the Denoiser and the StepInfo, also
// when an init latent skips the first planned ones. A new sampler gets the start latent at its
// first level and its steps from here (see run() in sampler.cpp). Throws std::runtime_error for
// settings the sampler cannot run (trailing spacing for LCM/TCD/DPM++, more LCM/TCD steps than
// kConsistencyOriginalSteps, an init latent for LCM/TCD or the trailing grid).
torch::Tensor run(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                  const torch::Tensor& noise, const Denoiser& denoise,
                  const StepCallback& callback = nullptr);

} // namespace deadiff::sample
