// QuickGELU, x·σ(1.702x): the activation OpenAI's CLIP was trained with (text and vision towers)
// and that DEADiff's ProjLayer reuses. Not interchangeable with erf GELU.
#pragma once

#include <torch/torch.h>

namespace deadiff::nn {

inline torch::Tensor quickGelu(const torch::Tensor& x) {
    return x * torch::sigmoid(1.702 * x);
}

} // namespace deadiff::nn
