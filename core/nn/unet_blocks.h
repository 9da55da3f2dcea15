// Building blocks of the SD 1.5 / DEADiff UNet (LDM openaimodel.py and DEADiff new_attention.py).
// Submodule names are the checkpoint's names under `model.diffusion_model.`, so the weights
// load without a key map.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace deadiff::nn {

// [cos(t·f_i), sin(t·f_i)] with f_i = exp(-ln(10000)·i/half), cosine half first (LDM
// util.py timestep_embedding). `timesteps` [B] (any numeric dtype) -> [B, dim] float32.
torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, std::int64_t dim,
                                double maxPeriod = 10000.0);

// bfloat16 / float16: LibTorch 1.13's CPU GroupNorm and LayerNorm kernels take a slow path on
// them (bf16 [2, 4096, 320] LayerNorm 7.9 ms, [2, 320, 64, 64] GroupNorm 7.1 ms; converting to
// float32, normalising and rounding back: 0.9 ms each), so those inputs are normalised in
// float32, which is also the more accurate result. float32 and float64 use the kernel as is.
bool normalisesInFloat(const torch::Tensor& x);

// GroupNorm that hands the kernel an NCHW-contiguous tensor: oneDNN's bfloat16 convolutions
// may return channels-last tensors, and LibTorch 1.13's CPU GroupNorm is badly inaccurate on
// channels-last bfloat16 input (11 % rms error measured on the oracle UNet; 0.5 % contiguous).
// Reduced-precision input is normalised in float32 (normalisesInFloat).
// Without grad, the float32 copies are made a slice of groups at a time, each at most
// `maxFloatElements`: the VAE decoder's [1, 256, 512, 512] GroupNorm would otherwise hold
// 0.5 GiB of float32 temporaries at the peak of a 512 px generation.
//
// The tiled VAE decode normalises every tile with statistics of the whole image rather than of
// the tile (a tile's own mean and variance differ from the image's, which shows as a different
// brightness and contrast per tile): `Record` keeps the per-(sample, group) mean and 1/std of
// what it normalises, `Apply` normalises with the kept ones instead of the input's own.
enum class GroupStatistics { Own, Record, Apply };

//
// bfloat16 inference on CPUs with AVX-512 with the module's own statistics takes the fused kernel
// (norm_bf16.h) instead; `forwardThenSiLU` folds the SiLU that follows every ResBlock norm, and
// the timestep embedding added before it, into that pass.
struct GroupNormNchwImpl : torch::nn::GroupNormImpl {
    using torch::nn::GroupNormImpl::GroupNormImpl;
    torch::Tensor forward(const torch::Tensor& x);
    // silu(forward(x + channelShift[n, c])); `channelShift` [N, C] or undefined.
    torch::Tensor forwardThenSiLU(const torch::Tensor& x, const torch::Tensor& channelShift = {});
    std::int64_t maxFloatElements = std::int64_t{1} << 23; // 32 MiB of float32
    GroupStatistics statistics = GroupStatistics::Own;
    torch::Tensor keptMean, keptInverseStd; // [batch, groups] float32, from the last Record

private:
    torch::Tensor normaliseWithKept(const torch::Tensor& x) const;
};
TORCH_MODULE(GroupNormNchw);

// LayerNorm that normalises reduced-precision input in float32 (normalisesInFloat).
struct LayerNormFloatImpl : torch::nn::LayerNormImpl {
    using torch::nn::LayerNormImpl::LayerNormImpl;
    torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(LayerNormFloat);

// ResBlock without scale-shift norm: GN32 -> SiLU -> conv3x3, + Linear(SiLU(emb)),
// GN32 -> SiLU -> (dropout) -> conv3x3, plus identity or 1x1-conv skip.
struct ResBlockImpl : torch::nn::Module {
    ResBlockImpl(std::int64_t channels, std::int64_t embChannels, std::int64_t outChannels,
                 double dropout = 0.0);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);

    torch::nn::Sequential in_layers{nullptr};   // 0 GroupNorm, 1 SiLU, 2 Conv2d
    torch::nn::Sequential emb_layers{nullptr};  // 0 SiLU, 1 Linear
    torch::nn::Sequential out_layers{nullptr};  // 0 GroupNorm, 1 SiLU, 2 Dropout, 3 Conv2d
    torch::nn::Conv2d skip_connection{nullptr}; // null: identity
};
TORCH_MODULE(ResBlock);

// Stride-2 conv3x3 with padding 1 (`op`).
struct DownsampleImpl : torch::nn::Module {
    DownsampleImpl(std::int64_t channels, std::int64_t outChannels);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d op{nullptr};
};
TORCH_MODULE(Downsample);

// Nearest-neighbour x2, then conv3x3 (`conv`).
struct UpsampleImpl : torch::nn::Module {
    UpsampleImpl(std::int64_t channels, std::int64_t outChannels);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

// Plain multi-head self-attention (attn1): to_q/to_k/to_v without bias, to_out.0 with bias.
struct SelfAttentionImpl : torch::nn::Module {
    SelfAttentionImpl(std::int64_t dim, std::int64_t heads, std::int64_t headDim,
                      double dropout = 0.0);
    torch::Tensor forward(const torch::Tensor& x);

    std::int64_t heads;
    torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::Sequential to_out{nullptr}; // 0 Linear, 1 Dropout
};
TORCH_MODULE(SelfAttention);

// Keys and values of one cross-attention layer, [B, Nt+Ni, inner], text tokens first.
struct ContextKeysValues {
    torch::Tensor keys;
    torch::Tensor values;
};

// One cross-attention layer's context: image tokens [B, Ni, ctx] (16 from a Q-Former, zeros
// when a branch is unused) and text tokens [B, Nt, ctx] (77 from CLIP), plus the image weight.
struct CrossAttentionContext {
    torch::Tensor image;
    torch::Tensor text;
    double imageWeight = 1.0;
    // Optional: the keys/values of this context already projected by each transformer block of
    // the spatial transformer that reads it (one entry per block, in order; see
    // SpatialTransformerImpl::projectContext). A sampler's contexts do not change between
    // steps, so the pipeline projects them once per generation. Null: project every call.
    const std::vector<ContextKeysValues>* projected = nullptr;
};

// DEADiff's joint text-image cross-attention (attn2):
//   k = cat(to_k(text), w·i_to_k(image)), v = cat(to_v(text), w·i_to_v(image))
// along the token axis, text first. Zero image tokens stay real keys (logit 0, value 0), so
// w = 0 is not plain SD. With `imageProjections` false it is SD's plain CrossAttention (no
// i_to_k/i_to_v; k = to_k(text), v = to_v(text)), as in the ControlNet's copy of the encoder;
// the context's image tokens must then be absent (undefined).
struct DualCrossAttentionImpl : torch::nn::Module {
    DualCrossAttentionImpl(std::int64_t queryDim, std::int64_t contextDim, std::int64_t heads,
                           std::int64_t headDim, double dropout = 0.0,
                           bool imageProjections = true);
    // The keys/values depend only on the context: a sampler may compute them once.
    ContextKeysValues projectContext(const CrossAttentionContext& context);
    torch::Tensor attend(const torch::Tensor& x, const ContextKeysValues& keysValues);
    torch::Tensor forward(const torch::Tensor& x, const CrossAttentionContext& context);

    std::int64_t heads;
    torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::Linear i_to_k{nullptr}, i_to_v{nullptr}; // null in plain SD attention
    torch::nn::Sequential to_out{nullptr};
};
TORCH_MODULE(DualCrossAttention);

// Linear to 2×inner, split [a | g], a·gelu_erf(g).
struct GEGLUImpl : torch::nn::Module {
    GEGLUImpl(std::int64_t dimIn, std::int64_t dimOut);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

// x += attn1(LN1 x); x += attn2(LN2 x, ctx); x += FF(LN3 x), FF = GEGLU(4×) -> Linear.
struct BasicTransformerBlockImpl : torch::nn::Module {
    BasicTransformerBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t headDim,
                              std::int64_t contextDim, double dropout = 0.0,
                              bool imageProjections = true);
    // `projected`: this block's precomputed attn2 keys/values (then `context` is not read).
    torch::Tensor forward(const torch::Tensor& x, const CrossAttentionContext& context,
                          const ContextKeysValues* projected = nullptr);

    SelfAttention attn1{nullptr};
    DualCrossAttention attn2{nullptr};
    torch::nn::Sequential ff{nullptr}; // registered as "ff.net": 0 GEGLU, 1 Dropout, 2 Linear
    LayerNormFloat norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

// GroupNorm(32, eps 1e-6) -> conv1x1 proj_in -> tokens -> transformer blocks -> conv1x1
// proj_out, plus the input. `imageProjections`: see DualCrossAttention.
struct SpatialTransformerImpl : torch::nn::Module {
    SpatialTransformerImpl(std::int64_t channels, std::int64_t heads, std::int64_t headDim,
                           std::int64_t depth, std::int64_t contextDim, double dropout = 0.0,
                           bool imageProjections = true);
    torch::Tensor forward(const torch::Tensor& x, const CrossAttentionContext& context);
    // Every block's attn2 keys/values for `context`, for CrossAttentionContext::projected.
    std::vector<ContextKeysValues> projectContext(const CrossAttentionContext& context);

    GroupNormNchw norm{nullptr};
    torch::nn::Conv2d proj_in{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};
    torch::nn::Conv2d proj_out{nullptr};
};
TORCH_MODULE(SpatialTransformer);

} // namespace deadiff::nn
