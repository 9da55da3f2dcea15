#include "core/nn/clip_vision.h"
#include "core/nn/layers.h"

#include "core/nn/attention.h"
#include "core/nn/quick_gelu.h"

#include <stdexcept>
#include <string>

namespace deadiff::nn {
namespace {

torch::nn::LayerNorm layerNorm(std::int64_t width, double eps) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps));
}

// The checkpoint's float16 linear and convolution weights stay float16, shared with the mapped
// file (pipeline::ReferenceEncoder::load): each use widens them exactly to the input's dtype.
torch::Tensor inDtypeOf(const torch::Tensor& weight, const torch::Tensor& input) {
    return weight.defined() && weight.scalar_type() != input.scalar_type()
               ? weight.to(input.scalar_type())
               : weight;
}

torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
    return torch::nn::functional::linear(x, inDtypeOf(layer->weight, x), inDtypeOf(layer->bias, x));
}

} // namespace

PackedSelfAttentionImpl::PackedSelfAttentionImpl(std::int64_t width, std::int64_t heads)
    : heads(heads) {
    if (width % heads != 0)
        throw std::invalid_argument("CLIP vision attention: width " + std::to_string(width) +
                                    " is not divisible by " + std::to_string(heads) + " heads");
    // Same initialisation as torch.nn.MultiheadAttention, so fresh modules stay trainable.
    in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
    initialiseUnlessFromFile([&] { torch::nn::init::xavier_uniform_(in_proj_weight); });
    in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
    out_proj = register_module("out_proj", makeLinear(torch::nn::LinearOptions(width, width)));
}

torch::Tensor PackedSelfAttentionImpl::forward(const torch::Tensor& x) {
    const std::vector<torch::Tensor> qkv =
        torch::nn::functional::linear(x, inDtypeOf(in_proj_weight, x), inDtypeOf(in_proj_bias, x))
            .chunk(3, -1);
    const torch::Tensor attended = scaledDotProductAttention(
        splitHeads(qkv[0], heads), splitHeads(qkv[1], heads), splitHeads(qkv[2], heads));
    return linear(out_proj, mergeHeads(attended));
}

ClipVisionMlpImpl::ClipVisionMlpImpl(std::int64_t width, std::int64_t mlpWidth) {
    c_fc = register_module("c_fc", makeLinear(torch::nn::LinearOptions(width, mlpWidth)));
    c_proj = register_module("c_proj", makeLinear(torch::nn::LinearOptions(mlpWidth, width)));
}

torch::Tensor ClipVisionMlpImpl::forward(const torch::Tensor& x) {
    return linear(c_proj, quickGelu(linear(c_fc, x)));
}

ClipResidualBlockImpl::ClipResidualBlockImpl(const ClipVisionConfig& config) {
    attn = register_module("attn", PackedSelfAttention(config.width, config.heads));
    ln_1 = register_module("ln_1", layerNorm(config.width, config.layerNormEps));
    mlp = register_module("mlp", ClipVisionMlp(config.width, config.mlpWidth));
    ln_2 = register_module("ln_2", layerNorm(config.width, config.layerNormEps));
}

torch::Tensor ClipResidualBlockImpl::forward(const torch::Tensor& x) {
    const torch::Tensor h = x + attn(ln_1(x));
    return h + mlp(ln_2(h));
}

ClipVisionTransformerBodyImpl::ClipVisionTransformerBodyImpl(const ClipVisionConfig& config) {
    resblocks = register_module("resblocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.layers; ++i)
        resblocks->push_back(ClipResidualBlock(config));
}

torch::Tensor ClipVisionTransformerBodyImpl::forward(torch::Tensor x) {
    for (const auto& block : *resblocks)
        x = block->as<ClipResidualBlockImpl>()->forward(x);
    return x;
}

ClipVisionModelImpl::ClipVisionModelImpl(const ClipVisionConfig& config)
    : config(config) {
    if (config.patchSize <= 0 || config.imageSize % config.patchSize != 0)
        throw std::invalid_argument("CLIP vision: image size " + std::to_string(config.imageSize) +
                                    " is not a multiple of the patch size " +
                                    std::to_string(config.patchSize));
    conv1 = register_module("conv1", makeConv2d(torch::nn::Conv2dOptions(
                                                    config.channels, config.width, config.patchSize)
                                                    .stride(config.patchSize)
                                                    .bias(false)));
    const double scale = 1.0 / std::sqrt(static_cast<double>(config.width));
    class_embedding = register_parameter("class_embedding", scale * torch::randn({config.width}));
    positional_embedding = register_parameter(
        "positional_embedding", scale * torch::randn({config.tokens(), config.width}));
    ln_pre = register_module("ln_pre", layerNorm(config.width, config.layerNormEps));
    transformer = register_module("transformer", ClipVisionTransformerBody(config));
}

torch::Tensor ClipVisionModelImpl::forward(const torch::Tensor& image) {
    if (image.dim() != 4 || image.size(1) != config.channels || image.size(2) != config.imageSize ||
        image.size(3) != config.imageSize)
        throw std::runtime_error(
            "CLIP vision: expected a preprocessed image [batch, " +
            std::to_string(config.channels) + ", " + std::to_string(config.imageSize) + ", " +
            std::to_string(config.imageSize) + "], got " + c10::str(image.sizes()));
    // Preprocessed images are float32; the tower may have been converted (e.g. to bfloat16).
    // Its norms say which: its convolution and linear weights may be float16 from the file.
    const torch::Tensor input = image.to(ln_pre->weight.scalar_type());
    const torch::Tensor patches =
        torch::conv2d(input, inDtypeOf(conv1->weight, input), {}, *conv1->options.stride())
            .flatten(2)
            .transpose(1, 2); // [B, P, width]
    const torch::Tensor classToken =
        class_embedding.to(patches.dtype()).view({1, 1, -1}).expand({patches.size(0), 1, -1});
    const torch::Tensor tokens = torch::cat({classToken, patches}, 1) + positional_embedding;
    return transformer(ln_pre(tokens));
}

} // namespace deadiff::nn
