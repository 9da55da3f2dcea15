// The CLIP ViT-L/14 image tower as BLIP-2 (LAVIS clip_vit.py) builds it for the Q-Former:
// 23 pre-LN residual blocks, no ln_post and no projection, all 257 tokens returned (class token
// first). Submodule names are the checkpoint's, under `<branch>_blip.visual_encoder.`.
// `ln_vision` is not part of the tower; the Q-Former wrapper applies it.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

struct ClipVisionConfig {
    std::int64_t imageSize = 224;
    std::int64_t patchSize = 14;
    std::int64_t channels = 3;
    std::int64_t width = 1024;
    std::int64_t layers = 23;
    std::int64_t heads = 16;
    std::int64_t mlpWidth = 4096;
    double layerNormEps = 1e-5;

    std::int64_t patchesPerSide() const { return imageSize / patchSize; }
    std::int64_t tokens() const { return patchesPerSide() * patchesPerSide() + 1; }
};

// torch.nn.MultiheadAttention's parameter layout: q|k|v packed row-wise in in_proj_weight.
struct PackedSelfAttentionImpl : torch::nn::Module {
    PackedSelfAttentionImpl(std::int64_t width, std::int64_t heads);
    torch::Tensor forward(const torch::Tensor& x);

    std::int64_t heads;
    torch::Tensor in_proj_weight; // [3·width, width]
    torch::Tensor in_proj_bias;   // [3·width]
    torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(PackedSelfAttention);

struct ClipVisionMlpImpl : torch::nn::Module {
    ClipVisionMlpImpl(std::int64_t width, std::int64_t mlpWidth);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(ClipVisionMlp);

struct ClipResidualBlockImpl : torch::nn::Module {
    explicit ClipResidualBlockImpl(const ClipVisionConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    PackedSelfAttention attn{nullptr};
    torch::nn::LayerNorm ln_1{nullptr};
    ClipVisionMlp mlp{nullptr};
    torch::nn::LayerNorm ln_2{nullptr};
};
TORCH_MODULE(ClipResidualBlock);

struct ClipVisionTransformerBodyImpl : torch::nn::Module {
    explicit ClipVisionTransformerBodyImpl(const ClipVisionConfig& config);
    torch::Tensor forward(torch::Tensor x);

    torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(ClipVisionTransformerBody);

struct ClipVisionModelImpl : torch::nn::Module {
    explicit ClipVisionModelImpl(const ClipVisionConfig& config = {});
    // Normalised image [B, channels, imageSize, imageSize] -> tokens [B, 1 + patches, width]
    // (class token first, then patches in row-major order).
    torch::Tensor forward(const torch::Tensor& image);

    ClipVisionConfig config;
    torch::nn::Conv2d conv1{nullptr};
    torch::Tensor class_embedding;      // [width]
    torch::Tensor positional_embedding; // [tokens, width]
    torch::nn::LayerNorm ln_pre{nullptr};
    ClipVisionTransformerBody transformer{nullptr};
};
TORCH_MODULE(ClipVisionModel);

} // namespace deadiff::nn
