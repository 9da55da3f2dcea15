// Samplers for step-distilled models: LCM (Luo et al. 2023, "Latent Consistency Models"; diffusers
// LCMScheduler, what LCM-LoRA expects) and TCD (Zheng et al. 2024, "Trajectory Consistency
// Distillation"; diffusers TCDScheduler). Both take an ε-prediction network, run 2–8 steps at CFG
// 1–2, and add fresh noise between steps, so a caller draws that noise from a generator seeded with
// the request's seed. Per-step functions; sample::run (sampler.h) loops them.
#pragma once

#include "core/sample/sampler_kind.h"
#include "core/sample/schedule.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace deadiff::sample {

// The consistency distillation's timesteps k·i − 1 for i = 1 .. ⌊originalSteps·strength⌋
// (k = T / originalSteps: 19, 39, ..., 999 for the usual 50), descending, of which `steps` are
// taken at indices ⌊j·n/steps⌋, j = 0 .. steps − 1 (LCM and TCD share this schedule; 4 steps:
// 999, 759, 499, 259). `strength` < 1 (image-to-image) keeps the less noisy part. Throws when
// `steps` exceeds the distillation's timesteps.
std::vector<std::int64_t>
consistencyTimesteps(std::int64_t steps, std::int64_t originalSteps = kConsistencyOriginalSteps,
                     double strength = 1.0, std::int64_t trainTimesteps = kTrainTimesteps);

// LCM's boundary condition at DDPM timestep t: with s = timestepScaling·t and σ_data = 0.5,
// c_skip = σ_data²/(s² + σ_data²) and c_out = s/√(s² + σ_data²), so the model is exact at t = 0.
struct BoundaryScalings {
    double skip = 0;
    double out = 0;
};
BoundaryScalings lcmBoundaryScalings(std::int64_t timestep, double timestepScaling = 10.0);

struct ConsistencyStep {
    torch::Tensor x;           // the latent for the next step (the result after the last)
    torch::Tensor predictedX0; // the step's clean-latent prediction (previews)
};

// One LCM step at t (`alphasCumprod` [T] float32): x0 = (x − √(1 − ᾱ_t)·ε)/√ᾱ_t,
// denoised = c_out·x0 + c_skip·x; then x' = √ᾱ_next·denoised + √(1 − ᾱ_next)·noise, or
// x' = denoised when `next` is empty (the last step, which reads no noise). predictedX0 is
// `denoised`.
ConsistencyStep lcmStep(const torch::Tensor& alphasCumprod, std::int64_t t,
                        std::optional<std::int64_t> next, const torch::Tensor& x,
                        const torch::Tensor& eps, const torch::Tensor& noise);

// One TCD step at t with stochasticity γ in [0, 1] (SamplerSettings::tcdGamma): s = ⌊(1 − γ)·next⌋,
// x_s = √ᾱ_s·x0 + √(1 − ᾱ_s)·ε, then x' = √(ᾱ_next/ᾱ_s)·x_s + √(1 − ᾱ_next/ᾱ_s)·noise when γ > 0
// and this is not the last step, else x' = x_s. `next` empty marks the last step, which goes to
// timestep 0 as diffusers does (so x' keeps √(1 − ᾱ_0)·ε). predictedX0 is x0. `noise` is read only
// when γ > 0 and `next` is set.
ConsistencyStep tcdStep(const torch::Tensor& alphasCumprod, std::int64_t t,
                        std::optional<std::int64_t> next, double gamma, const torch::Tensor& x,
                        const torch::Tensor& eps, const torch::Tensor& noise);

// Whether a step of these samplers reads fresh noise: every step but the last (TCD: only when
// γ > 0). A loop draws exactly then, so the noise sequence is the same as diffusers' for a seed.
bool lcmStepTakesNoise(bool lastStep);
bool tcdStepTakesNoise(bool lastStep, double gamma);

} // namespace deadiff::sample
