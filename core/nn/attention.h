// Scaled dot-product attention shared by every network (CLIP text, ViT, Q-Former, UNet, VAE):
// softmax(q·kᵀ·scale + bias)·v, computed in query chunks so the score matrix never exceeds a
// memory budget (at 512 px the UNet's self-attention has 4096×4096 scores per head).
#pragma once

#include <torch/torch.h>

#include <optional>

namespace deadiff::nn {

struct AttentionOptions {
    // Multiplies q·kᵀ; 0 means 1/sqrt(head_dim).
    double scale = 0.0;
    // Added to the scores, broadcastable to [batch, heads, queries, keys] (e.g. a causal mask
    // of -inf above the diagonal, shape [queries, keys]).
    std::optional<torch::Tensor> bias;
    // Upper bound on score elements held at once (batch × heads × chunk × keys); 0 = unlimited.
    // With a limit, bfloat16 attention holds at most 2^22 (cache-sized chunks, attention.cpp).
    std::int64_t maxScoreElements = std::int64_t{1} << 26; // 256 MB of float32
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
