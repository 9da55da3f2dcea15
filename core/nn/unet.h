// The SD 1.5 UNet with DEADiff's disentangled conditioning (`HierarchicalUNetModel`,
// spec §2): every cross-attention attends to text and image tokens jointly; the 16 spatial
// transformers, numbered in forward order, read the content context in `contentLayers` and
// the style context elsewhere. Module names equal the checkpoint keys under
// `model.diffusion_model.`.
#pragma once

#include "core/nn/unet_blocks.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::nn {

inline constexpr const char* kUNetPrefix = "model.diffusion_model.";

struct UNetConfig {
    std::int64_t inChannels = 4;
    std::int64_t outChannels = 4;
    std::int64_t modelChannels = 320;
    std::vector<std::int64_t> channelMult{1, 2, 4, 4};
    std::int64_t numResBlocks = 2;
    // Downsampling factors (1 = full latent resolution) that get spatial transformers.
    std::vector<std::int64_t> attentionResolutions{4, 2, 1};
    std::int64_t numHeads = 8; // head dim = channels / numHeads
    std::int64_t transformerDepth = 1;
    std::int64_t contextDim = 768;
    // Spatial transformer indices (forward order) that read the content context.
    std::vector<std::int64_t> contentLayers{4, 5, 6, 7, 8};
    std::int64_t imageTokens = 16;
    double dropout = 0.0;
    // DEADiff's joint text-image cross-attention (attn2.i_to_k/i_to_v). False: plain SD 1.5
    // (CompVis UNetModel): every cross-attention reads the text alone, and the contexts' image
    // tokens must be absent (undefined).
    bool imageCrossAttention = true;
};

// Contexts of one UNet call, each [B, tokens, contextDim]. Under classifier-free guidance the
// batch holds the unconditional rows first. An unused image branch is zeros, never absent,
// except in a plain SD UNet (UNetConfig::imageCrossAttention false), which takes none.
struct UNetContext {
    torch::Tensor styleImage;
    torch::Tensor styleText;
    torch::Tensor contentImage;
    torch::Tensor contentText;
    double imageWeight = 1.0;
    // Per spatial transformer (forward order), the weight of its image keys and values in place
    // of imageWeight (per-layer style/content strengths); empty: imageWeight in every layer.
    std::vector<double> layerImageWeights = {};
    // Optional cross-attention keys/values of these contexts, one set per spatial transformer
    // (forward order), made by UNetModelImpl::projectContext for this model in its current
    // dtype. With them, forward() skips the to_k/to_v/i_to_k/i_to_v projections (the contexts
    // above must still be given: they are validated). Dropped by concat().
    std::shared_ptr<const std::vector<std::vector<ContextKeysValues>>> projected = nullptr;

    // Row-wise concatenation [first; second] (e.g. unconditional then conditional).
    static UNetContext concat(const UNetContext& first, const UNetContext& second);
    // The image weight spatial transformer `layer` applies.
    double imageWeightAt(std::int64_t layer) const;
};

// Called with "time_emb", "input_blocks.N", "middle_block", "output_blocks.N" and
// "spatial_transformer.N" (the n-th spatial transformer's output) as they are computed.
using UNetObserver = std::function<void(const std::string& name, const torch::Tensor& value)>;

// An input/middle/output block: a sequence of ResBlock / SpatialTransformer / Downsample /
// Upsample / Conv2d layers registered as "0", "1", ... (LDM's TimestepEmbedSequential).
struct UNetBlockImpl : torch::nn::Module {
    enum class Kind { Conv, Res, Transformer, Down, Up };
    struct Layer {
        Kind kind;
        std::shared_ptr<torch::nn::Conv2dImpl> conv;
        std::shared_ptr<ResBlockImpl> res;
        std::shared_ptr<SpatialTransformerImpl> transformer;
        std::shared_ptr<DownsampleImpl> down;
        std::shared_ptr<UpsampleImpl> up;
    };

    void add(torch::nn::Conv2d layer);
    void add(ResBlock layer);
    void add(SpatialTransformer layer);
    void add(Downsample layer);
    void add(Upsample layer);

    // `contextFor(n)` gives the context of the n-th spatial transformer of the whole UNet;
    // `transformerIndex` counts them across blocks.
    torch::Tensor forward(torch::Tensor h, const torch::Tensor& emb,
                          const std::function<CrossAttentionContext(std::int64_t)>& contextFor,
                          std::int64_t& transformerIndex, const UNetObserver* observer);

    std::vector<Layer> layers;

private:
    std::string nextName() const { return std::to_string(layers.size()); }
};
TORCH_MODULE(UNetBlock);

// The encoder half of the UNet: conv_in and the input blocks, then the middle block, built by
// one loop for the UNet and for the ControlNet's copy of it (LDM openaimodel.py and cldm.py
// build them alike: same names, same shapes). `imageCrossAttention` false gives plain SD
// cross-attention (no i_to_k/i_to_v). The caller registers the modules under its names.
struct UNetEncoderParts {
    torch::nn::ModuleList inputBlocks{nullptr};
    UNetBlock middleBlock{nullptr};
    std::vector<std::int64_t> blockChannels; // output channels of each input block
    std::int64_t downsampling = 1;           // latent size / middle block size
    std::int64_t transformerCount = 0;       // spatial transformers in inputs and middle
};
UNetEncoderParts buildUNetEncoder(const UNetConfig& config, bool imageCrossAttention = true);

// DeepCache (Ma et al., CVPR 2024): the deep features of the UNet change slowly from one sampler
// step to the next, so a call may reuse those of an earlier call and run only the shallow branch:
// the first `shallowBlocks` input blocks and the last `shallowBlocks` output blocks (with the
// fresh skips) and `out`. One cache per call site whose batch keeps its meaning across steps
// (e.g. the guidance batch). A full call records; a reusing call falls back to a full one (and
// records) when nothing fits its batch and size.
struct UNetDeepCache {
    std::int64_t shallowBlocks = 1; // DeepCache's shallowest branch for SD: conv_in, last block
    bool reuse = false;             // this call: reuse `deep` when it fits
    torch::Tensor deep;             // what entered output block (count - shallowBlocks)
    std::int64_t reusedCalls = 0;   // calls that reused `deep` (tests, benchmarks)
};

struct UNetModelImpl : torch::nn::Module {
    explicit UNetModelImpl(UNetConfig config = {});

    // x [B, in, H, W] (H, W multiples of 2^(levels-1)), timesteps [B] (or one element, broadcast).
    // `control`: optional ControlNet residuals, one per input block plus the middle block (13
    // for SD 1.5), added to the skips and the middle output (spec §7).
    // Runs in the dtype of the weights; returns eps in x's dtype.
    // `deepCache`: see UNetDeepCache; never together with `control` (a reusing call would add
    // residuals to features they were not made for: refused).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps,
                          const UNetContext& context,
                          const std::vector<torch::Tensor>& control = {},
                          const UNetObserver& observer = nullptr,
                          UNetDeepCache* deepCache = nullptr);

    // `context` with its cross-attention keys/values projected once (UNetContext::projected),
    // for a sampler that calls forward() many times with the same contexts. Same results as
    // projecting in every call; runs in the weights' dtype, so call it after any to(dtype).
    UNetContext projectContext(const UNetContext& context);

    const UNetConfig& config() const { return config_; }
    // Number of spatial transformers (16 for SD 1.5).
    std::int64_t transformerCount() const { return transformerCount_; }
    bool isContentLayer(std::int64_t transformerIndex) const;

    torch::nn::Sequential time_embed{nullptr}; // 0 Linear, 1 SiLU, 2 Linear
    torch::nn::ModuleList input_blocks{nullptr};
    UNetBlock middle_block{nullptr};
    torch::nn::ModuleList output_blocks{nullptr};
    torch::nn::Sequential out{nullptr}; // 0 GroupNorm, 1 SiLU, 2 Conv2d

private:
    // Throws naming a context that is missing, mis-shaped or (plain SD) not allowed.
    void requireContexts(const UNetContext& context, std::int64_t batch) const;
    // The spatial transformers in forward order.
    std::vector<std::shared_ptr<SpatialTransformerImpl>> transformers() const;
    // Spatial transformers before output block `block` (the forward-order index of its first).
    std::int64_t transformersBeforeOutputBlock(std::size_t block) const;
    // Throws when the context names per-layer weights for another number of layers.
    void checkLayerWeights(const UNetContext& context) const;

    UNetConfig config_;
    std::int64_t transformerCount_ = 0;
};
TORCH_MODULE(UNetModel);

} // namespace deadiff::nn
