#include "core/nn/blip2_qformer.h"

#include <stdexcept>
#include <string>

namespace deadiff::nn {

LoadOptions blip2QFormerLoadOptions() {
    LoadOptions options;
    options.ignoredKeyPrefixes = {"Qformer.cls.", "vision_proj.", "text_proj.", "itm_head.",
                                  "temp"};
    return options;
}

Blip2QFormerImpl::Blip2QFormerImpl(const Blip2QFormerConfig& config)
    : config(config) {
    if (config.vision.width != config.qformer.encoderWidth)
        throw std::invalid_argument("Blip2QFormer: vision width " +
                                    std::to_string(config.vision.width) +
                                    " differs from the Q-Former's encoderWidth " +
                                    std::to_string(config.qformer.encoderWidth));
    visual_encoder = register_module("visual_encoder", ClipVisionModel(config.vision));
    ln_vision = register_module(
        "ln_vision",
        torch::nn::LayerNorm(
            torch::nn::LayerNormOptions({config.vision.width}).eps(config.visionLayerNormEps)));
    query_tokens = register_parameter(
        "query_tokens", 0.02 * torch::randn({1, config.queryTokens, config.qformer.hidden}));
    Qformer = register_module("Qformer", QFormer(config.qformer));
}

torch::Tensor Blip2QFormerImpl::encodeImage(const torch::Tensor& image) {
    return ln_vision(visual_encoder(image));
}

torch::Tensor Blip2QFormerImpl::queryHidden(const torch::Tensor& imageTokens,
                                            const torch::Tensor& ids) {
    const torch::Tensor queries = query_tokens.expand({imageTokens.size(0), -1, -1});
    return Qformer(ids, queries, imageTokens);
}

torch::Tensor Blip2QFormerImpl::forward(const torch::Tensor& image, const torch::Tensor& ids) {
    return queryHidden(encodeImage(image), ids).slice(1, 0, config.queryTokens);
}

} // namespace deadiff::nn
