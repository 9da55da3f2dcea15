#include "core/nn/vae.h"
#include "core/nn/layers.h"

#include "core/nn/attention.h"
#include "core/nn/norm_bf16.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace deadiff::nn {
namespace {

GroupNormNchw normalize(std::int64_t channels) {
    return GroupNormNchw(torch::nn::GroupNormOptions(32, channels).eps(1e-6));
}

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                       std::int64_t stride = 1, std::int64_t padding = -1) {
    return makeConv2d(torch::nn::Conv2dOptions(in, out, kernel)
                          .stride(stride)
                          .padding(padding < 0 ? kernel / 2 : padding));
}

torch::Tensor castIfNeeded(const torch::Tensor& tensor, torch::ScalarType dtype) {
    return tensor.scalar_type() == dtype ? tensor : tensor.to(dtype);
}

} // namespace

VaeResnetBlockImpl::VaeResnetBlockImpl(std::int64_t inChannels, std::int64_t outChannels) {
    norm1 = register_module("norm1", normalize(inChannels));
    conv1 = register_module("conv1", conv(inChannels, outChannels, 3));
    norm2 = register_module("norm2", normalize(outChannels));
    conv2 = register_module("conv2", conv(outChannels, outChannels, 3));
    if (inChannels != outChannels)
        nin_shortcut = register_module("nin_shortcut", conv(inChannels, outChannels, 1));
}

torch::Tensor VaeResnetBlockImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = conv1->forward(norm1->forwardThenSiLU(x));
    h = conv2->forward(norm2->forwardThenSiLU(h));
    return (nin_shortcut ? nin_shortcut->forward(x) : x) + h;
}

VaeAttnBlockImpl::VaeAttnBlockImpl(std::int64_t channels) {
    norm = register_module("norm", normalize(channels));
    q = register_module("q", conv(channels, channels, 1));
    k = register_module("k", conv(channels, channels, 1));
    v = register_module("v", conv(channels, channels, 1));
    proj_out = register_module("proj_out", conv(channels, channels, 1));
}

torch::Tensor VaeAttnBlockImpl::forward(const torch::Tensor& x) {
    const torch::Tensor h = norm->forward(x);
    const std::int64_t batch = x.size(0);
    const std::int64_t channels = x.size(1);
    const std::int64_t height = x.size(2);
    const std::int64_t width = x.size(3);
    // [B, C, H, W] -> [B, 1 head, HW, C]; the shared attention chunks the 4096² scores at 512 px.
    const auto tokens = [](const torch::Tensor& t) {
        return t.flatten(2).transpose(1, 2).unsqueeze(1);
    };
    const torch::Tensor attended = scaledDotProductAttention(
        tokens(q->forward(h)), tokens(k->forward(h)), tokens(v->forward(h)));
    const torch::Tensor image =
        attended.squeeze(1).transpose(1, 2).reshape({batch, channels, height, width});
    return x + proj_out->forward(image);
}

VaeMidBlockImpl::VaeMidBlockImpl(std::int64_t channels) {
    block_1 = register_module("block_1", VaeResnetBlock(channels, channels));
    attn_1 = register_module("attn_1", VaeAttnBlock(channels));
    block_2 = register_module("block_2", VaeResnetBlock(channels, channels));
}

torch::Tensor VaeMidBlockImpl::forward(const torch::Tensor& x) {
    return block_2->forward(attn_1->forward(block_1->forward(x)));
}

VaeResampleImpl::VaeResampleImpl(std::int64_t channels, bool down)
    : down(down) {
    conv = register_module("conv",
                           deadiff::nn::conv(channels, channels, 3, down ? 2 : 1, down ? 0 : 1));
}

torch::Tensor VaeResampleImpl::forward(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    if (down) // asymmetric padding, as the reference
        return conv->forward(F::pad(x, F::PadFuncOptions({0, 1, 0, 1})));
    return conv->forward(F::interpolate(x, F::InterpolateFuncOptions()
                                               .scale_factor(std::vector<double>{2.0, 2.0})
                                               .mode(torch::kNearest)));
}

VaeLevelImpl::VaeLevelImpl(std::int64_t inChannels, std::int64_t outChannels, std::int64_t blocks,
                           bool resample, bool down) {
    block = register_module("block", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < blocks; ++i) {
        block->push_back(VaeResnetBlock(inChannels, outChannels));
        inChannels = outChannels;
    }
    if (resample)
        this->resample =
            register_module(down ? "downsample" : "upsample", VaeResample(outChannels, down));
}

torch::Tensor VaeLevelImpl::forward(torch::Tensor h) {
    for (const auto& module : *block)
        h = module->as<VaeResnetBlock>()->forward(h);
    return resample ? resample->forward(h) : h;
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& config) {
    const std::size_t levels = config.chMult.size();
    conv_in = register_module("conv_in", conv(config.inChannels, config.ch, 3));
    down = register_module("down", torch::nn::ModuleList());
    std::int64_t channels = config.ch;
    for (std::size_t i = 0; i < levels; ++i) {
        const std::int64_t outChannels = config.ch * config.chMult[i];
        down->push_back(
            VaeLevel(channels, outChannels, config.numResBlocks, i + 1 != levels, true));
        channels = outChannels;
    }
    mid = register_module("mid", VaeMidBlock(channels));
    norm_out = register_module("norm_out", normalize(channels));
    conv_out = register_module("conv_out", conv(channels, 2 * config.zChannels, 3));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = conv_in->forward(x);
    for (const auto& level : *down)
        h = level->as<VaeLevel>()->forward(h);
    h = mid->forward(h);
    return conv_out->forward(norm_out->forwardThenSiLU(h));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& config) {
    const std::size_t levels = config.chMult.size();
    std::int64_t channels = config.ch * config.chMult.back();
    conv_in = register_module("conv_in", conv(config.zChannels, channels, 3));
    mid = register_module("mid", VaeMidBlock(channels));
    up = register_module("up", torch::nn::ModuleList());
    // up.i is built in index order; its input is the output of level i+1 (or mid).
    for (std::size_t i = 0; i < levels; ++i) {
        const std::int64_t inChannels =
            config.ch * (i + 1 < levels ? config.chMult[i + 1] : config.chMult.back());
        up->push_back(VaeLevel(inChannels, config.ch * config.chMult[i], config.numResBlocks + 1,
                               i != 0, false));
    }
    norm_out = register_module("norm_out", normalize(config.ch * config.chMult.front()));
    conv_out =
        register_module("conv_out", conv(config.ch * config.chMult.front(), config.outChannels, 3));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
    return upper(middle(z));
}

torch::Tensor VaeDecoderImpl::middle(const torch::Tensor& z) {
    // See channelsLastPays (norm_bf16.h); upper() hands back NCHW.
    return mid->forward(conv_in->forward(
        channelsLastPays(z) ? z.contiguous(torch::MemoryFormat::ChannelsLast) : z));
}

torch::Tensor VaeDecoderImpl::upper(torch::Tensor h) {
    for (std::size_t i = up->size(); i-- > 0;)
        h = up[i]->as<VaeLevel>()->forward(h);
    return conv_out->forward(norm_out->forwardThenSiLU(h)).contiguous();
}

std::vector<GroupNormNchwImpl*> VaeDecoderImpl::upperNorms() {
    std::vector<GroupNormNchwImpl*> norms;
    for (const auto& child : up->modules())
        if (auto* norm = dynamic_cast<GroupNormNchwImpl*>(child.get()))
            norms.push_back(norm);
    norms.push_back(norm_out.get());
    return norms;
}

AutoencoderKLImpl::AutoencoderKLImpl(VaeConfig config)
    : config_(std::move(config)) {
    if (config_.chMult.empty() || config_.numResBlocks < 1 || config_.ch < 1)
        throw std::runtime_error("VaeConfig: chMult must be non-empty, ch and numResBlocks "
                                 "positive");
    encoder = register_module("encoder", VaeEncoder(config_));
    decoder = register_module("decoder", VaeDecoder(config_));
    quant_conv =
        register_module("quant_conv", conv(2 * config_.zChannels, 2 * config_.embedDim, 1));
    post_quant_conv =
        register_module("post_quant_conv", conv(config_.embedDim, config_.zChannels, 1));
}

torch::Tensor AutoencoderKLImpl::decode(const torch::Tensor& z) {
    if (z.dim() != 4 || z.size(1) != config_.embedDim)
        throw std::runtime_error("VAE decode expects a latent [batch, " +
                                 std::to_string(config_.embedDim) + ", h, w]");
    return needsTiling(tiling, z.size(2), z.size(3)) ? decodeTiled(z) : decodeWhole(z);
}

torch::Tensor AutoencoderKLImpl::decodeWhole(const torch::Tensor& z) {
    const torch::ScalarType dtype = post_quant_conv->weight.scalar_type();
    // The reference multiplies by the float32-rounded reciprocal.
    const float inverseScale = static_cast<float>(1.0 / config_.scaleFactor);
    const torch::Tensor scaled = castIfNeeded(z, torch::kFloat) * inverseScale;
    const torch::Tensor image =
        decoder->forward(post_quant_conv->forward(castIfNeeded(scaled, dtype)));
    return castIfNeeded(image, z.scalar_type());
}

namespace {

// Blend weights along one tile axis of `length` px: rising linearly over the `leading` px
// shared with the previous tile, falling over the `trailing` px shared with the next. Where two
// tiles overlap their weights sum to 1.
torch::Tensor tileRamp(std::int64_t length, std::int64_t leading, std::int64_t trailing) {
    torch::Tensor ramp = torch::ones({length});
    const torch::Tensor position = torch::arange(length, torch::kFloat) + 0.5f;
    if (leading > 0)
        ramp = ramp * (position / static_cast<float>(leading)).clamp_max(1.0f);
    if (trailing > 0)
        ramp = ramp * ((static_cast<float>(length) - position) / static_cast<float>(trailing))
                          .clamp_max(1.0f);
    return ramp;
}

// Per tile along one axis: the ramp of its pixels, from the tile starts (cells) and `factor`.
std::vector<torch::Tensor> axisRamps(const std::vector<std::int64_t>& starts, std::int64_t tile,
                                     std::int64_t factor) {
    std::vector<torch::Tensor> ramps;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::int64_t leading = i > 0 ? starts[i - 1] + tile - starts[i] : 0;
        const std::int64_t trailing = i + 1 < starts.size() ? starts[i] + tile - starts[i + 1] : 0;
        ramps.push_back(tileRamp(tile * factor, leading * factor, trailing * factor));
    }
    return ramps;
}

} // namespace

torch::Tensor AutoencoderKLImpl::decodeTiled(const torch::Tensor& z) {
    if (z.dim() != 4 || z.size(1) != config_.embedDim)
        throw std::runtime_error("VAE decode expects a latent [batch, " +
                                 std::to_string(config_.embedDim) + ", h, w]");
    const std::int64_t factor = std::int64_t{1} << (config_.chMult.size() - 1);
    const std::int64_t height = z.size(2);
    const std::int64_t width = z.size(3);
    const std::int64_t tileHeight = std::min(tiling.tileSide, height);
    const std::int64_t tileWidth = std::min(tiling.tileSide, width);
    const std::vector<std::int64_t> rows = tileStarts(height, tiling);
    const std::vector<std::int64_t> columns = tileStarts(width, tiling);
    const std::vector<torch::Tensor> rowRamps = axisRamps(rows, tileHeight, factor);
    const std::vector<torch::Tensor> columnRamps = axisRamps(columns, tileWidth, factor);
    const torch::ScalarType dtype = post_quant_conv->weight.scalar_type();
    const float inverseScale = static_cast<float>(1.0 / config_.scaleFactor);
    const std::vector<GroupNormNchwImpl*> norms = decoder->upperNorms();
    const auto setStatistics = [&](GroupStatistics statistics) {
        for (GroupNormNchwImpl* norm : norms)
            norm->statistics = statistics;
    };
    // Whatever leaves this function, the GroupNorms normalise with their own statistics again.
    struct OwnStatisticsOnExit {
        const std::vector<GroupNormNchwImpl*>& norms;
        ~OwnStatisticsOnExit() {
            for (GroupNormNchwImpl* norm : norms) {
                norm->statistics = GroupStatistics::Own;
                norm->keptMean = norm->keptInverseStd = torch::Tensor();
            }
        }
    } restore{norms};

    // A tile's context along one axis: its cells plus up to `margin` cells on each side.
    const auto contextBegin = [&](std::int64_t start) {
        return std::max<std::int64_t>(start - tiling.margin, 0);
    };
    const auto contextEnd = [&](std::int64_t start, std::int64_t tile, std::int64_t length) {
        return std::min(start + tile + tiling.margin, length);
    };
    const std::int64_t shrink = statisticsShrink(tiling, height, width);

    std::vector<torch::Tensor> images;
    for (std::int64_t b = 0; b < z.size(0); ++b) { // one image at a time
        const torch::Tensor scaled = castIfNeeded(z.narrow(0, b, 1), torch::kFloat) * inverseScale;
        const torch::Tensor middle =
            decoder->middle(post_quant_conv->forward(castIfNeeded(scaled, dtype)));

        // The statistics: one untiled pass over the whole image, shrunk as far as needed to
        // fit. Averaging keeps each channel's mean; what it loses is some variance of detail
        // finer than the shrink factor (docs/reliability.md, "Tiled VAE decode").
        const torch::Tensor shrunk =
            shrink > 1 ? torch::adaptive_avg_pool2d(middle, {(height + shrink - 1) / shrink,
                                                             (width + shrink - 1) / shrink})
                       : middle;
        setStatistics(GroupStatistics::Record);
        decoder->upper(shrunk);
        setStatistics(GroupStatistics::Apply);

        torch::Tensor sum = torch::zeros({config_.outChannels, height * factor, width * factor});
        torch::Tensor weight = torch::zeros({1, height * factor, width * factor});
        for (std::size_t r = 0; r < rows.size(); ++r) {
            for (std::size_t c = 0; c < columns.size(); ++c) {
                const std::int64_t top = contextBegin(rows[r]);
                const std::int64_t left = contextBegin(columns[c]);
                const torch::Tensor context =
                    decoder
                        ->upper(
                            middle.narrow(2, top, contextEnd(rows[r], tileHeight, height) - top)
                                .narrow(3, left, contextEnd(columns[c], tileWidth, width) - left))
                        .to(torch::kFloat)
                        .squeeze(0);
                const torch::Tensor pixels =
                    context.narrow(1, (rows[r] - top) * factor, tileHeight * factor)
                        .narrow(2, (columns[c] - left) * factor, tileWidth * factor);
                const torch::Tensor blend =
                    (rowRamps[r].unsqueeze(1) * columnRamps[c].unsqueeze(0)).unsqueeze(0);
                sum.narrow(1, rows[r] * factor, tileHeight * factor)
                    .narrow(2, columns[c] * factor, tileWidth * factor)
                    .add_(pixels * blend);
                weight.narrow(1, rows[r] * factor, tileHeight * factor)
                    .narrow(2, columns[c] * factor, tileWidth * factor)
                    .add_(blend);
            }
        }
        images.push_back(sum / weight);
    }
    return torch::stack(images).to(z.scalar_type());
}

VaeEncoding AutoencoderKLImpl::encode(const torch::Tensor& x) {
    const std::int64_t factor = std::int64_t{1} << (config_.chMult.size() - 1);
    if (x.dim() != 4 || x.size(1) != config_.inChannels || x.size(2) % factor != 0 ||
        x.size(3) % factor != 0)
        throw std::runtime_error("VAE encode expects an image [batch, " +
                                 std::to_string(config_.inChannels) +
                                 ", H, W] with H and W multiples of " + std::to_string(factor));
    const torch::ScalarType dtype = quant_conv->weight.scalar_type();
    const torch::Tensor moments = castIfNeeded(
        quant_conv->forward(encoder->forward(castIfNeeded(x, dtype))), x.scalar_type());
    const auto halves = moments.chunk(2, 1);
    VaeEncoding result;
    result.mean = halves[0];
    result.logvar = torch::clamp(halves[1], -30.0, 20.0);
    result.scaledLatent = result.mean * config_.scaleFactor;
    return result;
}

} // namespace deadiff::nn
