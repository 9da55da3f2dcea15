// Group and layer normalisation of bfloat16 activations for inference (issue 27, point 2), on
// CPUs with AVX-512: statistics and arithmetic in float32 (sums in double), one rounding to
// bfloat16 at the end, and what the UNet and VAE do next folded into the same pass: SiLU, and
// (ResBlocks) the timestep embedding's per-channel shift, added before normalising. LibTorch
// 1.13's bf16 norms are slow and inaccurate, so the modules (unet_blocks.h) normalised a float32
// copy and rounded it back, then ran SiLU: five passes over the activation and float32
// temporaries, where these kernels read it twice from memory (the third read hits the cache)
// and write it once. GEGLU's gate (the feed-forward's one elementwise step) is here too, under
// the same switch.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

// Whether the kernels of this file (norms and GEGLU) run: on this CPU (AVX-512 F), unless
// switched off for the process by DEADIFF_FUSED_NORMS=0 (for A/B measurements) or by
// setFusedNormsEnabled(false).
bool fusedNormsEnabled();

// Switches the kernels off (false) or back on where the CPU has them (true), for tests that
// compare them with the float32 route. Returns the previous state.
bool setFusedNormsEnabled(bool enabled);

// Whether the VAE decoder runs its activations channels-last (NHWC): bfloat16 inference without
// grad where these kernels run, unless DEADIFF_CHANNELS_LAST=0. oneDNN's convolutions then keep
// that layout and skip reordering their input (the 512 px decode's convolutions 11-15 % faster),
// and the group norm normalises it as it is (LibTorch's would convert it back at every norm).
// The UNet measured the same either way within noise, and stays NCHW.
bool channelsLastPays(const torch::Tensor& x);
// The switch part of it: fusedNormsEnabled() and not DEADIFF_CHANNELS_LAST=0.
bool channelsLastEnabled();

// Whether groupNormBf16 takes these: `x` bfloat16 on the CPU with at least 2 dims [N, C, ...] and
// C divisible by `groups`; weight/bias (either may be undefined) [C]; `channelShift` undefined or
// [N, C]; no gradient needed from any of them; and fusedNormsEnabled().
bool groupNormBf16Applies(const torch::Tensor& x, std::int64_t groups, const torch::Tensor& weight,
                          const torch::Tensor& bias, const torch::Tensor& channelShift = {});

// GroupNorm(x + channelShift[n, c]) · weight + bias, then SiLU when `silu`; bfloat16. A
// channels-last 4-d input with C a multiple of 16 is normalised in place of its layout and gives
// a channels-last result; anything else gives a contiguous (NCHW) one. Two-pass statistics (mean,
// then centred squares), as exact as the float32 route.
torch::Tensor groupNormBf16(const torch::Tensor& x, std::int64_t groups,
                            const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                            bool silu, const torch::Tensor& channelShift = {});

// Whether layerNormBf16 takes these: bfloat16 on the CPU, normalised over the last axis only,
// weight/bias (either may be undefined) of its size, no gradient needed, fusedNormsEnabled().
bool layerNormBf16Applies(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias);

// LayerNorm over the last axis, bfloat16 in and out, contiguous.
torch::Tensor layerNormBf16(const torch::Tensor& x, const torch::Tensor& weight,
                            const torch::Tensor& bias, double eps);

// GEGLU's gate, the feed-forward's elementwise step: [..., 2·n] = [a | g] -> a · gelu_erf(g),
// [..., n], computed in float32 and rounded once (LibTorch: a strided-half copy, GELU and the
// product, each rounded to bf16). Applies like the norms: bfloat16 on the CPU, an even last axis,
// no gradient needed, fusedNormsEnabled().
bool gegluBf16Applies(const torch::Tensor& projected);
torch::Tensor gegluBf16(const torch::Tensor& projected);

} // namespace deadiff::nn
