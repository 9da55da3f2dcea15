// Classifier-free guidance as the LDM DDIMSampler does it (ddim.py p_sample_ddim): one batch of
// 2B rows, unconditional first, ε = ε_u + s·(ε_c − ε_u); at s == 1 only the conditional half runs.
#pragma once

#include "core/sample/sampler.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>

namespace deadiff::sample {

// ε_u + scale·(ε_c − ε_u).
torch::Tensor combineGuidance(const torch::Tensor& epsUnconditional,
                              const torch::Tensor& epsConditional, double scale);

// Evaluates the network on `x` at timestep t for sampler step `step`. With `withUnconditional`,
// x holds 2B rows [x; x] and the model must pair the first B with the unconditional contexts,
// the last B with the conditional ones; otherwise x holds B rows for the conditional contexts
// only.
using GuidedModelFn = std::function<torch::Tensor(const torch::Tensor& x, std::int64_t t,
                                                  std::int64_t step, bool withUnconditional)>;

// A Denoiser applying classifier-free guidance with `scale` around `model`.
Denoiser classifierFreeGuidance(GuidedModelFn model, double scale);

} // namespace deadiff::sample
