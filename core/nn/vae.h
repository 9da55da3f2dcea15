// KL-f8 AutoencoderKL of Stable Diffusion (LDM autoencoder.py / model.py), spec §5. Names equal
// the checkpoint keys under `first_stage_model.`.
#pragma once

#include "core/nn/unet_blocks.h"
#include "core/nn/vae_tiling.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace deadiff::nn {

inline constexpr const char* kVaePrefix = "first_stage_model.";

struct VaeConfig {
    std::int64_t ch = 128;
    std::vector<std::int64_t> chMult{1, 2, 4, 4};
    std::int64_t numResBlocks = 2; // the decoder has numResBlocks + 1 per level
    std::int64_t inChannels = 3;
    std::int64_t outChannels = 3;
    std::int64_t zChannels = 4;
    std::int64_t embedDim = 4;
    double scaleFactor = 0.18215;
};

// GroupNorm(32, eps 1e-6) -> swish -> conv3x3, twice, with a 1x1 `nin_shortcut` when the
// channel count changes.
struct VaeResnetBlockImpl : torch::nn::Module {
    VaeResnetBlockImpl(std::int64_t inChannels, std::int64_t outChannels);
    torch::Tensor forward(const torch::Tensor& x);
    GroupNormNchw norm1{nullptr}, norm2{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, nin_shortcut{nullptr};
};
TORCH_MODULE(VaeResnetBlock);

// Single-head self-attention over all pixels with 1x1-conv q/k/v/proj_out, scale C^-1/2.
struct VaeAttnBlockImpl : torch::nn::Module {
    explicit VaeAttnBlockImpl(std::int64_t channels);
    torch::Tensor forward(const torch::Tensor& x);
    GroupNormNchw norm{nullptr};
    torch::nn::Conv2d q{nullptr}, k{nullptr}, v{nullptr}, proj_out{nullptr};
};
TORCH_MODULE(VaeAttnBlock);

// `mid`: block_1, attn_1, block_2.
struct VaeMidBlockImpl : torch::nn::Module {
    explicit VaeMidBlockImpl(std::int64_t channels);
    torch::Tensor forward(const torch::Tensor& x);
    VaeResnetBlock block_1{nullptr};
    VaeAttnBlock attn_1{nullptr};
    VaeResnetBlock block_2{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// `downsample`: zero-pad right/bottom by 1, conv3x3 stride 2; `upsample`: nearest x2, conv3x3.
struct VaeResampleImpl : torch::nn::Module {
    VaeResampleImpl(std::int64_t channels, bool down);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv{nullptr};
    bool down;
};
TORCH_MODULE(VaeResample);

// One resolution level: `block.N`, then the optional `downsample` / `upsample`.
struct VaeLevelImpl : torch::nn::Module {
    VaeLevelImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t blocks,
                 bool resample, bool down);
    torch::Tensor forward(torch::Tensor h);
    torch::nn::ModuleList block{nullptr};
    VaeResample resample{nullptr}; // null at the level that does not resample
};
TORCH_MODULE(VaeLevel);

struct VaeEncoderImpl : torch::nn::Module {
    explicit VaeEncoderImpl(const VaeConfig& config);
    // Image [B, 3, H, W] in [-1, 1] -> moments [B, 2·z, H/8, W/8] (before quant_conv).
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv_in{nullptr};
    torch::nn::ModuleList down{nullptr};
    VaeMidBlock mid{nullptr};
    GroupNormNchw norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

struct VaeDecoderImpl : torch::nn::Module {
    explicit VaeDecoderImpl(const VaeConfig& config);
    torch::Tensor forward(const torch::Tensor& z);
    // forward = upper(middle(z)): the tiled decode runs `middle` (conv_in and the mid block,
    // whose attention sees every cell) on the whole latent and `upper` tile by tile.
    torch::Tensor middle(const torch::Tensor& z);
    torch::Tensor upper(torch::Tensor h);
    // Every GroupNorm of `upper`: the tiled decode records and applies whole-image statistics.
    std::vector<GroupNormNchwImpl*> upperNorms();
    torch::nn::Conv2d conv_in{nullptr};
    VaeMidBlock mid{nullptr};
    torch::nn::ModuleList up{nullptr}; // up.0 is the full-resolution level
    GroupNormNchw norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

struct VaeEncoding {
    torch::Tensor mean;         // [B, z, h, w]
    torch::Tensor logvar;       // clamped to [-30, 20]
    torch::Tensor scaledLatent; // scaleFactor · mean: the posterior mode as the UNet sees it
};

struct AutoencoderKLImpl : torch::nn::Module {
    explicit AutoencoderKLImpl(VaeConfig config = {});

    // UNet latent [B, 4, h, w] -> image [B, 3, 8h, 8w], roughly [-1, 1], not clamped:
    // decoder(post_quant_conv(z · float(1/scaleFactor))). Runs in the weights' dtype and
    // returns x's dtype. Latents larger than `tiling` allows are decoded one image at a time
    // in overlapping tiles (decodeTiled).
    torch::Tensor decode(const torch::Tensor& z);
    // The tiled decode whatever the size: conv_in and the mid block on the whole latent, then
    // the upsampling levels in tiles of `tiling.tileSide` cells (each decoded with
    // `tiling.margin` cells of context around it that are cut off again), normalised with the
    // GroupNorm statistics of one pass over the whole image shrunk to a tile, blended linearly
    // across the overlaps, accumulated in float32.
    torch::Tensor decodeTiled(const torch::Tensor& z);
    // Image [B, 3, H, W] in [-1, 1] (H, W multiples of 8) -> posterior.
    VaeEncoding encode(const torch::Tensor& x);

    const VaeConfig& config() const { return config_; }

    VaeTiling tiling; // inference policy, not part of the model: tests use small tiles

    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    torch::Tensor decodeWhole(const torch::Tensor& z);

    VaeConfig config_;
};
TORCH_MODULE(AutoencoderKL);

} // namespace deadiff::nn
