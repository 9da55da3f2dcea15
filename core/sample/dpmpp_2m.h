// DPM-Solver++(2M) (Lu et al. 2022), as k-diffusion's sample_dpmpp_2m: a second-order
// multistep solver of the probability-flow ODE in λ = −log σ; deterministic. With Karras sigmas
// it is A1111's "DPM++ 2M Karras": 20 steps come close to DDIM-50 (docs/performance.md).
#pragma once

#include "core/sample/sigmas.h"

#include <torch/torch.h>

#include <vector>

namespace deadiff::sample {

// Runs from x = noise·σ0 through `sigmas` (descending, ending at 0; karrasSigmas). Each step
// calls `denoise` once. Returns the final latent (the last completed one if the callback
// stopped early).
torch::Tensor sampleDpmpp2m(const torch::Tensor& noise, const std::vector<double>& sigmas,
                            const SigmaDenoiseFn& denoise, const StepCallback& callback = nullptr);

} // namespace deadiff::sample
