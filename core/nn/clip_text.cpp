#include "core/nn/clip_text.h"
#include "core/nn/layers.h"

#include "core/nn/attention.h"
#include "core/nn/quick_gelu.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace deadiff::nn {
namespace {

torch::nn::LayerNorm layerNorm(std::int64_t width, double eps) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps));
}

void checkTokenIds(const torch::Tensor& ids, const ClipTextConfig& config) {
    const auto fail = [](const std::string& what) {
        throw std::runtime_error("CLIP text encoder: " + what);
    };
    if (ids.dim() != 2 || ids.scalar_type() != torch::kInt64)
        fail("token ids must be an int64 tensor [batch, length], got " + std::to_string(ids.dim()) +
             " dimensions of " + std::string(c10::toString(ids.scalar_type())));
    if (ids.size(1) < 1 || ids.size(1) > config.maxPositions)
        fail("sequence length " + std::to_string(ids.size(1)) + " is outside 1.." +
             std::to_string(config.maxPositions));
    if (ids.numel() > 0 &&
        (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= config.vocabSize))
        fail("token id outside the vocabulary 0.." + std::to_string(config.vocabSize - 1));
}

} // namespace

torch::Tensor causalAttentionBias(std::int64_t length, const torch::TensorOptions& options) {
    return torch::full({length, length}, -std::numeric_limits<float>::infinity(), options).triu(1);
}

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTextConfig& config) {
    token_embedding =
        register_module("token_embedding",
                        makeEmbedding(torch::nn::EmbeddingOptions(config.vocabSize, config.width)));
    position_embedding = register_module(
        "position_embedding",
        makeEmbedding(torch::nn::EmbeddingOptions(config.maxPositions, config.width)));
    position_ids = register_buffer("position_ids",
                                   torch::arange(config.maxPositions, torch::kInt64).unsqueeze(0));
}

torch::Tensor ClipTextEmbeddingsImpl::forward(const torch::Tensor& ids) {
    const std::int64_t length = ids.size(1);
    // Positions from arange, not from the buffer: Module::to(dtype) also converts integer
    // buffers, and bfloat16 holds integers exactly only up to 256.
    const torch::Tensor positions = torch::arange(length, ids.options().dtype(torch::kInt64));
    return token_embedding(ids) + position_embedding(positions);
}

ClipTextAttentionImpl::ClipTextAttentionImpl(std::int64_t width, std::int64_t heads)
    : heads(heads) {
    if (width % heads != 0)
        throw std::invalid_argument("CLIP text attention: width " + std::to_string(width) +
                                    " is not divisible by " + std::to_string(heads) + " heads");
    q_proj = register_module("q_proj", makeLinear(torch::nn::LinearOptions(width, width)));
    k_proj = register_module("k_proj", makeLinear(torch::nn::LinearOptions(width, width)));
    v_proj = register_module("v_proj", makeLinear(torch::nn::LinearOptions(width, width)));
    out_proj = register_module("out_proj", makeLinear(torch::nn::LinearOptions(width, width)));
}

torch::Tensor ClipTextAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias) {
    AttentionOptions options;
    options.bias = bias;
    const torch::Tensor attended =
        scaledDotProductAttention(splitHeads(q_proj(x), heads), splitHeads(k_proj(x), heads),
                                  splitHeads(v_proj(x), heads), options);
    return out_proj(mergeHeads(attended));
}

ClipTextMlpImpl::ClipTextMlpImpl(std::int64_t width, std::int64_t mlpWidth) {
    fc1 = register_module("fc1", makeLinear(torch::nn::LinearOptions(width, mlpWidth)));
    fc2 = register_module("fc2", makeLinear(torch::nn::LinearOptions(mlpWidth, width)));
}

torch::Tensor ClipTextMlpImpl::forward(const torch::Tensor& x) {
    return fc2(quickGelu(fc1(x)));
}

ClipTextLayerImpl::ClipTextLayerImpl(const ClipTextConfig& config) {
    self_attn = register_module("self_attn", ClipTextAttention(config.width, config.heads));
    layer_norm1 = register_module("layer_norm1", layerNorm(config.width, config.layerNormEps));
    mlp = register_module("mlp", ClipTextMlp(config.width, config.mlpWidth));
    layer_norm2 = register_module("layer_norm2", layerNorm(config.width, config.layerNormEps));
}

torch::Tensor ClipTextLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& causalBias) {
    const torch::Tensor h = x + self_attn(layer_norm1(x), causalBias);
    return h + mlp(layer_norm2(h));
}

ClipTextEncoderImpl::ClipTextEncoderImpl(const ClipTextConfig& config) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.layers; ++i)
        layers->push_back(ClipTextLayer(config));
}

torch::Tensor ClipTextEncoderImpl::forward(torch::Tensor x, const torch::Tensor& causalBias) {
    for (const auto& layer : *layers)
        x = layer->as<ClipTextLayerImpl>()->forward(x, causalBias);
    return x;
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config)
    : config(config) {
    embeddings = register_module("embeddings", ClipTextEmbeddings(config));
    encoder = register_module("encoder", ClipTextEncoder(config));
    final_layer_norm =
        register_module("final_layer_norm", layerNorm(config.width, config.layerNormEps));
}

torch::Tensor ClipTextModelImpl::forward(const torch::Tensor& ids) {
    checkTokenIds(ids, config);
    const torch::Tensor x = embeddings(ids);
    const torch::Tensor bias = causalAttentionBias(ids.size(1), x.options());
    return final_layer_norm(encoder(x, bias));
}

} // namespace deadiff::nn
