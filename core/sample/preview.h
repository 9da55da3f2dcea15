// Cheap live preview: a fixed linear map of an SD 1.5 latent (use the predicted clean latent
// x0, not the noisy x) to RGB, conventions.md "Live previews".
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace deadiff::sample {

// The published SD 1.5 latent→RGB factors (ComfyUI): [4 latent channels, 3 RGB].
torch::Tensor latentRgbFactors();

// latent [B, 4, h, w] -> RGB [B, 3, h·upscale, w·upscale] float32 in [0, 1]:
// clamp((latentᵀ·factors + 1)/2, 0, 1), enlarged by nearest-neighbour `upscale` (>= 1).
torch::Tensor latentPreview(const torch::Tensor& latent, std::int64_t upscale = 1);

// [B, 3, H, W] in [0, 1] -> uint8 [B, H, W, 3] (255·v truncated, as the image path does).
torch::Tensor previewToUint8(const torch::Tensor& rgb);

} // namespace deadiff::sample
