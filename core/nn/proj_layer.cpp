#include "core/nn/proj_layer.h"
#include "core/nn/layers.h"

#include "core/nn/quick_gelu.h"

namespace deadiff::nn {

ProjLayerImpl::ProjLayerImpl(const ProjLayerConfig& config) {
    dense1 = register_module("dense1",
                             makeLinear(torch::nn::LinearOptions(config.width, config.hidden)));
    dense2 = register_module("dense2",
                             makeLinear(torch::nn::LinearOptions(config.hidden, config.width)));
    LayerNorm = register_module(
        "LayerNorm",
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.width}).eps(config.layerNormEps)));
}

torch::Tensor ProjLayerImpl::forward(const torch::Tensor& x) {
    return x + dense2(quickGelu(dense1(LayerNorm(x))));
}

} // namespace deadiff::nn
