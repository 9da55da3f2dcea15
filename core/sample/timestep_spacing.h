// "Trailing" timestep spacing (Lin et al. 2024, "Common diffusion noise schedules and sample steps
// are flawed", Table 2; diffusers `timestep_spacing="trailing"`): the first step starts at the
// noisiest timestep T − 1 and the grid counts down from there (TimestepSpacing in
// sampler_kind.h). The DDIM update diffusers runs on that grid and the σ grid for Euler a.
#pragma once

#include "core/sample/sampler_kind.h"
#include "core/sample/schedule.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace deadiff::sample {

// round(arange(T, 0, −T/S)) − 1 with numpy's arange length and round-half-to-even, descending:
// 999, 749, 499, 249 for S = 4. Throws unless 1 <= steps <= T.
std::vector<std::int64_t> trailingTimesteps(std::int64_t steps,
                                            std::int64_t trainTimesteps = kTrainTimesteps);

// diffusers DDIMScheduler's previous timestep t − ⌊T/S⌋ (its rule for every spacing; negative
// after the last step, where SD 1.5's scheduler config uses ᾱ_0: set_alpha_to_one false).
std::int64_t ddimPreviousTimestep(std::int64_t t, std::int64_t steps,
                                  std::int64_t trainTimesteps = kTrainTimesteps);

// One deterministic DDIM update (η = 0) from t to `previous` (< 0: to ᾱ_0, as above):
// x0 = (x − √(1 − ᾱ_t)·ε)/√ᾱ_t, x' = √ᾱ_prev·x0 + √(1 − ᾱ_prev)·ε, in float32 as diffusers.
struct DdimUpdate {
    torch::Tensor x;
    torch::Tensor predictedX0;
};
DdimUpdate ddimUpdate(const torch::Tensor& alphasCumprod, std::int64_t t, std::int64_t previous,
                      const torch::Tensor& x, const torch::Tensor& eps);

// Noise levels for the σ samplers (Euler) on the trailing grid: discrete[t] for each trailing
// timestep t (`discrete` from discreteSigmas), then a final 0. steps + 1 values, descending.
std::vector<double> trailingSigmas(std::int64_t steps, const std::vector<double>& discrete);

} // namespace deadiff::sample
