// DEADiff's ProjLayer (blip_diffusion.py): x + dense2(QuickGELU(dense1(LayerNorm(x)))). The
// residual adds the un-normalised x (the official comment "Res -> Norm" is wrong). Names are
// the checkpoint's, under `style_proj_layer.` / `content_proj_layer.`.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

inline constexpr const char* kStyleProjPrefix = "style_proj_layer.";
inline constexpr const char* kContentProjPrefix = "content_proj_layer.";

struct ProjLayerConfig {
    std::int64_t width = 768;
    std::int64_t hidden = 3072;
    double layerNormEps = 1e-12;
};

struct ProjLayerImpl : torch::nn::Module {
    explicit ProjLayerImpl(const ProjLayerConfig& config = {});
    // [..., width] -> [..., width].
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear dense1{nullptr}, dense2{nullptr};
    torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(ProjLayer);

} // namespace deadiff::nn
