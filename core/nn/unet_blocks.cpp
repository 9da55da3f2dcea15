#include "core/nn/unet_blocks.h"
#include "core/nn/layers.h"

#include "core/nn/attention.h"
#include "core/nn/norm_bf16.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace deadiff::nn {
namespace {

constexpr std::int64_t kGroups = 32;

GroupNormNchw groupNorm(std::int64_t channels, double eps) {
    return GroupNormNchw(torch::nn::GroupNormOptions(kGroups, channels).eps(eps));
}

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                       std::int64_t stride = 1) {
    return makeConv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

torch::nn::Linear linear(std::int64_t in, std::int64_t out, bool bias = true) {
    return makeLinear(torch::nn::LinearOptions(in, out).bias(bias));
}

} // namespace

bool normalisesInFloat(const torch::Tensor& x) {
    return x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf;
}

namespace {

torch::Tensor floatOrUndefined(const torch::Tensor& parameter) {
    return parameter.defined() ? parameter.to(torch::kFloat) : parameter;
}

} // namespace

torch::Tensor GroupNormNchwImpl::normaliseWithKept(const torch::Tensor& x) const {
    const std::int64_t groups = options.num_groups();
    if (!keptMean.defined() || keptMean.size(0) != x.size(0) || keptMean.size(1) != groups)
        throw std::logic_error("GroupNorm: no statistics recorded for this batch");
    const torch::Tensor grouped = x.to(torch::kFloat).reshape({x.size(0), groups, -1});
    torch::Tensor y =
        ((grouped - keptMean.unsqueeze(2)) * keptInverseStd.unsqueeze(2)).view(x.sizes());
    std::vector<std::int64_t> channelShape(static_cast<std::size_t>(x.dim()), 1);
    channelShape[1] = x.size(1);
    if (weight.defined())
        y = y * weight.to(torch::kFloat).view(channelShape);
    if (bias.defined())
        y = y + bias.to(torch::kFloat).view(channelShape);
    return y.to(x.scalar_type());
}

torch::Tensor GroupNormNchwImpl::forward(const torch::Tensor& x) {
    if (statistics == GroupStatistics::Apply)
        return normaliseWithKept(x);
    if (statistics == GroupStatistics::Record) {
        const torch::Tensor grouped =
            x.to(torch::kFloat).reshape({x.size(0), options.num_groups(), -1});
        keptMean = grouped.mean(2);
        const torch::Tensor variance = (grouped - keptMean.unsqueeze(2)).pow(2).mean(2);
        keptInverseStd = torch::rsqrt(variance + options.eps());
    }
    if (statistics == GroupStatistics::Own &&
        groupNormBf16Applies(x, options.num_groups(), weight, bias))
        return groupNormBf16(x, options.num_groups(), weight, bias, options.eps(), false);
    if (!normalisesInFloat(x))
        return torch::nn::GroupNormImpl::forward(x.contiguous());
    const auto normalise = [&](const torch::Tensor& part, std::int64_t groups, std::int64_t channel,
                               std::int64_t channels) {
        const auto slice = [&](const torch::Tensor& parameter) {
            return parameter.defined() ? parameter.narrow(0, channel, channels).to(torch::kFloat)
                                       : parameter;
        };
        return torch::group_norm(part.to(torch::TensorOptions().dtype(torch::kFloat), false, false,
                                         torch::MemoryFormat::Contiguous),
                                 groups, slice(weight), slice(bias), options.eps());
    };
    const std::int64_t groups = options.num_groups();
    const std::int64_t channels = x.size(1);
    const std::int64_t perGroup = x.numel() / groups; // all samples' elements of one group
    const std::int64_t sliceGroups =
        std::clamp<std::int64_t>(maxFloatElements / std::max<std::int64_t>(perGroup, 1), 1, groups);
    const bool grad = torch::GradMode::is_enabled() &&
                      (x.requires_grad() || (weight.defined() && weight.requires_grad()));
    if (sliceGroups >= groups || grad || channels % groups != 0)
        return normalise(x, groups, 0, channels).to(x.scalar_type());
    // Groups are independent: normalising slices of them gives the same values.
    const torch::Tensor input = x.contiguous();
    torch::Tensor output = torch::empty_like(input);
    const std::int64_t groupChannels = channels / groups;
    for (std::int64_t group = 0; group < groups; group += sliceGroups) {
        const std::int64_t count = std::min(sliceGroups, groups - group);
        const std::int64_t channel = group * groupChannels;
        output.narrow(1, channel, count * groupChannels)
            .copy_(normalise(input.narrow(1, channel, count * groupChannels), count, channel,
                             count * groupChannels));
    }
    return output;
}

torch::Tensor GroupNormNchwImpl::forwardThenSiLU(const torch::Tensor& x,
                                                 const torch::Tensor& channelShift) {
    if (statistics == GroupStatistics::Own &&
        groupNormBf16Applies(x, options.num_groups(), weight, bias, channelShift))
        return groupNormBf16(x, options.num_groups(), weight, bias, options.eps(), true,
                             channelShift);
    if (!channelShift.defined())
        return torch::silu(forward(x));
    std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
    shape[0] = channelShift.size(0);
    shape[1] = channelShift.size(1);
    return torch::silu(forward(x + channelShift.to(x.scalar_type()).view(shape)));
}

torch::Tensor LayerNormFloatImpl::forward(const torch::Tensor& x) {
    if (options.normalized_shape().size() == 1 && layerNormBf16Applies(x, weight, bias))
        return layerNormBf16(x, weight, bias, options.eps());
    if (!normalisesInFloat(x))
        return torch::nn::LayerNormImpl::forward(x);
    return torch::layer_norm(x.to(torch::kFloat), options.normalized_shape(),
                             floatOrUndefined(weight), floatOrUndefined(bias), options.eps())
        .to(x.scalar_type());
}

torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, std::int64_t dim,
                                double maxPeriod) {
    const std::int64_t half = dim / 2;
    // Same operation order and float32 rounding as the reference.
    const torch::Tensor freqs =
        torch::exp(torch::arange(0, half, torch::TensorOptions().dtype(torch::kFloat)) *
                   (-std::log(maxPeriod)) / static_cast<double>(half));
    const torch::Tensor args = timesteps.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
    torch::Tensor embedding = torch::cat({torch::cos(args), torch::sin(args)}, -1);
    if (dim % 2 != 0)
        embedding = torch::cat({embedding, torch::zeros_like(embedding.narrow(1, 0, 1))}, -1);
    return embedding;
}

ResBlockImpl::ResBlockImpl(std::int64_t channels, std::int64_t embChannels,
                           std::int64_t outChannels, double dropout) {
    in_layers = register_module("in_layers",
                                torch::nn::Sequential(groupNorm(channels, 1e-5), torch::nn::SiLU(),
                                                      conv(channels, outChannels, 3)));
    emb_layers = register_module(
        "emb_layers", torch::nn::Sequential(torch::nn::SiLU(), linear(embChannels, outChannels)));
    out_layers = register_module(
        "out_layers",
        torch::nn::Sequential(groupNorm(outChannels, 1e-5), torch::nn::SiLU(),
                              torch::nn::Dropout(dropout), conv(outChannels, outChannels, 3)));
    if (channels != outChannels)
        skip_connection = register_module("skip_connection", conv(channels, outChannels, 1));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& emb) {
    // The Sequentials keep the checkpoint's names; their norm and SiLU run as one step.
    torch::Tensor h = in_layers[2]->as<torch::nn::Conv2d>()->forward(
        in_layers[0]->as<GroupNormNchw>()->forwardThenSiLU(x));
    const torch::Tensor embOut = emb_layers->forward(emb).to(h.scalar_type());
    h = out_layers[0]->as<GroupNormNchw>()->forwardThenSiLU(h, embOut);
    h = out_layers[3]->as<torch::nn::Conv2d>()->forward(
        out_layers[2]->as<torch::nn::Dropout>()->forward(h));
    const torch::Tensor skip = skip_connection ? skip_connection->forward(x) : x;
    return skip + h;
}

DownsampleImpl::DownsampleImpl(std::int64_t channels, std::int64_t outChannels) {
    op = register_module("op", conv(channels, outChannels, 3, 2));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) {
    return op->forward(x);
}

UpsampleImpl::UpsampleImpl(std::int64_t channels, std::int64_t outChannels) {
    conv = register_module("conv", deadiff::nn::conv(channels, outChannels, 3));
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x) {
    const torch::Tensor up =
        torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                  .scale_factor(std::vector<double>{2.0, 2.0})
                                                  .mode(torch::kNearest));
    return conv->forward(up);
}

SelfAttentionImpl::SelfAttentionImpl(std::int64_t dim, std::int64_t heads, std::int64_t headDim,
                                     double dropout)
    : heads(heads) {
    const std::int64_t inner = heads * headDim;
    to_q = register_module("to_q", linear(dim, inner, false));
    to_k = register_module("to_k", linear(dim, inner, false));
    to_v = register_module("to_v", linear(dim, inner, false));
    to_out = register_module(
        "to_out", torch::nn::Sequential(linear(inner, dim), torch::nn::Dropout(dropout)));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
    const torch::Tensor q = splitHeads(to_q->forward(x), heads);
    const torch::Tensor k = splitHeads(to_k->forward(x), heads);
    const torch::Tensor v = splitHeads(to_v->forward(x), heads);
    return to_out->forward(mergeHeads(scaledDotProductAttention(q, k, v)));
}

DualCrossAttentionImpl::DualCrossAttentionImpl(std::int64_t queryDim, std::int64_t contextDim,
                                               std::int64_t heads, std::int64_t headDim,
                                               double dropout, bool imageProjections)
    : heads(heads) {
    const std::int64_t inner = heads * headDim;
    to_q = register_module("to_q", linear(queryDim, inner, false));
    to_k = register_module("to_k", linear(contextDim, inner, false));
    to_v = register_module("to_v", linear(contextDim, inner, false));
    if (imageProjections) {
        i_to_k = register_module("i_to_k", linear(contextDim, inner, false));
        i_to_v = register_module("i_to_v", linear(contextDim, inner, false));
    }
    to_out = register_module(
        "to_out", torch::nn::Sequential(linear(inner, queryDim), torch::nn::Dropout(dropout)));
}

ContextKeysValues DualCrossAttentionImpl::projectContext(const CrossAttentionContext& context) {
    if (!i_to_k) {
        TORCH_CHECK(context.text.defined() && context.text.dim() == 3,
                    "cross-attention needs a [batch, tokens, dim] text context");
        TORCH_CHECK(!context.image.defined(),
                    "plain cross-attention (no i_to_k/i_to_v) takes no image tokens");
        return {to_k->forward(context.text), to_v->forward(context.text)};
    }
    TORCH_CHECK(context.image.defined() && context.text.defined(),
                "cross-attention needs both an image and a text context (zeros for an unused "
                "image branch)");
    TORCH_CHECK(context.image.dim() == 3 && context.text.dim() == 3 &&
                    context.image.size(0) == context.text.size(0),
                "cross-attention contexts must be [batch, tokens, dim] with equal batch; got "
                "image ",
                context.image.sizes(), " and text ", context.text.sizes());
    const double w = context.imageWeight;
    ContextKeysValues result;
    result.keys = torch::cat({to_k->forward(context.text), i_to_k->forward(context.image) * w}, 1);
    result.values =
        torch::cat({to_v->forward(context.text), i_to_v->forward(context.image) * w}, 1);
    return result;
}

torch::Tensor DualCrossAttentionImpl::attend(const torch::Tensor& x,
                                             const ContextKeysValues& keysValues) {
    const torch::Tensor q = splitHeads(to_q->forward(x), heads);
    const torch::Tensor k = splitHeads(keysValues.keys, heads);
    const torch::Tensor v = splitHeads(keysValues.values, heads);
    return to_out->forward(mergeHeads(scaledDotProductAttention(q, k, v)));
}

torch::Tensor DualCrossAttentionImpl::forward(const torch::Tensor& x,
                                              const CrossAttentionContext& context) {
    return attend(x, projectContext(context));
}

GEGLUImpl::GEGLUImpl(std::int64_t dimIn, std::int64_t dimOut) {
    proj = register_module("proj", linear(dimIn, dimOut * 2));
}

torch::Tensor GEGLUImpl::forward(const torch::Tensor& x) {
    const torch::Tensor projected = proj->forward(x);
    if (gegluBf16Applies(projected))
        return gegluBf16(projected); // one pass, one rounding (norm_bf16.h)
    const auto halves = projected.chunk(2, -1);
    // The gate half is a strided view; LibTorch 1.13's bfloat16 GELU is ~9x slower on it than a
    // contiguous copy plus GELU ([2, 4096, 1280]: 22 ms vs 2.5 ms). Same values either way.
    return halves[0] * torch::gelu(halves[1].contiguous());
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(std::int64_t dim, std::int64_t heads,
                                                     std::int64_t headDim, std::int64_t contextDim,
                                                     double dropout, bool imageProjections) {
    attn1 = register_module("attn1", SelfAttention(dim, heads, headDim, dropout));
    // The checkpoint's FeedForward is a module whose only child is `net`.
    auto feedForward = std::make_shared<torch::nn::Module>("FeedForward");
    ff = feedForward->register_module("net", torch::nn::Sequential(GEGLU(dim, dim * 4),
                                                                   torch::nn::Dropout(dropout),
                                                                   linear(dim * 4, dim)));
    register_module("ff", feedForward);
    attn2 = register_module(
        "attn2", DualCrossAttention(dim, contextDim, heads, headDim, dropout, imageProjections));
    const auto layerNorm = [&](const char* name) {
        return register_module(name, LayerNormFloat(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
    };
    norm1 = layerNorm("norm1");
    norm2 = layerNorm("norm2");
    norm3 = layerNorm("norm3");
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x,
                                                 const CrossAttentionContext& context,
                                                 const ContextKeysValues* projected) {
    torch::Tensor h = attn1->forward(norm1->forward(x)) + x;
    const torch::Tensor normed = norm2->forward(h);
    h = (projected != nullptr ? attn2->attend(normed, *projected)
                              : attn2->forward(normed, context)) +
        h;
    return ff->forward(norm3->forward(h)) + h;
}

SpatialTransformerImpl::SpatialTransformerImpl(std::int64_t channels, std::int64_t heads,
                                               std::int64_t headDim, std::int64_t depth,
                                               std::int64_t contextDim, double dropout,
                                               bool imageProjections) {
    const std::int64_t inner = heads * headDim;
    norm = register_module("norm", groupNorm(channels, 1e-6));
    proj_in = register_module("proj_in", conv(channels, inner, 1));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < depth; ++i)
        transformer_blocks->push_back(
            BasicTransformerBlock(inner, heads, headDim, contextDim, dropout, imageProjections));
    proj_out = register_module("proj_out", conv(inner, channels, 1));
}

namespace {

// a · b for each sample of the batch, one of them [B, M, K] / [B, K, N] (any strides), the other
// a matrix shared by all samples. Without grad every product is written into its slice of one
// output: oneDNN's batched product over an expanded (stride-0) weight measured up to 1.5x slower
// than the plain products (bf16, 1280 channels at 16²).
torch::Tensor perSampleProduct(const torch::Tensor& a, const torch::Tensor& b) {
    const bool batchedA = a.dim() == 3;
    const torch::Tensor& batched = batchedA ? a : b;
    const std::int64_t batch = batched.size(0);
    const std::int64_t rows = batchedA ? a.size(1) : a.size(0);
    const std::int64_t cols = batchedA ? b.size(1) : b.size(2);
    if (torch::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad()))
        return batchedA ? torch::bmm(a, b.expand({batch, b.size(0), cols}))
                        : torch::bmm(a.expand({batch, rows, a.size(1)}), b);
    torch::Tensor out = torch::empty({batch, rows, cols}, batched.options());
    for (std::int64_t sample = 0; sample < batch; ++sample) {
        torch::Tensor slice = out[sample];
        torch::mm_out(slice, batchedA ? a[sample] : a, batchedA ? b : b[sample]);
    }
    return out;
}

} // namespace

torch::Tensor SpatialTransformerImpl::forward(const torch::Tensor& x,
                                              const CrossAttentionContext& context) {
    const std::int64_t batch = x.size(0);
    const std::int64_t channels = x.size(1);
    const std::int64_t height = x.size(2);
    const std::int64_t width = x.size(3);
    // proj_in and proj_out are 1x1 convolutions in the checkpoint; as matrix products they read
    // and write the token layout [B, HW, C] directly: no transposing copy into the blocks, and
    // the residual is added to an NCHW result (a 1x1 convolution of the blocks' output came out
    // channels-last, and adding the NCHW input to it was a strided, 15x slower add).
    const torch::Tensor normed = norm->forward(x).reshape({batch, channels, height * width});
    const torch::Tensor inWeight = proj_in->weight.flatten(1); // [inner, C]
    torch::Tensor h = perSampleProduct(normed.transpose(1, 2), inWeight.t());
    if (proj_in->bias.defined())
        h.add_(proj_in->bias);
    if (context.projected != nullptr) {
        TORCH_CHECK(context.projected->size() == transformer_blocks->size(),
                    "projected context has ", context.projected->size(),
                    " key/value sets for a spatial transformer of ", transformer_blocks->size(),
                    " blocks");
        TORCH_CHECK(context.projected->empty() || context.projected->front().keys.size(0) == batch,
                    "projected context was made for a batch of ",
                    context.projected->front().keys.size(0), ", not ", batch);
    }
    for (std::size_t i = 0; i < transformer_blocks->size(); ++i)
        h = transformer_blocks[i]->as<BasicTransformerBlock>()->forward(
            h, context, context.projected != nullptr ? &(*context.projected)[i] : nullptr);
    const torch::Tensor outWeight = proj_out->weight.flatten(1); // [C, inner]
    torch::Tensor out = perSampleProduct(outWeight, h.transpose(1, 2));
    if (proj_out->bias.defined())
        out.add_(proj_out->bias.view({1, channels, 1}));
    return out.view({batch, channels, height, width}).add_(x);
}

std::vector<ContextKeysValues>
SpatialTransformerImpl::projectContext(const CrossAttentionContext& context) {
    std::vector<ContextKeysValues> result;
    for (const auto& block : *transformer_blocks)
        result.push_back(block->as<BasicTransformerBlock>()->attn2->projectContext(context));
    return result;
}

} // namespace deadiff::nn
