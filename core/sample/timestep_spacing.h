// "Trailing" timestep spacing (Lin et al. 2024, "Common diffusion noise schedules and sample steps
// are flawed", Table 2; diffusers `timestep_spacing="trailing"`): the first step starts at the
// noisiest timestep T − 1 and the grid counts down from there. Few-step LoRAs distilled that way
// (Hyper-SD, SDXL-Lightning style) expect it from DDIM and Euler; "leading" keeps each sampler's
// own grid (LDM DDIM's range(0, T, T/S) + 1, k-diffusion's linspace for Euler).
#pragma once

#include "core/sample/schedule.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace deadiff::sample {

enum class TimestepSpacing { Leading, Trailing };

// "leading" / "trailing" (conventions.md `--timestep-spacing`); nullopt for any other name.
std::optional<TimestepSpacing> parseTimestepSpacing(std::string_view name);
const char* timestepSpacingName(TimestepSpacing spacing);

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
