// The LDM DDIMSampler (ddim.py, util.py make_ddim_*), spec §6: "uniform" timestep spacing
// range(0, 1000, c) + 1 with c = 1000 // S, so ⌈1000/c⌉ steps run (more than S for some S);
// the last step's a_prev is ᾱ[0], not 1. Knows nothing of the network: it calls `denoise`.
#pragma once

#include "core/sample/sampler.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace deadiff::sample {

// The DDPM timesteps DDIM visits for `steps` requested steps, ascending: range(0, T, T/S) + 1,
// the last clamped to T−1 (see ddim.cpp). At most T/2 steps.
std::vector<std::int64_t> ddimTimesteps(std::int64_t steps, std::int64_t trainTimesteps = 1000);

class DdimSampler {
public:
    // `alphasCumprod` [T] float32 (schedule.h). eta = 0 is deterministic (the official code
    // always runs eta 0).
    DdimSampler(torch::Tensor alphasCumprod, std::int64_t steps, double eta = 0.0);

    std::int64_t stepCount() const { return static_cast<std::int64_t>(timesteps_.size()); }
    // DDPM timesteps in run order (high to low), e.g. 981, 961, ..., 1 for S = 50.
    std::vector<std::int64_t> runTimesteps() const;

    // Per-step constants for step `index` in run order, float32 as the reference stores them.
    struct StepConstants {
        float alpha = 0, alphaPrev = 0, sigma = 0, sqrtOneMinusAlpha = 0;
    };
    StepConstants constants(std::int64_t index) const;

    // One update: x0 = (x − √(1−a_t)·ε)/√a_t; x' = √a_prev·x0 + √(1−a_prev−σ²)·ε + σ·noise.
    // With σ > 0, noise is drawn from `generator` (the default generator when absent).
    struct StepResult {
        torch::Tensor x;
        torch::Tensor predictedX0;
    };
    StepResult step(std::int64_t index, const torch::Tensor& x, const torch::Tensor& eps,
                    std::optional<torch::Generator> generator = std::nullopt) const;

    // Runs the steps from `firstStep` on (0: every step from x_T; later: x at that step's
    // level, as image-to-image starts), numbering them from 0 for the denoiser and the callback.
    // Returns the final latent (the last completed one if the callback stopped early).
    torch::Tensor sample(const torch::Tensor& xT, const Denoiser& denoise,
                         const StepCallback& callback = nullptr,
                         std::optional<torch::Generator> generator = std::nullopt,
                         std::int64_t firstStep = 0) const;

private:
    std::vector<std::int64_t> timesteps_; // ascending, as the reference stores them
    std::vector<float> alphas_, alphasPrev_, sigmas_, sqrtOneMinusAlphas_;
};

} // namespace deadiff::sample
