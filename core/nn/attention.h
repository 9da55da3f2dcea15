// Scaled dot-product attention shared by every network (CLIP text, ViT, Q-Former, UNet, VAE):
// softmax(q·kᵀ·scale + bias)·v, computed in query chunks so the score matrix never exceeds a
// memory budget (at 512 px the UNet's self-attention has 4096×4096 scores per head).
#pragma once

#include <torch/torch.h>

#include <optional>

namespace deadiff::nn {

// Which implementation computes it. Automatic takes a fused kernel where one applies
// (LibTorch >= 2.1's at::scaled_dot_product_attention; on 1.13 ours for bfloat16 inference on
// CPUs with AVX512-BF16, attention_bf16.h) and the math path elsewhere; DEADIFF_ATTENTION=math,
// fused or aten overrides that choice for the whole process (benchmarks, A/B runs). An explicit
// kernel that does not apply to the call falls back to the math path.
enum class AttentionKernel {
    Automatic,
    Math,      // query chunks of matmul → softmax → matmul; the only differentiable one
    FusedBf16, // attention_bf16.h
    ATen,      // at::scaled_dot_product_attention (LibTorch >= 2.1)
};

// The kernel Automatic resolves to for a bfloat16 inference call without bias on this machine
// and build (bench output, `deadiff version`).
AttentionKernel defaultAttentionKernel();
const char* attentionKernelName(AttentionKernel kernel);

struct AttentionOptions {
    // Multiplies q·kᵀ; 0 means 1/sqrt(head_dim).
    double scale = 0.0;
    // Added to the scores, broadcastable to [batch, heads, queries, keys] (e.g. a causal mask
    // of -inf above the diagonal, shape [queries, keys]).
    std::optional<torch::Tensor> bias;
    // Upper bound on score elements held at once (batch × heads × chunk × keys); 0 = unlimited.
    // With a limit, bfloat16 attention holds at most 2^22 (cache-sized chunks, attention.cpp).
    std::int64_t maxScoreElements = std::int64_t{1} << 26; // 256 MB of float32
    AttentionKernel kernel = AttentionKernel::Automatic;
};

// q: [batch, heads, queries, head_dim], k/v: [batch, heads, keys, head_dim] (v may have its own
// last dimension). Returns [batch, heads, queries, v_dim]. Softmax accumulates in float32 for
// reduced-precision inputs. Differentiable (no in-place ops on autograd paths).
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v,
                                        const AttentionOptions& options = {});

// Splits [batch, tokens, heads*head_dim] into [batch, heads, tokens, head_dim] and back.
torch::Tensor splitHeads(const torch::Tensor& x, std::int64_t heads);
torch::Tensor mergeHeads(const torch::Tensor& x);

} // namespace deadiff::nn
