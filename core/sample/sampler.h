// The one sampler contract (docs/development.md "The generation seam"): every sampler walks from
// pure noise to a clean latent by calling one Denoiser per step and reporting one StepInfo per
// step. The pipeline composes guidance, ControlNet and the DEADiff contexts into the Denoiser and
// never branches on the sampler; a new sampler is a SamplerKind, a name and a case in run().
#pragma once

#include "core/sample/sampler_kind.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>

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

struct SamplerSettings {
    SamplerKind kind = SamplerKind::Ddim;
    std::int64_t steps = 50; // as asked; DDIM may run a few more (plannedSteps)
    std::uint64_t seed = 0;  // the per-step noise of stochastic samplers
    TimestepSpacing spacing = TimestepSpacing::Leading; // trailing: DDIM and Euler a only
    double tcdGamma = 0.3; // TCD's stochasticity γ in [0, 1] (diffusers' `eta`; 0.3 for SD 1.5)
};

// How many steps run() takes for `settings` on this schedule.
std::int64_t plannedSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod);

// Samples from `noise` (unit Gaussian, the request's seeded draw) with the schedule
// `alphasCumprod` [T]. Returns the final latent, or the last completed one when `callback`
// stopped early. Throws std::runtime_error for settings the sampler cannot run (trailing spacing
// for LCM/TCD/DPM++, more LCM/TCD steps than kConsistencyOriginalSteps).
torch::Tensor run(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                  const torch::Tensor& noise, const Denoiser& denoise,
                  const StepCallback& callback = nullptr);

} // namespace deadiff::sample
