#include "core/nn/controlnet.h"
#include "core/nn/layers.h"

#include <sstream>
#include <stdexcept>

namespace deadiff::nn {
namespace {

torch::Tensor castIfNeeded(const torch::Tensor& tensor, torch::ScalarType dtype) {
    return tensor.scalar_type() == dtype ? tensor : tensor.to(dtype);
}

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel,
                       std::int64_t stride = 1) {
    return makeConv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

std::string shapeText(const torch::Tensor& tensor) {
    std::ostringstream text;
    text << tensor.sizes();
    return text.str();
}

std::string listText(const std::vector<std::int64_t>& values) {
    std::string text = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
        text += (i ? ", " : "") + std::to_string(values[i]);
    return text + "]";
}

// The UNet's own size, in the words describeControlNetSize uses for a ControlNet.
std::string describeUNetSize(const UNetConfig& u) {
    return std::to_string(u.modelChannels) + " channels, channel_mult " + listText(u.channelMult) +
           ", " + std::to_string(u.numResBlocks) + " res blocks per level, context " +
           std::to_string(u.contextDim) + ", " + std::to_string(u.inChannels) + " latent channels";
}

} // namespace

ControlNetModelImpl::ControlNetModelImpl(ControlNetConfig config)
    : config_(std::move(config)) {
    const UNetConfig& c = config_.unet;
    if (config_.hintWidths.empty() || config_.hintChannels < 1)
        throw std::runtime_error("ControlNetConfig: hintWidths must be non-empty and "
                                 "hintChannels positive");
    const std::int64_t timeDim = c.modelChannels * 4;
    // Registration order as cldm.py's constructor: time_embed, input_hint_block, input_blocks
    // with their zero convs, middle_block, middle_block_out.
    time_embed = register_module(
        "time_embed",
        torch::nn::Sequential(makeLinear(torch::nn::LinearOptions(c.modelChannels, timeDim)),
                              torch::nn::SiLU(),
                              makeLinear(torch::nn::LinearOptions(timeDim, timeDim))));

    input_hint_block = torch::nn::Sequential();
    const std::vector<std::int64_t>& widths = config_.hintWidths;
    input_hint_block->push_back(conv(config_.hintChannels, widths[0], 3));
    for (std::size_t i = 1; i < widths.size(); ++i) {
        input_hint_block->push_back(torch::nn::SiLU());
        input_hint_block->push_back(conv(widths[i - 1], widths[i - 1], 3));
        input_hint_block->push_back(torch::nn::SiLU());
        input_hint_block->push_back(conv(widths[i - 1], widths[i], 3, 2));
    }
    input_hint_block->push_back(torch::nn::SiLU());
    input_hint_block->push_back(conv(widths.back(), c.modelChannels, 3));
    register_module("input_hint_block", input_hint_block);

    UNetEncoderParts encoder = buildUNetEncoder(c, /*imageCrossAttention=*/false);
    input_blocks = register_module("input_blocks", encoder.inputBlocks);
    zero_convs = register_module("zero_convs", torch::nn::ModuleList());
    for (const std::int64_t channels : encoder.blockChannels)
        zero_convs->push_back(torch::nn::Sequential(conv(channels, channels, 1)));
    middle_block = register_module("middle_block", encoder.middleBlock);
    const std::int64_t middleChannels = encoder.blockChannels.back();
    middle_block_out = register_module(
        "middle_block_out", torch::nn::Sequential(conv(middleChannels, middleChannels, 1)));
}

std::int64_t ControlNetModelImpl::hintDownsampling() const {
    return std::int64_t{1} << (config_.hintWidths.size() - 1);
}

std::vector<torch::Tensor> ControlNetModelImpl::forward(const torch::Tensor& x,
                                                        const torch::Tensor& hint,
                                                        const torch::Tensor& timesteps,
                                                        const torch::Tensor& context,
                                                        const UNetObserver& observer) {
    const UNetConfig& c = config_.unet;
    if (x.dim() != 4 || x.size(1) != c.inChannels)
        throw std::runtime_error("ControlNet input must be [batch, " +
                                 std::to_string(c.inChannels) + ", height, width], got " +
                                 shapeText(x));
    const std::int64_t batch = x.size(0);
    const std::int64_t f = hintDownsampling();
    if (hint.dim() != 4 || hint.size(1) != config_.hintChannels ||
        (hint.size(0) != 1 && hint.size(0) != batch) || hint.size(2) != x.size(2) * f ||
        hint.size(3) != x.size(3) * f)
        throw std::runtime_error("ControlNet hint must be [1 or " + std::to_string(batch) + ", " +
                                 std::to_string(config_.hintChannels) + ", " +
                                 std::to_string(x.size(2) * f) + ", " +
                                 std::to_string(x.size(3) * f) + "] (" + std::to_string(f) +
                                 "x the latent), got " + shapeText(hint));
    if (!context.defined() || context.dim() != 3 || context.size(0) != batch ||
        context.size(2) != c.contextDim)
        throw std::runtime_error("ControlNet context must be [" + std::to_string(batch) +
                                 ", tokens, " + std::to_string(c.contextDim) + "], got " +
                                 (context.defined() ? shapeText(context) : "none"));

    const torch::ScalarType dtype = middle_block_out->parameters().front().scalar_type();
    torch::Tensor steps = timesteps.reshape({-1});
    if (steps.size(0) == 1 && batch != 1)
        steps = steps.expand({batch});
    if (steps.size(0) != batch)
        throw std::runtime_error("ControlNet timesteps: got " + std::to_string(steps.size(0)) +
                                 " values for a batch of " + std::to_string(batch));
    const torch::Tensor emb =
        time_embed->forward(castIfNeeded(timestepEmbedding(steps, c.modelChannels), dtype));
    if (observer)
        observer("time_emb", emb);
    torch::Tensor guidedHint = input_hint_block->forward(castIfNeeded(hint, dtype));
    if (observer)
        observer("guided_hint", guidedHint);

    // Every spatial transformer reads the plain text context: no image tokens.
    const CrossAttentionContext text{torch::Tensor(), castIfNeeded(context, dtype), 1.0};
    const auto contextFor = [&](std::int64_t) { return text; };
    std::int64_t transformerIndex = 0;
    std::vector<torch::Tensor> residuals;
    residuals.reserve(input_blocks->size() + 1);
    torch::Tensor h = castIfNeeded(x, dtype);
    for (std::size_t i = 0; i < input_blocks->size(); ++i) {
        h = input_blocks[i]->as<UNetBlock>()->forward(h, emb, contextFor, transformerIndex,
                                                      nullptr);
        if (i == 0) // cldm.py forward: the hint joins after conv_in, and only there
            h = h + guidedHint;
        residuals.push_back(zero_convs[i]->as<torch::nn::Sequential>()->forward(h));
    }
    h = middle_block->forward(h, emb, contextFor, transformerIndex, nullptr);
    residuals.push_back(middle_block_out->forward(h));
    return residuals;
}

ControlNetLayout detectControlNetLayout(const TensorMap& tensors, const std::string& path) {
    const auto has = [&](const std::string& key) { return tensors.count(key) != 0; };
    if (has("control_model.input_hint_block.0.weight"))
        return {"control_model.", has("model.diffusion_model.input_blocks.0.0.weight")
                                      ? "ControlNet v1.0 (control_model.* next to SD weights)"
                                      : "ControlNet (control_model.* keys)"};
    if (has("input_hint_block.0.weight"))
        return {"", "ControlNet (bare keys)"};
    if (has("controlnet_cond_embedding.conv_in.weight"))
        throw std::runtime_error(
            path + " is a ControlNet in the diffusers layout (controlnet_cond_embedding.*), "
                   "which is not supported; use the original file (control_sd15_depth.pth or "
                   "control_v11f1p_sd15_depth.pth, keys control_model.*)");
    if (has("model.diffusion_model.input_blocks.0.0.weight"))
        throw std::runtime_error(path + " is a Stable Diffusion/DEADiff checkpoint, not a "
                                        "ControlNet (no control_model.input_hint_block.*); "
                                        "choose it as the model and a ControlNet depth file "
                                        "(control_sd15_depth.pth) as the ControlNet");
    throw std::runtime_error(path + " is not a ControlNet checkpoint: it has no "
                                    "control_model.input_hint_block.0.weight");
}

void loadControlNet(ControlNetModelImpl& model, const TensorMap& tensors, const std::string& path) {
    const ControlNetLayout layout = detectControlNetLayout(tensors, path);
    try {
        loadStateDict(model, tensors, layout.prefix);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(path + " does not fit the SD 1.5 ControlNet (" +
                                 layout.description + "): " + error.what());
    }
}

ControlNetConfig controlNetConfigFromTensors(const TensorMap& tensors,
                                             const ControlNetLayout& layout, std::int64_t numHeads,
                                             const std::string& path) {
    const std::string& prefix = layout.prefix;
    const auto find = [&](const std::string& key) -> const torch::Tensor* {
        const auto it = tensors.find(prefix + key);
        return it == tensors.end() ? nullptr : &it->second;
    };
    const auto notAControlNet = [&](const std::string& why) {
        return std::runtime_error(path + " is not a ControlNet of the SD 1.5 architecture: " + why);
    };
    const auto require = [&](const std::string& key, std::int64_t dims) -> const torch::Tensor& {
        const torch::Tensor* tensor = find(key);
        if (tensor == nullptr)
            throw notAControlNet(prefix + key + " is missing");
        if (tensor->dim() != dims)
            throw notAControlNet(prefix + key + " has shape " + shapeText(*tensor) + ", not " +
                                 std::to_string(dims) + " dimensions");
        return *tensor;
    };

    ControlNetConfig config;
    UNetConfig& u = config.unet;
    // input_hint_block: convolutions at the even indices (SiLU between); see ControlNetConfig.
    std::vector<std::int64_t> convWidths;
    for (int j = 0; find("input_hint_block." + std::to_string(2 * j) + ".weight"); ++j) {
        const torch::Tensor& weight =
            require("input_hint_block." + std::to_string(2 * j) + ".weight", 4);
        if (j == 0)
            config.hintChannels = weight.size(1);
        convWidths.push_back(weight.size(0));
    }
    if (convWidths.size() < 2 || convWidths.size() % 2 != 0)
        throw notAControlNet("input_hint_block has " + std::to_string(convWidths.size()) +
                             " convolutions, expected an even number of at least 2");
    config.hintWidths.clear();
    for (std::size_t i = 0; i + 1 < convWidths.size(); i += 2)
        config.hintWidths.push_back(convWidths[i]);

    const torch::Tensor& convIn = require("input_blocks.0.0.weight", 4);
    u.inChannels = convIn.size(1);
    u.modelChannels = convIn.size(0);
    if (convWidths.back() != u.modelChannels)
        throw notAControlNet("the hint encoder ends at " + std::to_string(convWidths.back()) +
                             " channels but the encoder starts at " +
                             std::to_string(u.modelChannels));

    // Levels: residual blocks (ResBlock, maybe a spatial transformer) until a Downsample.
    u.channelMult.clear();
    u.attentionResolutions.clear();
    u.numResBlocks = 0;
    std::int64_t block = 1, downsampling = 1;
    const auto key = [&](const std::string& rest) {
        return "input_blocks." + std::to_string(block) + "." + rest;
    };
    for (;;) {
        std::int64_t resBlocks = 0, width = 0;
        bool attention = false;
        while (find(key("0.in_layers.2.weight"))) {
            width = require(key("0.in_layers.2.weight"), 4).size(0);
            attention = attention || find(key("1.proj_in.weight")) != nullptr;
            ++resBlocks;
            ++block;
        }
        if (resBlocks == 0)
            break;
        if (width % u.modelChannels != 0)
            throw notAControlNet("a level has " + std::to_string(width) +
                                 " channels, not a multiple of " + std::to_string(u.modelChannels));
        if (u.numResBlocks != 0 && resBlocks != u.numResBlocks)
            throw notAControlNet("its levels hold different numbers of res blocks");
        u.numResBlocks = resBlocks;
        u.channelMult.push_back(width / u.modelChannels);
        if (attention)
            u.attentionResolutions.push_back(downsampling);
        if (!find(key("0.op.weight")))
            break;
        ++block;
        downsampling *= 2;
    }
    if (u.channelMult.empty())
        throw notAControlNet("input_blocks.1 is not a res block");

    u.transformerDepth = 0;
    while (find("middle_block.1.transformer_blocks." + std::to_string(u.transformerDepth) +
                ".attn1.to_q.weight"))
        ++u.transformerDepth;
    if (u.transformerDepth == 0)
        throw notAControlNet("middle_block.1 is not a spatial transformer");
    u.contextDim = require("middle_block.1.transformer_blocks.0.attn2.to_k.weight", 2).size(1);
    u.numHeads = numHeads;
    return config;
}

std::string describeControlNetSize(const ControlNetConfig& config) {
    const std::int64_t hintFactor = std::int64_t{1} << (config.hintWidths.size() - 1);
    return describeUNetSize(config.unet) + ", hint 1/" + std::to_string(hintFactor);
}

void checkControlNetFits(const ControlNetConfig& control, const UNetConfig& unet,
                         std::int64_t latentFactor, const std::string& path) {
    const UNetConfig& c = control.unet;
    const std::int64_t hintFactor = std::int64_t{1} << (control.hintWidths.size() - 1);
    const bool fits = c.inChannels == unet.inChannels && c.modelChannels == unet.modelChannels &&
                      c.channelMult == unet.channelMult && c.numResBlocks == unet.numResBlocks &&
                      c.contextDim == unet.contextDim && hintFactor == latentFactor;
    if (!fits)
        throw std::runtime_error(path + " does not fit this model: the ControlNet has " +
                                 describeControlNetSize(control) + "; the model's UNet has " +
                                 describeUNetSize(unet) + ", latents 1/" +
                                 std::to_string(latentFactor) + " of the image");
}

ControlNetModel loadControlNetFor(const TensorMap& tensors, const UNetConfig& unet,
                                  std::int64_t latentFactor, const std::string& path) {
    const ControlNetLayout layout = detectControlNetLayout(tensors, path);
    const ControlNetConfig config =
        controlNetConfigFromTensors(tensors, layout, unet.numHeads, path);
    checkControlNetFits(config, unet, latentFactor, path);
    ControlNetModel control = [&] {
        const WeightsFromFile fromFile; // loadControlNet sets every parameter, or throws
        return ControlNetModel(config);
    }();
    loadControlNet(*control, tensors, path);
    control->eval();
    return control;
}

} // namespace deadiff::nn
