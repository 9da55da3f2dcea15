#include "core/nn/attention.h"

#include "core/nn/attention_bf16.h"
#include "core/nn/bf16_simd.h"
#include "core/runtime/system_info.h"

#include <torch/version.h>

#include <ATen/Parallel.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

// LibTorch >= 2.1 has a public fused attention kernel (flash attention on CPU where it applies);
// 1.13 has none: query chunks of the math path.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define DEADIFF_FUSED_SDPA 1
#else
#define DEADIFF_FUSED_SDPA 0
#endif

namespace deadiff::nn {
namespace {

// bfloat16 products run in oneDNN at a small cost per call: chunks of 2^22 scores (8 MiB) stay
// in the 32 MiB L3 from q·kᵀ through softmax to ·v. The 512 px UNet's 4096-token attention
// (bench --attention-only, 2 threads, s per call) with 2^26 / 2^23 / 2^22 / 2^21 scores:
// 0.162 / 0.133 / 0.139 / 0.152. float32 products go to OpenBLAS, whose cost per call makes
// small chunks slower (2^26: 0.30 s, 2^22: 0.38 s): they keep the caller's budget.
constexpr std::int64_t kCacheResidentBf16Scores = std::int64_t{1} << 22;

// Softmax over the last axis with float accumulation. LibTorch's CPU softmax kernel already
// computes bfloat16 in float internally and rounds once (measured: bit-identical to a float32
// softmax rounded to bfloat16) and is ~2.5× faster than converting the scores to float32 and
// back, so only other reduced types (float16) take the explicit float32 route.
torch::Tensor softmaxLastDim(const torch::Tensor& scores) {
    const torch::ScalarType type = scores.scalar_type();
    if (type == torch::kFloat || type == torch::kDouble || type == torch::kBFloat16)
        return torch::softmax(scores, -1);
    return torch::softmax(scores, -1, torch::kFloat);
}

// In-place softmax over the last axis of contiguous bfloat16 rows, for inference: each row is
// widened to float32, exponentiated with a vectorised Cephes exp (< 2 float32 ulp), summed and
// scaled in float32, and rounded once to bfloat16 (nearest even), as LibTorch's kernel does.
// Against LibTorch's bf16 softmax (AVX-512 kernels) it saves the second score buffer: with
// L3-sized chunks the 512 px UNet's 4096-token attention takes 0.120 instead of 0.127 s.
using simd::bf16ToFloat;
using simd::floatToBf16;

#if DEADIFF_AVX512_KERNELS
#define DEADIFF_AVX512_SOFTMAX 1
using simd::expNonPositive;
using simd::loadBf16;
using simd::storeBf16;
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* placeholders).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

DEADIFF_AVX512 void softmaxRowsBf16(std::uint16_t* data, std::int64_t rows, std::int64_t cols,
                                    float* buffer) {
    const std::int64_t vectorEnd = cols - cols % 16;
    for (std::int64_t row = 0; row < rows; ++row) {
        std::uint16_t* x = data + row * cols;
        __m512 maxVector = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
        for (std::int64_t i = 0; i < vectorEnd; i += 16)
            maxVector = _mm512_max_ps(maxVector, loadBf16(x + i));
        float max = _mm512_reduce_max_ps(maxVector);
        for (std::int64_t i = vectorEnd; i < cols; ++i)
            max = std::max(max, bf16ToFloat(x[i]));

        const __m512 maxBroadcast = _mm512_set1_ps(max);
        __m512 sumVector = _mm512_setzero_ps();
        for (std::int64_t i = 0; i < vectorEnd; i += 16) {
            const __m512 e = expNonPositive(_mm512_sub_ps(loadBf16(x + i), maxBroadcast));
            _mm512_storeu_ps(buffer + i, e);
            sumVector = _mm512_add_ps(sumVector, e);
        }
        float sum = _mm512_reduce_add_ps(sumVector);
        for (std::int64_t i = vectorEnd; i < cols; ++i) {
            buffer[i] = std::exp(bf16ToFloat(x[i]) - max);
            sum += buffer[i];
        }

        const float inverse = 1.0f / sum;
        const __m512 inverseBroadcast = _mm512_set1_ps(inverse);
        for (std::int64_t i = 0; i < vectorEnd; i += 16)
            storeBf16(x + i, _mm512_mul_ps(_mm512_loadu_ps(buffer + i), inverseBroadcast));
        for (std::int64_t i = vectorEnd; i < cols; ++i)
            x[i] = floatToBf16(buffer[i] * inverse);
    }
}
#pragma GCC diagnostic pop
#else
#define DEADIFF_AVX512_SOFTMAX 0
#endif

// Whether softmaxBf16InPlace may overwrite `scores`: a bfloat16 temporary of this module that
// autograd does not need (the training path keeps LibTorch's differentiable softmax).
bool canSoftmaxInPlace(const torch::Tensor& scores) {
#if DEADIFF_AVX512_SOFTMAX
    static const bool avx512 = detectCpuFeatures().avx512f;
    return avx512 && scores.scalar_type() == torch::kBFloat16 && scores.is_contiguous() &&
           scores.device().is_cpu() && !(torch::GradMode::is_enabled() && scores.requires_grad()) &&
           scores.size(-1) > 0;
#else
    (void)scores;
    return false;
#endif
}

void softmaxBf16InPlace(torch::Tensor& scores) {
#if DEADIFF_AVX512_SOFTMAX
    const std::int64_t cols = scores.size(-1);
    const std::int64_t rows = scores.numel() / cols;
    auto* data = reinterpret_cast<std::uint16_t*>(scores.data_ptr<at::BFloat16>());
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / cols);
    at::parallel_for(0, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> buffer(static_cast<std::size_t>(cols));
        softmaxRowsBf16(data + begin * cols, end - begin, cols, buffer.data());
    });
#else
    (void)scores;
#endif
}

AttentionKernel kernelFromEnvironment() {
    const char* text = std::getenv("DEADIFF_ATTENTION");
    if (text == nullptr)
        return AttentionKernel::Automatic;
    const std::string name = text;
    if (name == "math")
        return AttentionKernel::Math;
    if (name == "fused")
        return AttentionKernel::FusedBf16;
    if (name == "aten")
        return AttentionKernel::ATen;
    return AttentionKernel::Automatic;
}

bool needsGrad(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
    return torch::GradMode::is_enabled() &&
           (q.requires_grad() || k.requires_grad() || v.requires_grad());
}

bool fusedBf16Applies(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                      const torch::Tensor* bias) {
    return bias == nullptr && !needsGrad(q, k, v) && detail::fusedBf16AttentionSupported() &&
           detail::fusedBf16AttentionAccepts(q, k, v);
}

// The kernel for this call: the requested one where it applies, else the math path.
AttentionKernel kernelFor(AttentionKernel requested, const torch::Tensor& q, const torch::Tensor& k,
                          const torch::Tensor& v, const torch::Tensor* bias) {
    if (requested == AttentionKernel::Automatic)
        requested = defaultAttentionKernel();
    if (requested == AttentionKernel::FusedBf16 && fusedBf16Applies(q, k, v, bias))
        return AttentionKernel::FusedBf16;
    if (requested == AttentionKernel::ATen && DEADIFF_FUSED_SDPA &&
        q.scalar_type() == v.scalar_type() && q.size(-1) == v.size(-1))
        return AttentionKernel::ATen;
    return AttentionKernel::Math;
}

torch::Tensor attendChunk(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          double scale, const torch::Tensor* bias, bool aten) {
#if DEADIFF_FUSED_SDPA
    if (aten) {
        std::optional<torch::Tensor> mask;
        if (bias != nullptr)
            mask = bias->to(q.scalar_type());
        return at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, scale);
    }
#else
    (void)aten;
#endif
    // Scale q before the product, as the reference (xformers' math) does.
    torch::Tensor scores = torch::matmul(q * scale, k.transpose(-2, -1));
    if (bias != nullptr)
        scores = scores + *bias;
    if (v.scalar_type() == torch::kBFloat16 && canSoftmaxInPlace(scores)) {
        softmaxBf16InPlace(scores);
        return torch::matmul(scores, v);
    }
    return torch::matmul(softmaxLastDim(scores).to(v.scalar_type()), v);
}

} // namespace

AttentionKernel defaultAttentionKernel() {
    static const AttentionKernel chosen = [] {
        const AttentionKernel fromEnvironment = kernelFromEnvironment();
        if (fromEnvironment == AttentionKernel::Math ||
            (fromEnvironment == AttentionKernel::ATen && !DEADIFF_FUSED_SDPA) ||
            (fromEnvironment == AttentionKernel::FusedBf16 &&
             !detail::fusedBf16AttentionSupported()))
            return AttentionKernel::Math; // asked for, or what an unavailable one falls back to
        if (fromEnvironment != AttentionKernel::Automatic)
            return fromEnvironment;
        if (DEADIFF_FUSED_SDPA)
            return AttentionKernel::ATen;
        return detail::fusedBf16AttentionSupported() ? AttentionKernel::FusedBf16
                                                     : AttentionKernel::Math;
    }();
    return chosen;
}

const char* attentionKernelName(AttentionKernel kernel) {
    switch (kernel) {
    case AttentionKernel::Automatic:
        return "automatic";
    case AttentionKernel::Math:
        return "math";
    case AttentionKernel::FusedBf16:
        return "fused";
    case AttentionKernel::ATen:
        return "aten";
    }
    return "?";
}

torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v, const AttentionOptions& options) {
    TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
                "attention expects [batch, heads, tokens, head_dim] tensors");
    const std::int64_t batchHeads = q.size(0) * q.size(1);
    const std::int64_t queries = q.size(2);
    const std::int64_t keys = k.size(2);
    const double scale =
        options.scale > 0 ? options.scale : 1.0 / std::sqrt(static_cast<double>(q.size(3)));
    const torch::Tensor* bias = options.bias ? &*options.bias : nullptr;
    const AttentionKernel kernel = kernelFor(options.kernel, q, k, v, bias);
    if (kernel == AttentionKernel::FusedBf16)
        return detail::fusedBf16Attention(q, k, v, scale);
    const bool aten = kernel == AttentionKernel::ATen;

    std::int64_t chunk = queries;
    std::int64_t budget = options.maxScoreElements;
    if (budget > 0 && q.scalar_type() == torch::kBFloat16)
        budget = std::min(budget, kCacheResidentBf16Scores);
    if (budget > 0 && batchHeads * keys > 0)
        chunk = std::clamp<std::int64_t>(budget / (batchHeads * keys), 1, queries);
    if (chunk >= queries)
        return attendChunk(q, k, v, scale, bias, aten);

    // A bias with a query axis is sliced along it; a broadcast one (size 1) is shared.
    const bool biasHasQueries =
        bias != nullptr && bias->dim() >= 2 && bias->size(-2) == queries && queries > 1;
    std::vector<torch::Tensor> outputs;
    outputs.reserve(static_cast<std::size_t>((queries + chunk - 1) / chunk));
    for (std::int64_t start = 0; start < queries; start += chunk) {
        const std::int64_t length = std::min(chunk, queries - start);
        torch::Tensor biasChunk;
        if (bias != nullptr)
            biasChunk = biasHasQueries ? bias->narrow(-2, start, length) : *bias;
        outputs.push_back(attendChunk(q.narrow(2, start, length), k, v, scale,
                                      bias != nullptr ? &biasChunk : nullptr, aten));
    }
    return torch::cat(outputs, 2);
}

torch::Tensor splitHeads(const torch::Tensor& x, std::int64_t heads) {
    const std::int64_t batch = x.size(0);
    const std::int64_t tokens = x.size(1);
    TORCH_CHECK(x.size(2) % heads == 0, "width ", x.size(2), " is not divisible by ", heads,
                " heads");
    return x.view({batch, tokens, heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor mergeHeads(const torch::Tensor& x) {
    const std::int64_t batch = x.size(0);
    const std::int64_t tokens = x.size(2);
    return x.transpose(1, 2).reshape({batch, tokens, x.size(1) * x.size(3)});
}

} // namespace deadiff::nn
