#include "core/sample/preview.h"

#include <torch/torch.h>

#include <stdexcept>

namespace deadiff::sample {

torch::Tensor latentRgbFactors() {
    return torch::tensor({0.3512f, 0.2297f, 0.3227f, 0.3250f, 0.4974f, 0.2350f, -0.2829f, 0.1762f,
                          0.2721f, -0.2120f, -0.2616f, -0.7177f})
        .view({4, 3});
}

torch::Tensor latentPreview(const torch::Tensor& latent, std::int64_t upscale) {
    if (latent.dim() != 4 || latent.size(1) != 4)
        throw std::runtime_error("latent preview expects [batch, 4, h, w]");
    if (upscale < 1)
        throw std::runtime_error("latent preview upscale must be >= 1");
    const torch::Tensor rgb =
        torch::einsum("bchw,cr->brhw", {latent.to(torch::kFloat), latentRgbFactors()});
    torch::Tensor image = ((rgb + 1.0) / 2.0).clamp(0.0, 1.0);
    if (upscale > 1)
        image = image.repeat_interleave(upscale, 2).repeat_interleave(upscale, 3);
    return image;
}

torch::Tensor previewToUint8(const torch::Tensor& rgb) {
    if (rgb.dim() != 4 || rgb.size(1) != 3)
        throw std::runtime_error("preview image must be [batch, 3, H, W]");
    return (rgb.clamp(0.0, 1.0) * 255.0).to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous();
}

} // namespace deadiff::sample
