// Euler ancestral (k-diffusion sample_euler_ancestral, A1111's "Euler a"): an Euler step of the
// ODE down to σ_down, then fresh noise of size σ_up, with σ_down² + σ_up² = σ_next². Stochastic;
// the noise comes from a generator the caller seeds (the request's seed), so a seed reproduces
// the image.
#pragma once

#include "core/sample/sigmas.h"

#include <torch/torch.h>

#include <vector>

namespace deadiff::sample {

// σ_up = min(σ_next, η·√(σ_next²(σ² − σ_next²)/σ²)), σ_down = √(σ_next² − σ_up²)
// (k-diffusion get_ancestral_step).
struct AncestralStep {
    double down = 0, up = 0;
};
AncestralStep ancestralStep(double sigma, double sigmaNext, double eta = 1.0);

// Runs from x = noise·σ0 through `sigmas` (uniformSigmas, or Karras). After every step but the
// last, adds σ_up·randn drawn from `generator` with x's shape.
torch::Tensor sampleEulerAncestral(const torch::Tensor& noise, const std::vector<double>& sigmas,
                                   const SigmaDenoiseFn& denoise, torch::Generator generator,
                                   const StepCallback& callback = nullptr, double eta = 1.0);

} // namespace deadiff::sample
