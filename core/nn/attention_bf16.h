// A fused bfloat16 attention for CPUs with AVX512-BF16 (issue 27, point 1). LibTorch 1.13 has no
// fused CPU attention: its math path writes every q·kᵀ score to memory, reads it back for the
// softmax and again for ·v, and at the 512 px UNet's 4096 tokens that traffic, not arithmetic,
// sets the time (twice the FLOP floor). This kernel keeps scores in registers: for 4 queries at a
// time it computes 64 scores per query with VDPBF16PS, folds them into a running (online)
// softmax in float32, and multiplies their bfloat16 probabilities into float32 outputs. Keys and
// values are packed once per head; each block of 64 serves up to 32 queries while it is in L1.
// Used by scaledDotProductAttention (attention.h) for inference; the math path stays for
// training, biases and other CPUs.
#pragma once

#include <torch/torch.h>

namespace deadiff::nn::detail {

// Whether this CPU (and build) runs the kernel: x86-64 with AVX512 F/BW/VL and BF16.
bool fusedBf16AttentionSupported();

// Whether fusedBf16Attention accepts these tensors: bfloat16 on the CPU, [batch, heads, tokens,
// head_dim] with the same even head_dim for q, k and v, at most kMaxFusedHeadDim, contiguous
// along head_dim, at least one key.
constexpr std::int64_t kMaxFusedHeadDim = 512;
bool fusedBf16AttentionAccepts(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v);

// softmax(q·kᵀ·scale)·v without grad. Scores and the softmax are float32 (the probabilities are
// rounded to bfloat16 for ·v, as the math path rounds them); the output, [batch, heads,
// queries, head_dim], is a view of [batch, queries, heads, head_dim] memory, so merging the heads
// back costs no copy.
torch::Tensor fusedBf16Attention(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, double scale);

// How many threads a parallel loop of the attention sources runs on: at::get_num_threads() when
// they were built with OpenMP, 1 when not (LibTorch 1.13's at::parallel_for is an OpenMP pragma
// in its headers, silently serial without it). For the test that guards the build.
int parallelLoopThreads();

} // namespace deadiff::nn::detail
