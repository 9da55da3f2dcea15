#include "core/nn/attention.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>

// LibTorch >= 2.1 has a public fused attention kernel (flash attention on CPU where it applies);
// 1.13 has none, so inference uses the cache-blocked kernel below.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define DEADIFF_FUSED_SDPA 1
#else
#define DEADIFF_FUSED_SDPA 0
#endif

namespace deadiff::nn {
namespace {

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

torch::Tensor attendChunk(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          double scale, const torch::Tensor* bias) {
#if DEADIFF_FUSED_SDPA
    if (q.scalar_type() == v.scalar_type() && q.size(-1) == v.size(-1)) {
        std::optional<torch::Tensor> mask;
        if (bias != nullptr)
            mask = bias->to(q.scalar_type());
        return at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, scale);
    }
#endif
    // Scale q before the product, as the reference (xformers' math) does.
    torch::Tensor scores = torch::matmul(q * scale, k.transpose(-2, -1));
    if (bias != nullptr)
        scores = scores + *bias;
    return torch::matmul(softmaxLastDim(scores).to(v.scalar_type()), v);
}

#if !DEADIFF_FUSED_SDPA
// Score elements per block of the no-grad path (see attendBlocked).
constexpr std::int64_t kCacheBlockScores = std::int64_t{1} << 20;

// No autograd, no bias: [batch·heads, tokens, dim] blocks of a few heads × a few hundred
// queries, copied into the output. Blocks of ~2^20 scores (2 MiB in bfloat16) stay in cache
// between the q·kᵀ product, the softmax and the product with v; one 1024-query chunk over all
// 16 heads at 512 px (128 MiB of scores) ran ~1.4× slower (docs/performance.md).
torch::Tensor attendBlocked(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            double scale, std::int64_t maxScoreElements) {
    const std::int64_t batch = q.size(0);
    const std::int64_t heads = q.size(1);
    const std::int64_t queries = q.size(2);
    const std::int64_t keys = k.size(2);
    const std::int64_t batchHeads = batch * heads;
    const torch::Tensor qs = (q * scale).reshape({batchHeads, queries, q.size(3)});
    const torch::Tensor kt = k.reshape({batchHeads, keys, k.size(3)}).transpose(1, 2);
    const torch::Tensor vs = v.reshape({batchHeads, keys, v.size(3)});
    torch::Tensor out = torch::empty({batchHeads, queries, v.size(3)}, v.options());

    const std::int64_t budget =
        std::min(kCacheBlockScores, maxScoreElements > 0 ? maxScoreElements : kCacheBlockScores);
    const std::int64_t rows =
        std::clamp<std::int64_t>(budget / std::max<std::int64_t>(keys, 1), 1, queries * batchHeads);
    const std::int64_t chunk = std::min(rows, queries);
    const std::int64_t headsPerBlock = std::max<std::int64_t>(1, rows / queries);
    for (std::int64_t head = 0; head < batchHeads; head += headsPerBlock) {
        const std::int64_t headCount = std::min(headsPerBlock, batchHeads - head);
        const torch::Tensor kBlock = kt.narrow(0, head, headCount);
        const torch::Tensor vBlock = vs.narrow(0, head, headCount);
        for (std::int64_t start = 0; start < queries; start += chunk) {
            const std::int64_t length = std::min(chunk, queries - start);
            const torch::Tensor scores =
                torch::bmm(qs.narrow(0, head, headCount).narrow(1, start, length), kBlock);
            // Not bmm_out: with a one-head block LibTorch 1.13 takes a slow path for the view
            // (measured 10x); the copy costs little.
            out.narrow(0, head, headCount)
                .narrow(1, start, length)
                .copy_(torch::bmm(softmaxLastDim(scores).to(v.scalar_type()), vBlock));
        }
    }
    return out.view({batch, heads, queries, v.size(3)});
}
#endif

} // namespace

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
#if !DEADIFF_FUSED_SDPA
    // Inference without a bias (UNet, VAE): the cache-blocked kernel. With autograd or a bias
    // the differentiable query-chunked path below runs.
    const bool needsGrad = torch::GradMode::is_enabled() &&
                           (q.requires_grad() || k.requires_grad() || v.requires_grad());
    if (bias == nullptr && !needsGrad)
        return attendBlocked(q, k, v, scale, options.maxScoreElements);
#endif

    std::int64_t chunk = queries;
    if (options.maxScoreElements > 0 && batchHeads * keys > 0)
        chunk =
            std::clamp<std::int64_t>(options.maxScoreElements / (batchHeads * keys), 1, queries);
    if (chunk >= queries)
        return attendChunk(q, k, v, scale, bias);

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
                                      bias != nullptr ? &biasChunk : nullptr));
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
