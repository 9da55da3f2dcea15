// The decoder of TAESD, the Tiny AutoEncoder for Stable Diffusion (madebyollin/taesd, taesd.py):
// a ~1 M-parameter convolutional stack that turns a UNet latent into RGB in a fraction of the
// KL VAE's time, for live previews and fast final decodes (`--decoder taesd`). Only the decoder:
// the image path never encodes with TAESD. Submodule names are the Sequential indices of the
// upstream `Decoder`, i.e. the keys of `taesd_decoder.safetensors` ("1.weight", "3.conv.0.weight",
// ...), so the file loads with loadStateDict(decoder, tensors, "").
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace deadiff::nn {

struct TaesdConfig {
    std::int64_t latentChannels = 4;
    std::int64_t channels = 64;
    std::int64_t outChannels = 3;
    // Blocks before each ×2 upsampling, the number of upsamplings (8 = 2³ for SD), and the
    // blocks after the last one.
    std::int64_t blocksPerLevel = 3;
    std::int64_t upsamplings = 3;
    std::int64_t finalBlocks = 1;
};

// conv3x3 → ReLU → conv3x3 → ReLU → conv3x3 (`conv.0/2/4`), plus the input (or a bias-free 1x1
// `skip` when the width changes), then ReLU.
struct TaesdBlockImpl : torch::nn::Module {
    TaesdBlockImpl(std::int64_t inChannels, std::int64_t outChannels);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Sequential conv{nullptr};
    torch::nn::Conv2d skip{nullptr}; // null: identity
};
TORCH_MODULE(TaesdBlock);

struct TaesdDecoderImpl : torch::nn::Module {
    explicit TaesdDecoderImpl(TaesdConfig config = {});

    // latent [B, latentChannels, h, w] as the UNet produces it (already multiplied by the KL
    // VAE's scale factor; TAESD's own scaling is 1) -> RGB [B, outChannels, h·2^u, w·2^u], about
    // [0, 1], not clamped (image::PixelRange::ZeroToOne clamps): tanh(latent/3)·3, conv, ReLU,
    // blocks and nearest ×2 upsamplings each followed by a bias-free conv, a last conv. Runs in
    // the weights' dtype, returns the latent's. Differentiable (a trainer may fit it).
    torch::Tensor forward(const torch::Tensor& latent);

    const TaesdConfig& config() const { return config_; }

private:
    enum class Kind { Conv, Relu, Block, Upsample };
    struct Layer {
        Kind kind;
        std::shared_ptr<torch::nn::Conv2dImpl> conv;
        std::shared_ptr<TaesdBlockImpl> block;
    };
    TaesdConfig config_;
    std::vector<Layer> layers_; // upstream indices 1.. (0 is the clamp)
};
TORCH_MODULE(TaesdDecoder);

} // namespace deadiff::nn
