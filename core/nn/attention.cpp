#include "core/nn/attention.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>

// LibTorch >= 2.1 has a public fused attention kernel (flash attention on CPU where it applies);
// 1.13 has none: query chunks of the math path.
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
