// The DDPM noise schedule of Stable Diffusion 1.5 ("scaled linear"), spec §6.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace deadiff::sample {

constexpr std::int64_t kTrainTimesteps = 1000;

// ᾱ_t = cumprod(1 − β) with β = linspace(√0.00085, √0.012, 1000)², computed in float64 and
// returned as float32 [1000] (LDM util.py make_beta_schedule, ddpm.py register_schedule).
torch::Tensor scaledLinearAlphasCumprod(std::int64_t timesteps = kTrainTimesteps,
                                        double linearStart = 0.00085, double linearEnd = 0.012);

// The schedule with √ᾱ moved linearly so that √ᾱ_0 is kept and √ᾱ_{T−1} becomes
// `terminalSqrtAlphaBar` (Lin et al. 2024, "Common diffusion noise schedules and sample steps
// are flawed", Algorithm 1, with a small positive end so that ε-prediction stays defined).
// SD's schedule ends at √ᾱ = 0.068: on small latents the noisiest step still shows the image's
// mean colour, which a model then learns to read from the noise instead of from its conditions.
torch::Tensor rescaleTerminalSignal(const torch::Tensor& alphasCumprod,
                                    double terminalSqrtAlphaBar);

// A checkpoint's `alphas_cumprod` buffer when it has one (it is exactly what the official
// sampler used), else the computed schedule. Validates shape [1000] and range (0, 1].
torch::Tensor alphasCumprodOrDefault(const torch::Tensor& fromCheckpoint);

} // namespace deadiff::sample
