// Noise levels for the k-diffusion samplers (Karras et al. 2022, "Elucidating the design space
// of diffusion-based generative models"; crowsonkb/k-diffusion): an ε-prediction DDPM is seen as
// a denoiser D(x, σ) of x = x0 + σ·n with σ_t = √((1 − ᾱ_t)/ᾱ_t).
#pragma once

#include "core/sample/sampler.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace deadiff::sample {

// σ_t = √((1 − ᾱ_t)/ᾱ_t) for t = 0 .. T−1, ascending (k-diffusion DiscreteSchedule.sigmas),
// computed in float64 from the float32 schedule.
std::vector<double> discreteSigmas(const torch::Tensor& alphasCumprod);

// Karras et al. eq. 5: (σmax^(1/ρ) + i/(n−1)·(σmin^(1/ρ) − σmax^(1/ρ)))^ρ for i = 0 .. n−1,
// then a final 0 (k-diffusion get_sigmas_karras). n + 1 values, descending.
std::vector<double> karrasSigmas(std::int64_t steps, double sigmaMin, double sigmaMax,
                                 double rho = 7.0);

// k-diffusion DiscreteSchedule.get_sigmas: timesteps linspace(T−1, 0, n), σ by linear
// interpolation of log σ between the discrete levels, then a final 0. n + 1 values.
std::vector<double> uniformSigmas(std::int64_t steps, const std::vector<double>& discrete);

// The DDPM timestep of σ: log σ interpolated between the discrete levels (k-diffusion
// sigma_to_t), rounded to the nearest integer as diffusers does for Karras sigmas (our UNet
// callers take integer timesteps). σ outside the schedule clamps to 0 or T−1.
std::int64_t sigmaToTimestep(double sigma, const std::vector<double>& discrete);

// Predicts the clean latent of x at noise level σ > 0 (k-diffusion's "denoised") for sampler
// step `step`.
using SigmaDenoiseFn =
    std::function<torch::Tensor(const torch::Tensor& x, double sigma, std::int64_t step)>;

// An ε network as a denoiser (k-diffusion DiscreteEpsDDPMDenoiser):
// D(x, σ) = x − σ·ε(x/√(σ² + 1), t(σ)), t rounded (sigmaToTimestep).
SigmaDenoiseFn epsDenoiser(Denoiser eps, std::vector<double> discrete);

// Throws when `sigmas` is not at least two values, descending, ending at 0, positive before.
void checkSigmas(const std::vector<double>& sigmas);

} // namespace deadiff::sample
