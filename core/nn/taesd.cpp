#include "core/nn/taesd.h"
#include "core/nn/layers.h"

#include <stdexcept>
#include <string>

namespace deadiff::nn {
namespace {

torch::nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, bool bias = true) {
    return makeConv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(bias));
}

} // namespace

TaesdBlockImpl::TaesdBlockImpl(std::int64_t inChannels, std::int64_t outChannels) {
    conv = register_module(
        "conv", torch::nn::Sequential(conv3x3(inChannels, outChannels), torch::nn::ReLU(),
                                      conv3x3(outChannels, outChannels), torch::nn::ReLU(),
                                      conv3x3(outChannels, outChannels)));
    if (inChannels != outChannels)
        skip = register_module(
            "skip", makeConv2d(torch::nn::Conv2dOptions(inChannels, outChannels, 1).bias(false)));
}

torch::Tensor TaesdBlockImpl::forward(const torch::Tensor& x) {
    return torch::relu(conv->forward(x) + (skip ? skip->forward(x) : x));
}

TaesdDecoderImpl::TaesdDecoderImpl(TaesdConfig config)
    : config_(config) {
    const TaesdConfig& c = config_;
    if (c.latentChannels < 1 || c.channels < 1 || c.outChannels < 1 || c.blocksPerLevel < 0 ||
        c.upsamplings < 0 || c.finalBlocks < 0)
        throw std::runtime_error("TaesdConfig: sizes must be positive");
    // Upstream index 0 is the parameter-free clamp; every later layer keeps its index as name.
    const auto addConv = [&](torch::nn::Conv2d layer) {
        const std::string name = std::to_string(layers_.size() + 1);
        layers_.push_back({Kind::Conv, register_module(name, layer), nullptr});
    };
    const auto addBlocks = [&](std::int64_t count) {
        for (std::int64_t i = 0; i < count; ++i) {
            const std::string name = std::to_string(layers_.size() + 1);
            layers_.push_back(
                {Kind::Block, nullptr, register_module(name, TaesdBlock(c.channels, c.channels))});
        }
    };
    addConv(conv3x3(c.latentChannels, c.channels));
    layers_.push_back({Kind::Relu, nullptr, nullptr});
    for (std::int64_t level = 0; level < c.upsamplings; ++level) {
        addBlocks(c.blocksPerLevel);
        layers_.push_back({Kind::Upsample, nullptr, nullptr});
        addConv(conv3x3(c.channels, c.channels, /*bias=*/false));
    }
    addBlocks(c.finalBlocks);
    addConv(conv3x3(c.channels, c.outChannels));
}

torch::Tensor TaesdDecoderImpl::forward(const torch::Tensor& latent) {
    if (latent.dim() != 4 || latent.size(1) != config_.latentChannels)
        throw std::runtime_error("TAESD decoder input must be [batch, " +
                                 std::to_string(config_.latentChannels) + ", height, width]");
    const torch::ScalarType dtype = parameters().front().scalar_type();
    torch::Tensor h = latent.to(dtype);
    h = torch::tanh(h / 3) * 3;
    for (const Layer& layer : layers_) {
        switch (layer.kind) {
        case Kind::Conv:
            h = layer.conv->forward(h);
            break;
        case Kind::Relu:
            h = torch::relu(h);
            break;
        case Kind::Block:
            h = layer.block->forward(h);
            break;
        case Kind::Upsample:
            h = torch::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2});
            break;
        }
    }
    return h.to(latent.scalar_type());
}

} // namespace deadiff::nn
