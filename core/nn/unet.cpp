#include "core/nn/unet.h"
#include "core/nn/layers.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace deadiff::nn {
namespace {

torch::Tensor castIfNeeded(const torch::Tensor& tensor, torch::ScalarType dtype) {
    return !tensor.defined() || tensor.scalar_type() == dtype ? tensor : tensor.to(dtype);
}

void requireContext(const torch::Tensor& tensor, const char* name, std::int64_t batch,
                    std::int64_t contextDim) {
    if (!tensor.defined())
        throw std::runtime_error(std::string("UNet context '") + name +
                                 "' is missing (use zeros for an unused branch)");
    if (tensor.dim() != 3 || tensor.size(0) != batch || tensor.size(2) != contextDim) {
        std::ostringstream message;
        message << "UNet context '" << name << "' has shape " << tensor.sizes() << "; expected ["
                << batch << ", tokens, " << contextDim << "]";
        throw std::runtime_error(message.str());
    }
}

} // namespace

UNetContext UNetContext::concat(const UNetContext& first, const UNetContext& second) {
    if (first.imageWeight != second.imageWeight ||
        first.layerImageWeights != second.layerImageWeights)
        throw std::runtime_error("UNetContext::concat: both halves must share the image weights");
    // Plain SD contexts have no image tokens: both halves absent stays absent.
    const auto rows = [](const torch::Tensor& a, const torch::Tensor& b) {
        return !a.defined() && !b.defined() ? torch::Tensor() : torch::cat({a, b});
    };
    UNetContext result;
    result.styleImage = rows(first.styleImage, second.styleImage);
    result.styleText = torch::cat({first.styleText, second.styleText});
    result.contentImage = rows(first.contentImage, second.contentImage);
    result.contentText = torch::cat({first.contentText, second.contentText});
    result.imageWeight = first.imageWeight;
    result.layerImageWeights = first.layerImageWeights;
    return result;
}

double UNetContext::imageWeightAt(std::int64_t layer) const {
    if (layerImageWeights.empty())
        return imageWeight;
    return layerImageWeights.at(static_cast<std::size_t>(layer));
}

void UNetBlockImpl::add(torch::nn::Conv2d layer) {
    Layer entry{Kind::Conv, {}, {}, {}, {}, {}};
    entry.conv = register_module(nextName(), layer);
    layers.push_back(entry);
}
void UNetBlockImpl::add(ResBlock layer) {
    Layer entry{Kind::Res, {}, {}, {}, {}, {}};
    entry.res = register_module(nextName(), layer);
    layers.push_back(entry);
}
void UNetBlockImpl::add(SpatialTransformer layer) {
    Layer entry{Kind::Transformer, {}, {}, {}, {}, {}};
    entry.transformer = register_module(nextName(), layer);
    layers.push_back(entry);
}
void UNetBlockImpl::add(Downsample layer) {
    Layer entry{Kind::Down, {}, {}, {}, {}, {}};
    entry.down = register_module(nextName(), layer);
    layers.push_back(entry);
}
void UNetBlockImpl::add(Upsample layer) {
    Layer entry{Kind::Up, {}, {}, {}, {}, {}};
    entry.up = register_module(nextName(), layer);
    layers.push_back(entry);
}

torch::Tensor
UNetBlockImpl::forward(torch::Tensor h, const torch::Tensor& emb,
                       const std::function<CrossAttentionContext(std::int64_t)>& contextFor,
                       std::int64_t& transformerIndex, const UNetObserver* observer) {
    for (const Layer& layer : layers) {
        switch (layer.kind) {
        case Kind::Conv:
            h = layer.conv->forward(h);
            break;
        case Kind::Res:
            h = layer.res->forward(h, emb);
            break;
        case Kind::Transformer: {
            const std::int64_t index = transformerIndex++;
            h = layer.transformer->forward(h, contextFor(index));
            if (observer != nullptr && *observer)
                (*observer)("spatial_transformer." + std::to_string(index), h);
            break;
        }
        case Kind::Down:
            h = layer.down->forward(h);
            break;
        case Kind::Up:
            h = layer.up->forward(h);
            break;
        }
    }
    return h;
}

namespace {

void checkConfig(const UNetConfig& c) {
    if (c.channelMult.empty() || c.numResBlocks < 1 || c.numHeads < 1 || c.modelChannels < 1)
        throw std::runtime_error("UNetConfig: channelMult must be non-empty and numResBlocks, "
                                 "numHeads, modelChannels positive");
}

bool hasAttention(const UNetConfig& c, std::int64_t ds) {
    return std::find(c.attentionResolutions.begin(), c.attentionResolutions.end(), ds) !=
           c.attentionResolutions.end();
}

SpatialTransformer makeTransformer(const UNetConfig& c, std::int64_t channels,
                                   bool imageCrossAttention) {
    if (channels % c.numHeads != 0)
        throw std::runtime_error("UNetConfig: channels " + std::to_string(channels) +
                                 " not divisible by numHeads");
    return SpatialTransformer(channels, c.numHeads, channels / c.numHeads, c.transformerDepth,
                              c.contextDim, c.dropout, imageCrossAttention);
}

} // namespace

UNetEncoderParts buildUNetEncoder(const UNetConfig& c, bool imageCrossAttention) {
    checkConfig(c);
    const std::int64_t timeDim = c.modelChannels * 4;
    UNetEncoderParts parts;
    const auto transformer = [&](std::int64_t channels) {
        ++parts.transformerCount;
        return makeTransformer(c, channels, imageCrossAttention);
    };

    parts.inputBlocks = torch::nn::ModuleList();
    {
        UNetBlock first;
        first->add(
            makeConv2d(torch::nn::Conv2dOptions(c.inChannels, c.modelChannels, 3).padding(1)));
        parts.inputBlocks->push_back(first);
        parts.blockChannels.push_back(c.modelChannels);
    }
    std::int64_t channels = c.modelChannels;
    std::int64_t ds = 1;
    const std::size_t levels = c.channelMult.size();
    for (std::size_t level = 0; level < levels; ++level) {
        for (std::int64_t i = 0; i < c.numResBlocks; ++i) {
            UNetBlock block;
            const std::int64_t outChannels = c.channelMult[level] * c.modelChannels;
            block->add(ResBlock(channels, timeDim, outChannels, c.dropout));
            channels = outChannels;
            if (hasAttention(c, ds))
                block->add(transformer(channels));
            parts.inputBlocks->push_back(block);
            parts.blockChannels.push_back(channels);
        }
        if (level + 1 != levels) {
            UNetBlock block;
            block->add(Downsample(channels, channels));
            parts.inputBlocks->push_back(block);
            parts.blockChannels.push_back(channels);
            ds *= 2;
        }
    }
    parts.downsampling = ds;

    parts.middleBlock = UNetBlock();
    parts.middleBlock->add(ResBlock(channels, timeDim, channels, c.dropout));
    parts.middleBlock->add(transformer(channels));
    parts.middleBlock->add(ResBlock(channels, timeDim, channels, c.dropout));
    return parts;
}

UNetModelImpl::UNetModelImpl(UNetConfig config)
    : config_(std::move(config)) {
    const UNetConfig& c = config_;
    checkConfig(c);
    const std::int64_t timeDim = c.modelChannels * 4;
    time_embed = register_module(
        "time_embed",
        torch::nn::Sequential(makeLinear(torch::nn::LinearOptions(c.modelChannels, timeDim)),
                              torch::nn::SiLU(),
                              makeLinear(torch::nn::LinearOptions(timeDim, timeDim))));
    // Built after time_embed, as before the encoder was shared: same random initialisation.
    UNetEncoderParts encoder = buildUNetEncoder(c, c.imageCrossAttention);

    input_blocks = register_module("input_blocks", encoder.inputBlocks);
    middle_block = register_module("middle_block", encoder.middleBlock);
    transformerCount_ = encoder.transformerCount;
    std::vector<std::int64_t> skipChannels = encoder.blockChannels;
    std::int64_t channels = skipChannels.back();
    std::int64_t ds = encoder.downsampling;
    const std::size_t levels = c.channelMult.size();

    output_blocks = register_module("output_blocks", torch::nn::ModuleList());
    for (std::size_t level = levels; level-- > 0;) {
        for (std::int64_t i = 0; i <= c.numResBlocks; ++i) {
            const std::int64_t skip = skipChannels.back();
            skipChannels.pop_back();
            const std::int64_t outChannels = c.modelChannels * c.channelMult[level];
            UNetBlock block;
            block->add(ResBlock(channels + skip, timeDim, outChannels, c.dropout));
            channels = outChannels;
            if (hasAttention(c, ds)) {
                block->add(makeTransformer(c, channels, c.imageCrossAttention));
                ++transformerCount_;
            }
            if (level != 0 && i == c.numResBlocks) {
                block->add(Upsample(channels, channels));
                ds /= 2;
            }
            output_blocks->push_back(block);
        }
    }

    out = register_module(
        "out",
        torch::nn::Sequential(
            GroupNormNchw(torch::nn::GroupNormOptions(32, channels).eps(1e-5)), torch::nn::SiLU(),
            makeConv2d(torch::nn::Conv2dOptions(c.modelChannels, c.outChannels, 3).padding(1))));
}

std::vector<std::shared_ptr<SpatialTransformerImpl>> UNetModelImpl::transformers() const {
    std::vector<std::shared_ptr<SpatialTransformerImpl>> result;
    const auto collect = [&](const UNetBlockImpl& block) {
        for (const UNetBlockImpl::Layer& layer : block.layers)
            if (layer.kind == UNetBlockImpl::Kind::Transformer)
                result.push_back(layer.transformer);
    };
    for (const auto& block : *input_blocks)
        collect(*block->as<UNetBlock>());
    collect(*middle_block);
    for (const auto& block : *output_blocks)
        collect(*block->as<UNetBlock>());
    return result;
}

std::int64_t UNetModelImpl::transformersBeforeOutputBlock(std::size_t block) const {
    std::int64_t count = 0;
    const auto add = [&](const UNetBlockImpl& part) {
        for (const UNetBlockImpl::Layer& layer : part.layers)
            count += layer.kind == UNetBlockImpl::Kind::Transformer ? 1 : 0;
    };
    for (const auto& part : *input_blocks)
        add(*part->as<UNetBlock>());
    add(*middle_block);
    std::size_t index = 0;
    for (const auto& part : *output_blocks)
        if (index++ < block)
            add(*part->as<UNetBlock>());
    return count;
}

UNetContext UNetModelImpl::projectContext(const UNetContext& context) {
    const torch::ScalarType dtype = out->parameters().front().scalar_type();
    const std::int64_t batch = context.styleText.defined() ? context.styleText.size(0) : 0;
    requireContexts(context, batch);
    const CrossAttentionContext style{castIfNeeded(context.styleImage, dtype),
                                      castIfNeeded(context.styleText, dtype), context.imageWeight};
    const CrossAttentionContext content{castIfNeeded(context.contentImage, dtype),
                                        castIfNeeded(context.contentText, dtype),
                                        context.imageWeight};
    checkLayerWeights(context);
    auto projected = std::make_shared<std::vector<std::vector<ContextKeysValues>>>();
    const auto all = transformers();
    for (std::size_t index = 0; index < all.size(); ++index) {
        const auto layer = static_cast<std::int64_t>(index);
        CrossAttentionContext branch = isContentLayer(layer) ? content : style;
        branch.imageWeight = context.imageWeightAt(layer);
        projected->push_back(all[index]->projectContext(branch));
    }
    UNetContext result = context;
    result.projected = std::move(projected);
    return result;
}

void UNetModelImpl::checkLayerWeights(const UNetContext& context) const {
    if (!context.layerImageWeights.empty() &&
        static_cast<std::int64_t>(context.layerImageWeights.size()) != transformerCount_)
        throw std::runtime_error("UNet context has " +
                                 std::to_string(context.layerImageWeights.size()) +
                                 " layer image weights; this model has " +
                                 std::to_string(transformerCount_) + " cross-attention layers");
}

void UNetModelImpl::requireContexts(const UNetContext& context, std::int64_t batch) const {
    const bool images = config_.imageCrossAttention;
    if (!images && (context.styleImage.defined() || context.contentImage.defined()))
        throw std::runtime_error("a plain SD UNet (no attn2.i_to_k/i_to_v) takes no image "
                                 "tokens; leave the image contexts undefined");
    if (images)
        requireContext(context.styleImage, "styleImage", batch, config_.contextDim);
    requireContext(context.styleText, "styleText", batch, config_.contextDim);
    if (images)
        requireContext(context.contentImage, "contentImage", batch, config_.contextDim);
    requireContext(context.contentText, "contentText", batch, config_.contextDim);
}

bool UNetModelImpl::isContentLayer(std::int64_t transformerIndex) const {
    return std::find(config_.contentLayers.begin(), config_.contentLayers.end(),
                     transformerIndex) != config_.contentLayers.end();
}

torch::Tensor UNetModelImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                                     const UNetContext& context,
                                     const std::vector<torch::Tensor>& control,
                                     const UNetObserver& observer, UNetDeepCache* deepCache) {
    const UNetConfig& c = config_;
    if (x.dim() != 4 || x.size(1) != c.inChannels)
        throw std::runtime_error("UNet input must be [batch, " + std::to_string(c.inChannels) +
                                 ", height, width]");
    const std::int64_t factor = std::int64_t{1} << (c.channelMult.size() - 1);
    if (x.size(2) % factor != 0 || x.size(3) % factor != 0)
        throw std::runtime_error("UNet latent height and width must be multiples of " +
                                 std::to_string(factor) + " (images: multiples of " +
                                 std::to_string(8 * factor) + " px)");
    const std::int64_t batch = x.size(0);
    requireContexts(context, batch);
    const std::size_t expectedControl = input_blocks->size() + 1;
    if (!control.empty() && control.size() != expectedControl)
        throw std::runtime_error("UNet control residuals: got " + std::to_string(control.size()) +
                                 ", expected " + std::to_string(expectedControl) +
                                 " (one per input block plus the middle block)");

    const torch::ScalarType dtype = out->parameters().front().scalar_type();
    const UNetObserver* observerPtr = observer ? &observer : nullptr;

    torch::Tensor steps = timesteps.reshape({-1});
    if (steps.size(0) == 1 && batch != 1)
        steps = steps.expand({batch});
    if (steps.size(0) != batch)
        throw std::runtime_error("UNet timesteps: got " + std::to_string(steps.size(0)) +
                                 " values for a batch of " + std::to_string(batch));
    const torch::Tensor emb =
        time_embed->forward(castIfNeeded(timestepEmbedding(steps, c.modelChannels), dtype));
    if (observerPtr)
        observer("time_emb", emb);

    const CrossAttentionContext styleContext{castIfNeeded(context.styleImage, dtype),
                                             castIfNeeded(context.styleText, dtype),
                                             context.imageWeight};
    const CrossAttentionContext contentContext{castIfNeeded(context.contentImage, dtype),
                                               castIfNeeded(context.contentText, dtype),
                                               context.imageWeight};
    if (context.projected &&
        static_cast<std::int64_t>(context.projected->size()) != transformerCount_)
        throw std::runtime_error("UNet projected context has " +
                                 std::to_string(context.projected->size()) +
                                 " layers; this model has " + std::to_string(transformerCount_));
    checkLayerWeights(context);
    const auto contextFor = [&](std::int64_t index) {
        CrossAttentionContext layer = isContentLayer(index) ? contentContext : styleContext;
        layer.imageWeight = context.imageWeightAt(index);
        if (context.projected)
            layer.projected = &(*context.projected)[static_cast<std::size_t>(index)];
        return layer;
    };

    const std::size_t blocks = input_blocks->size();
    std::size_t shallow = blocks; // input blocks to run: all, unless the deep features are reused
    if (deepCache != nullptr) {
        if (!control.empty())
            throw std::runtime_error("UNet: the deep-feature cache does not work with ControlNet "
                                     "residuals");
        if (deepCache->shallowBlocks < 1 ||
            deepCache->shallowBlocks >= static_cast<std::int64_t>(blocks))
            throw std::runtime_error("UNet deep-feature cache: shallowBlocks must lie in [1, " +
                                     std::to_string(blocks - 1) + "]");
        shallow = static_cast<std::size_t>(deepCache->shallowBlocks);
    }

    std::int64_t transformerIndex = 0;
    std::vector<torch::Tensor> skips;
    torch::Tensor h = castIfNeeded(x, dtype);
    const auto runInputBlock = [&](std::size_t i) {
        h = input_blocks[i]->as<UNetBlock>()->forward(h, emb, contextFor, transformerIndex,
                                                      observerPtr);
        skips.push_back(h);
        if (observerPtr)
            observer("input_blocks." + std::to_string(i), h);
    };
    for (std::size_t i = 0; i < (deepCache != nullptr ? shallow : blocks); ++i)
        runInputBlock(i);
    // The deep features fit when they were made for this batch and these skips' size.
    const bool reuse =
        deepCache != nullptr && deepCache->reuse && deepCache->deep.defined() &&
        deepCache->deep.size(0) == batch && deepCache->deep.size(2) == skips.back().size(2) &&
        deepCache->deep.size(3) == skips.back().size(3) && deepCache->deep.scalar_type() == dtype;
    std::size_t firstOutput = 0;
    if (reuse) {
        h = deepCache->deep;
        firstOutput = output_blocks->size() - shallow;
        transformerIndex = transformersBeforeOutputBlock(firstOutput);
        ++deepCache->reusedCalls;
    } else {
        for (std::size_t i = skips.size(); i < blocks; ++i)
            runInputBlock(i);
        h = middle_block->forward(h, emb, contextFor, transformerIndex, observerPtr);
        if (!control.empty())
            h = h + castIfNeeded(control.back(), dtype);
        if (observerPtr)
            observer("middle_block", h);
    }
    for (std::size_t i = firstOutput; i < output_blocks->size(); ++i) {
        if (deepCache != nullptr && !reuse && i == output_blocks->size() - shallow)
            deepCache->deep = h;
        const std::size_t skipIndex = skips.size() - 1;
        torch::Tensor skip = skips[skipIndex];
        if (!control.empty())
            skip = skip + castIfNeeded(control[skipIndex], dtype);
        skips.pop_back();
        h = output_blocks[i]->as<UNetBlock>()->forward(torch::cat({h, skip}, 1), emb, contextFor,
                                                       transformerIndex, observerPtr);
        if (observerPtr)
            observer("output_blocks." + std::to_string(i), h);
    }
    // out: 0 GroupNorm, 1 SiLU (folded into the norm's pass), 2 Conv2d.
    h = out[2]->as<torch::nn::Conv2d>()->forward(out[0]->as<GroupNormNchw>()->forwardThenSiLU(h));
    return castIfNeeded(h, x.scalar_type());
}

} // namespace deadiff::nn
