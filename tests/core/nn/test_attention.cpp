#include "core/nn/attention.h"

#include "core/nn/attention_bf16.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace deadiff::nn {
namespace {

// softmax(q kᵀ s + bias) v, one (batch, head, query) at a time with explicit exp and sums in
// double: an independent reference.
torch::Tensor naiveAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             double scale, const torch::Tensor& bias) {
    const auto Q = q.to(torch::kDouble).contiguous();
    const auto K = k.to(torch::kDouble).contiguous();
    const auto V = v.to(torch::kDouble).contiguous();
    auto out = torch::zeros({q.size(0), q.size(1), q.size(2), v.size(3)}, torch::kDouble);
    const auto q4 = Q.accessor<double, 4>();
    const auto k4 = K.accessor<double, 4>();
    const auto v4 = V.accessor<double, 4>();
    auto o4 = out.accessor<double, 4>();
    const bool hasBias = bias.defined();
    const auto B = hasBias ? bias.to(torch::kDouble).contiguous() : torch::Tensor();
    for (int64_t b = 0; b < q.size(0); ++b)
        for (int64_t h = 0; h < q.size(1); ++h)
            for (int64_t i = 0; i < q.size(2); ++i) {
                std::vector<double> logits(static_cast<size_t>(k.size(2)));
                double top = -std::numeric_limits<double>::infinity();
                for (int64_t j = 0; j < k.size(2); ++j) {
                    double dot = 0;
                    for (int64_t d = 0; d < q.size(3); ++d)
                        dot += q4[b][h][i][d] * k4[b][h][j][d];
                    logits[j] = dot * scale + (hasBias ? B[i][j].item<double>() : 0.0);
                    top = std::max(top, logits[j]);
                }
                double total = 0;
                for (double& value : logits) {
                    value = std::exp(value - top);
                    total += value;
                }
                for (int64_t j = 0; j < k.size(2); ++j)
                    for (int64_t d = 0; d < v.size(3); ++d)
                        o4[b][h][i][d] += logits[j] / total * v4[b][h][j][d];
            }
    return out;
}

TEST(Attention, MatchesAnIndependentReference) {
    torch::manual_seed(0);
    const auto q = torch::randn({2, 3, 5, 4});
    const auto k = torch::randn({2, 3, 7, 4});
    const auto v = torch::randn({2, 3, 7, 6});
    const auto ours = scaledDotProductAttention(q, k, v);
    const auto expected = naiveAttention(q, k, v, 0.5, torch::Tensor()); // 1/sqrt(4)
    EXPECT_EQ(ours.sizes(), (std::vector<int64_t>{2, 3, 5, 6}));
    EXPECT_LT((ours.to(torch::kDouble) - expected).abs().max().item<double>(), 1e-5);
}

TEST(Attention, ChunkingChangesNothingAndRespectsTheCausalBias) {
    torch::manual_seed(1);
    const auto q = torch::randn({1, 2, 9, 8});
    const auto k = torch::randn({1, 2, 9, 8});
    const auto v = torch::randn({1, 2, 9, 8});
    const auto causal = torch::full({9, 9}, -std::numeric_limits<float>::infinity()).triu(1);
    AttentionOptions whole;
    whole.bias = causal;
    whole.scale = 0.3;
    AttentionOptions chunked = whole;
    chunked.maxScoreElements = 2 * 9 * 2; // two queries at a time, with a remainder
    const auto a = scaledDotProductAttention(q, k, v, whole);
    const auto b = scaledDotProductAttention(q, k, v, chunked);
    EXPECT_TRUE(torch::allclose(a, b, 0, 1e-6));
    const auto expected = naiveAttention(q, k, v, 0.3, causal);
    EXPECT_LT((b.to(torch::kDouble) - expected).abs().max().item<double>(), 1e-5);
    // Query 0 sees only key 0.
    EXPECT_TRUE(torch::allclose(b.select(2, 0), v.select(2, 0), 0, 1e-6));
}

TEST(Attention, ZeroKeysStillTakeSoftmaxMass) {
    // DEADiff's zero image tokens: logit 0 and value 0, yet they dilute the other keys.
    const auto q = torch::ones({1, 1, 1, 2});
    const auto k = torch::zeros({1, 1, 2, 2});
    auto v = torch::zeros({1, 1, 2, 2});
    v[0][0][0] = torch::tensor({2.f, 4.f});
    const auto out = scaledDotProductAttention(q, k, v);
    EXPECT_NEAR(out[0][0][0][0].item<float>(), 1.f, 1e-6);
    EXPECT_NEAR(out[0][0][0][1].item<float>(), 2.f, 1e-6);
}

TEST(Attention, Bfloat16StaysCloseToFloat32) {
    torch::manual_seed(2);
    const auto q = torch::randn({1, 2, 16, 32});
    const auto k = torch::randn({1, 2, 24, 32});
    const auto v = torch::randn({1, 2, 24, 32});
    const auto exact = scaledDotProductAttention(q, k, v);
    const auto reduced = scaledDotProductAttention(q.to(torch::kBFloat16), k.to(torch::kBFloat16),
                                                   v.to(torch::kBFloat16));
    EXPECT_EQ(reduced.scalar_type(), torch::kBFloat16);
    EXPECT_LT((reduced.to(torch::kFloat) - exact).abs().max().item<float>(), 0.1f);
}

TEST(Attention, GradientsFlowThroughChunks) {
    torch::manual_seed(3);
    auto q = torch::randn({1, 1, 6, 4}, torch::requires_grad());
    const auto k = torch::randn({1, 1, 6, 4});
    const auto v = torch::randn({1, 1, 6, 4});
    AttentionOptions options;
    options.maxScoreElements = 12;
    scaledDotProductAttention(q, k, v, options).sum().backward();
    ASSERT_TRUE(q.grad().defined());
    EXPECT_GT(q.grad().abs().sum().item<float>(), 0.f);
}

TEST(Attention, ChunkBudgetsChangeNothingWithAValueWidthOfItsOwn) {
    // Budgets of 1, 5 and 10 queries per chunk (7 queries, 6 batch·heads, 5 keys), and none.
    torch::manual_seed(4);
    const auto q = torch::randn({2, 3, 7, 4});
    const auto k = torch::randn({2, 3, 5, 4});
    const auto v = torch::randn({2, 3, 5, 6});
    const auto expected = naiveAttention(q, k, v, 0.5, torch::Tensor());
    for (const std::int64_t budget : {6 * 5, 6 * 5 * 5, 6 * 5 * 10, 0}) {
        AttentionOptions options;
        options.maxScoreElements = budget;
        const auto out = scaledDotProductAttention(q, k, v, options);
        EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 3, 7, 6}));
        EXPECT_LT((out.to(torch::kDouble) - expected).abs().max().item<double>(), 1e-5)
            << "budget " << budget;
    }
    // Strided inputs as the UNet passes them (splitHeads views), bfloat16 against float32.
    const auto x = torch::randn({2, 9, 12});
    const auto qh = splitHeads(x, 3);
    const auto exact = naiveAttention(qh, qh, qh, 0.5, torch::Tensor());
    const auto xb = x.to(torch::kBFloat16);
    const auto reduced =
        scaledDotProductAttention(splitHeads(xb, 3), splitHeads(xb, 3), splitHeads(xb, 3));
    EXPECT_EQ(reduced.scalar_type(), torch::kBFloat16);
    EXPECT_LT((reduced.to(torch::kDouble) - exact).abs().max().item<double>(), 0.05);
}

// Inference (no grad) in bfloat16 softmaxes the scores in place with its own vectorised kernel;
// with grad it is LibTorch's softmax. Both round the float32 softmax once, so they agree to a
// bf16 rounding of the probabilities, including a key count that is not a multiple of the
// vector width (37) and a causal -inf bias, which must give exactly zero weight.
TEST(Attention, InPlaceBfloat16SoftmaxMatchesTheDifferentiablePath) {
    torch::manual_seed(5);
    const auto q = (torch::randn({2, 3, 37, 8}) * 2.0).to(torch::kBFloat16);
    const auto k = (torch::randn({2, 3, 37, 8}) * 2.0).to(torch::kBFloat16);
    const auto v = torch::randn({2, 3, 37, 8}).to(torch::kBFloat16);
    const auto qCopy = q.clone();
    AttentionOptions plain; // the math path: without a bias inference would take the fused one
    plain.kernel = AttentionKernel::Math;
    AttentionOptions causal = plain;
    causal.bias =
        torch::full({37, 37}, -std::numeric_limits<float>::infinity()).triu(1).to(torch::kBFloat16);
    for (const AttentionOptions& options : {plain, causal}) {
        torch::Tensor inference;
        {
            torch::NoGradGuard noGrad;
            inference = scaledDotProductAttention(q, k, v, options);
        }
        const auto differentiable =
            scaledDotProductAttention(q.clone().requires_grad_(), k, v, options);
        ASSERT_TRUE(differentiable.requires_grad());
        const auto exact = naiveAttention(q, k, v, 1.0 / std::sqrt(8.0),
                                          options.bias ? *options.bias : torch::Tensor());
        const double inferenceError =
            (inference.to(torch::kDouble) - exact).abs().max().item<double>();
        const double differentiableError =
            (differentiable.detach().to(torch::kDouble) - exact).abs().max().item<double>();
        EXPECT_LT(inferenceError, 0.05);
        EXPECT_LT(inferenceError, differentiableError * 1.5 + 1e-3);
    }
    EXPECT_TRUE(torch::equal(q, qCopy)); // the inputs are untouched
    // Under the causal mask the first query sees only the first key: its output is v[0] exactly.
    torch::NoGradGuard noGrad;
    const auto first = scaledDotProductAttention(q, k, v, causal).narrow(2, 0, 1);
    EXPECT_TRUE(torch::equal(first, v.narrow(2, 0, 1)));
}

// The fused bfloat16 kernel (attention_bf16.h) against the double reference, on shapes that
// exercise its edges: query counts not a multiple of its 4-query tiles, key counts not a multiple
// of its 64-key blocks (and a single key), head dims from 2 to 512 (one to 32 output vectors,
// 40 as the 512 px UNet), q as a strided view as splitHeads makes it, and logits of ±50 whose
// softmax underflows for most keys. Its scores and softmax are float32, so it must be at least
// as close to the reference as the math path, which rounds the scores to bfloat16.
TEST(Attention, FusedBfloat16MatchesAnIndependentReference) {
    if (!detail::fusedBf16AttentionSupported())
        GTEST_SKIP() << "this CPU has no AVX512-BF16: the fused kernel is not used here";
    torch::NoGradGuard noGrad;
    torch::manual_seed(11);
    struct Shape {
        int64_t batch, heads, queries, keys, headDim;
        double logitScale;
    };
    for (const Shape shape :
         {Shape{2, 3, 37, 83, 40, 1}, Shape{1, 2, 5, 1, 2, 1}, Shape{2, 2, 129, 65, 64, 1},
          Shape{1, 1, 9, 130, 160, 1}, Shape{1, 1, 6, 70, 512, 1}, Shape{1, 2, 21, 200, 40, 8},
          // 16·n + 8 dims: the last 8 in 256-bit registers (n = 1 and 4)
          Shape{1, 2, 11, 90, 24, 1}, Shape{1, 1, 7, 66, 72, 1}}) {
        SCOPED_TRACE("queries " + std::to_string(shape.queries) + ", keys " +
                     std::to_string(shape.keys) + ", head dim " + std::to_string(shape.headDim));
        const auto q =
            splitHeads(torch::randn({shape.batch, shape.queries, shape.heads * shape.headDim}),
                       shape.heads)
                .to(torch::kBFloat16);
        const auto k =
            (torch::randn({shape.batch, shape.heads, shape.keys, shape.headDim}) * shape.logitScale)
                .to(torch::kBFloat16);
        const auto v = torch::randn({shape.batch, shape.heads, shape.keys, shape.headDim})
                           .to(torch::kBFloat16);
        const double scale = 1.0 / std::sqrt(static_cast<double>(shape.headDim));
        const auto fused = detail::fusedBf16Attention(q, k, v, scale);
        AttentionOptions math;
        math.kernel = AttentionKernel::Math;
        const auto reference = scaledDotProductAttention(q, k, v, math);
        const auto exact = naiveAttention(q, k, v, scale, torch::Tensor());
        ASSERT_EQ(fused.sizes(), exact.sizes());
        ASSERT_TRUE(torch::isfinite(fused).all().item<bool>());
        const double fusedError = (fused.to(torch::kDouble) - exact).abs().max().item<double>();
        const double mathError = (reference.to(torch::kDouble) - exact).abs().max().item<double>();
        EXPECT_LT(fusedError, 0.02);
        EXPECT_LE(fusedError, mathError * 1.25 + 2e-3);
    }
}

// Inference without a bias takes the fused kernel where the CPU has one; training (grad), a
// bias, float32 or an explicit Math request take the math path, bit for bit.
TEST(Attention, AutomaticTakesTheFusedKernelOnlyWhereItApplies) {
    torch::manual_seed(12);
    const auto q = torch::randn({1, 2, 19, 40}).to(torch::kBFloat16);
    const auto k = torch::randn({1, 2, 23, 40}).to(torch::kBFloat16);
    const auto v = torch::randn({1, 2, 23, 40}).to(torch::kBFloat16);
    AttentionOptions math;
    math.kernel = AttentionKernel::Math;
    AttentionOptions fused;
    fused.kernel = AttentionKernel::FusedBf16;
    const auto mathResult = [&](const torch::Tensor& query) {
        torch::NoGradGuard noGrad;
        return scaledDotProductAttention(query, k, v, math);
    };

    const auto trained = scaledDotProductAttention(q.clone().requires_grad_(), k, v, fused);
    EXPECT_TRUE(trained.requires_grad());
    EXPECT_TRUE(torch::equal(trained.detach(), mathResult(q)));

    torch::NoGradGuard noGrad;
    AttentionOptions biased = fused;
    biased.bias = torch::zeros({19, 23}, torch::kBFloat16);
    math.bias = biased.bias;
    EXPECT_TRUE(torch::equal(scaledDotProductAttention(q, k, v, biased),
                             scaledDotProductAttention(q, k, v, math)));
    math.bias.reset();
    const auto q32 = q.to(torch::kFloat);
    EXPECT_TRUE(torch::equal(
        scaledDotProductAttention(q32, k.to(torch::kFloat), v.to(torch::kFloat), fused),
        scaledDotProductAttention(q32, k.to(torch::kFloat), v.to(torch::kFloat), math)));

    const auto automatic = scaledDotProductAttention(q, k, v);
    if (defaultAttentionKernel() != AttentionKernel::FusedBf16) {
        EXPECT_TRUE(torch::equal(automatic, mathResult(q)));
        GTEST_SKIP() << "this CPU or LibTorch does not use the fused bfloat16 kernel";
    }
    const auto fusedResult = scaledDotProductAttention(q, k, v, fused);
    EXPECT_TRUE(torch::equal(automatic, fusedResult));
    EXPECT_FALSE(torch::equal(fusedResult, mathResult(q))); // float32 scores: not the math path
    // Its output merges back to [batch, tokens, heads·dim] without a copy.
    EXPECT_TRUE(fusedResult.transpose(1, 2).is_contiguous());
    EXPECT_EQ(mergeHeads(fusedResult).data_ptr(), fusedResult.data_ptr());
}

// The attention's parallel loops run on every thread LibTorch is given. They ran on one for
// long time when the sources were built without OpenMP (at::parallel_for is an OpenMP pragma in
// LibTorch 1.13's headers), which no result showed, only the time.
TEST(Attention, ItsParallelLoopsRunOnEveryThread) {
    const int saved = at::get_num_threads();
    at::set_num_threads(2);
    const int used = detail::parallelLoopThreads();
    at::set_num_threads(saved);
    EXPECT_EQ(used, 2);
}

TEST(Attention, HeadsSplitAndMergeRoundTrip) {
    const auto x = torch::arange(2 * 3 * 8, torch::kFloat).reshape({2, 3, 8});
    const auto split = splitHeads(x, 4);
    EXPECT_EQ(split.sizes(), (std::vector<int64_t>{2, 4, 3, 2}));
    // Head h holds channels [2h, 2h+2) of every token.
    EXPECT_EQ(split[1][2][0][1].item<float>(), x[1][0][5].item<float>());
    EXPECT_TRUE(torch::equal(mergeHeads(split), x));
}

} // namespace
} // namespace deadiff::nn
