// The fused bfloat16 norms (norm_bf16.h): GroupNorm (+ per-channel shift, + SiLU) and LayerNorm
// against float64 computed here from the same bf16 inputs, and the modules' choice between them
// and the float32 route.
#include "core/nn/norm_bf16.h"
#include "core/nn/unet_blocks.h"
#include "core/nn/vae.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

namespace deadiff::nn {
namespace {

class ScopedFusedNorms {
public:
    explicit ScopedFusedNorms(bool enabled)
        : previous_(setFusedNormsEnabled(enabled)) {}
    ~ScopedFusedNorms() { setFusedNormsEnabled(previous_); }
    ScopedFusedNorms(const ScopedFusedNorms&) = delete;
    ScopedFusedNorms& operator=(const ScopedFusedNorms&) = delete;

private:
    bool previous_;
};

#define SKIP_WITHOUT_FUSED_NORMS()                                                                 \
    if (!fusedNormsEnabled())                                                                      \
    GTEST_SKIP() << "the fused norms need AVX-512 (or DEADIFF_FUSED_NORMS=0 is set)"

torch::Tensor silu64(const torch::Tensor& x) {
    return x / (1.0 + torch::exp(-x));
}

// GroupNorm of x + shift in float64, written out from the definition.
torch::Tensor groupNorm64(const torch::Tensor& x, std::int64_t groups, const torch::Tensor& weight,
                          const torch::Tensor& bias, double eps, const torch::Tensor& shift) {
    torch::Tensor input = x.to(torch::kDouble);
    std::vector<std::int64_t> channelShape(static_cast<std::size_t>(x.dim()), 1);
    channelShape[1] = x.size(1);
    if (shift.defined()) {
        std::vector<std::int64_t> shiftShape = channelShape;
        shiftShape[0] = x.size(0);
        input = input + shift.to(torch::kDouble).view(shiftShape);
    }
    const torch::Tensor grouped = input.reshape({x.size(0), groups, -1});
    const torch::Tensor mean = grouped.mean(-1, true);
    const torch::Tensor variance = (grouped - mean).pow(2).mean(-1, true);
    torch::Tensor y = ((grouped - mean) / (variance + eps).sqrt()).view(x.sizes());
    if (weight.defined())
        y = y * weight.to(torch::kDouble).view(channelShape);
    if (bias.defined())
        y = y + bias.to(torch::kDouble).view(channelShape);
    return y;
}

// One rounding to bfloat16 of a float32-accurate value: half a unit in the last place (2^-9
// relative; 2^-8 leaves room for float32 noise at ties) plus a little absolute slack near zero.
// Inputs far from zero against their spread (|mean| / std) cancel in float32 where the output
// is near zero (x · scale against an offset of mean · scale): that rounding, 2^-24 of
// |mean| / std · |weight| ≤ 2, is allowed for.
void expectRoundedOnce(const torch::Tensor& out, const torch::Tensor& expected,
                       const std::string& what, double meanOverStd = 0.0) {
    ASSERT_EQ(out.scalar_type(), torch::kBFloat16) << what;
    ASSERT_EQ(out.sizes(), expected.sizes()) << what;
    const torch::Tensor error = (out.to(torch::kDouble) - expected).abs();
    const double slack = 1e-6 + std::abs(meanOverStd) * 2.0 * std::pow(2.0, -23);
    const torch::Tensor allowed = expected.abs() * std::pow(2.0, -8) + slack;
    EXPECT_TRUE((error <= allowed).all().item<bool>())
        << what << ": max error " << error.max().item<double>() << ", worst excess "
        << (error - allowed).max().item<double>();
}

// A group-norm input: shape, groups, and the normal distribution its values are drawn from.
struct NormCase {
    std::vector<std::int64_t> shape;
    std::int64_t groups;
    double mean, scale;
    torch::Tensor draw() const { return (torch::randn(shape) * scale + mean).to(torch::kBFloat16); }
};

TEST(FusedNorms, GroupNormWithShiftAndSiLUIsTheFloat64ResultRoundedOnce) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(31);
    torch::NoGradGuard noGrad;
    // 64 and 15 spatial values (vector loop, scalar tail); 9 channels of 96² per group (runs of
    // 4096 values summed in float32, then double); a large mean against a small spread, where a
    // one-pass variance would cancel; a 3-d input.
    const std::vector<NormCase> cases = {{{2, 64, 8, 8}, 32, 0.5, 2.0},
                                         {{2, 8, 5, 3}, 4, -1.0, 3.0},
                                         {{1, 288, 96, 96}, 32, 0.0, 1.0},
                                         {{1, 32, 16, 16}, 8, 200.0, 0.5},
                                         {{3, 12, 20}, 3, 0.0, 1.0}};
    for (const NormCase& c : cases) {
        const std::int64_t channels = c.shape[1];
        const torch::Tensor x = c.draw();
        const torch::Tensor weight = torch::empty({channels}).uniform_(-2.0, 2.0);
        const torch::Tensor bias = torch::empty({channels}).uniform_(-1.0, 1.0);
        const torch::Tensor shift = torch::randn({c.shape[0], channels});
        ASSERT_TRUE(groupNormBf16Applies(x, c.groups, weight, bias, shift));
        const std::string name = "shape " + std::to_string(x.numel()) + "/" +
                                 std::to_string(c.groups) + " groups, mean " +
                                 std::to_string(c.mean);
        const double meanOverStd = c.mean / c.scale;
        expectRoundedOnce(groupNormBf16(x, c.groups, weight, bias, 1e-5, false),
                          groupNorm64(x, c.groups, weight, bias, 1e-5, {}), name, meanOverStd);
        expectRoundedOnce(
            groupNormBf16(x, c.groups, weight.to(torch::kBFloat16), {}, 1e-6, true, shift),
            silu64(groupNorm64(x, c.groups, weight.to(torch::kBFloat16), {}, 1e-6, shift)),
            name + ", shift + SiLU", meanOverStd);
        expectRoundedOnce(groupNormBf16(x, c.groups, {}, bias, 1e-5, true),
                          silu64(groupNorm64(x, c.groups, {}, bias, 1e-5, {})),
                          name + ", SiLU, no weight", meanOverStd);
    }
}

// Channels-last activations (what oneDNN's convolutions keep) are normalised without converting:
// per-channel column sums, a channels-last result. Channel counts off the 16-lane columns take the
// NCHW kernel instead.
TEST(FusedNorms, ChannelsLastInputIsNormalisedInItsOwnLayout) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(35);
    torch::NoGradGuard noGrad;
    // 2 channels per group over 16 columns; 96² pixels (runs of 4096 rows flushed to double);
    // a large mean; 24 channels (not a multiple of 16).
    const std::vector<NormCase> cases = {{{2, 64, 8, 8}, 32, 0.5, 2.0},
                                         {{1, 128, 96, 96}, 32, 0.0, 2.0},
                                         {{2, 48, 5, 7}, 4, 150.0, 2.0},
                                         {{2, 24, 4, 4}, 8, 0.0, 2.0}};
    for (const NormCase& c : cases) {
        const std::int64_t channels = c.shape[1];
        const torch::Tensor x = c.draw().contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor weight = torch::empty({channels}).uniform_(-2.0, 2.0);
        const torch::Tensor bias = torch::empty({channels}).uniform_(-1.0, 1.0);
        const torch::Tensor shift = torch::randn({c.shape[0], channels});
        const std::string name =
            std::to_string(channels) + " channels, " + std::to_string(x.numel()) + " values";
        const torch::Tensor plain = groupNormBf16(x, c.groups, weight, bias, 1e-5, false);
        const torch::Tensor fused = groupNormBf16(x, c.groups, weight, bias, 1e-6, true, shift);
        const bool columns = channels % 16 == 0;
        EXPECT_EQ(plain.is_contiguous(torch::MemoryFormat::ChannelsLast), columns) << name;
        EXPECT_EQ(fused.is_contiguous(), !columns) << name;
        expectRoundedOnce(plain.contiguous(), groupNorm64(x, c.groups, weight, bias, 1e-5, {}),
                          name, c.mean / c.scale);
        expectRoundedOnce(fused.contiguous(),
                          silu64(groupNorm64(x, c.groups, weight, bias, 1e-6, shift)),
                          name + ", shift + SiLU", c.mean / c.scale);
    }
}

// SiLU over the whole range: saturated tails (exp(-|v|) underflows to 0), zero, and the
// vector and scalar paths against float64.
TEST(FusedNorms, SiLUHoldsOverTheWholeRange) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::NoGradGuard noGrad;
    // GroupNorm of one group with weight w and bias b maps a standardised input onto w·z + b.
    const torch::Tensor z = torch::linspace(-1.0, 1.0, 37).view({1, 1, 37});
    const torch::Tensor x = z.to(torch::kBFloat16);
    for (const double w : {0.1, 5.0, 150.0}) {
        const torch::Tensor weight = torch::full({1}, w);
        const torch::Tensor bias = torch::full({1}, w / 3);
        expectRoundedOnce(groupNormBf16(x, 1, weight, bias, 1e-5, true),
                          silu64(groupNorm64(x, 1, weight, bias, 1e-5, {})),
                          "weight " + std::to_string(w));
    }
}

TEST(FusedNorms, LayerNormIsTheFloat64ResultRoundedOnce) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(32);
    torch::NoGradGuard noGrad;
    for (const std::int64_t width : {320, 24, 7}) {
        const torch::Tensor x = (torch::randn({2, 9, width}) * 3.0 + 4.0).to(torch::kBFloat16);
        const torch::Tensor weight = torch::empty({width}).uniform_(-2.0, 2.0);
        const torch::Tensor bias = torch::empty({width}).uniform_(-1.0, 1.0);
        ASSERT_TRUE(layerNormBf16Applies(x, weight, bias));
        const torch::Tensor x64 = x.to(torch::kDouble);
        const torch::Tensor mean = x64.mean(-1, true);
        const torch::Tensor normalised =
            (x64 - mean) / ((x64 - mean).pow(2).mean(-1, true) + 1e-5).sqrt();
        expectRoundedOnce(layerNormBf16(x, weight, bias, 1e-5),
                          normalised * weight.to(torch::kDouble) + bias.to(torch::kDouble),
                          "width " + std::to_string(width));
        expectRoundedOnce(layerNormBf16(x.transpose(0, 1), {}, {}, 1e-5),
                          normalised.transpose(0, 1).contiguous(), "strided, no affine");
    }
}

// GEGLU's gate in one pass: a · gelu_erf(g) from [a | g], against float64 erf. The erf
// approximation (|error| < 1.5e-7) and float32's 1 + erf near -1 allow an absolute 2e-7 · |a·g|
// beside the one rounding; tails (widths off 16), saturated and negative gates included.
TEST(FusedNorms, GegluIsTheFloat64ResultRoundedOnce) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(37);
    torch::NoGradGuard noGrad;
    for (const std::int64_t width : {1280, 40, 7}) {
        const torch::Tensor projected =
            (torch::randn({3, 5, 2 * width}) * 3.0).to(torch::kBFloat16);
        ASSERT_TRUE(gegluBf16Applies(projected));
        const torch::Tensor x = projected.to(torch::kDouble);
        const torch::Tensor a = x.narrow(-1, 0, width);
        const torch::Tensor g = x.narrow(-1, width, width);
        const torch::Tensor expected = a * 0.5 * g * (1.0 + torch::erf(g / std::sqrt(2.0)));
        const torch::Tensor out = gegluBf16(projected);
        ASSERT_EQ(out.sizes(), expected.sizes());
        const torch::Tensor error = (out.to(torch::kDouble) - expected).abs();
        const torch::Tensor allowed =
            expected.abs() * std::pow(2.0, -8) + (a * g).abs() * 2e-7 + 1e-9;
        EXPECT_TRUE((error <= allowed).all().item<bool>())
            << "width " << width << ": max error " << error.max().item<double>();
    }
    // The gate saturates: gelu(g) = g for large g, 0 for very negative g.
    const torch::Tensor extremes =
        torch::tensor({1.0, 2.0, -3.0, 0.5, 12.0, -12.0, 90.0, -90.0}, torch::kDouble).view({1, 8});
    const torch::Tensor out = gegluBf16(extremes.to(torch::kBFloat16)).to(torch::kDouble);
    const torch::Tensor saturated = torch::tensor({12.0, 0.0, -270.0, 0.0}, torch::kDouble);
    EXPECT_TRUE(torch::allclose(out, saturated.view({1, 4}), 1e-2, 1e-6)) << out;
    EXPECT_FALSE(gegluBf16Applies(torch::ones({2, 5}).to(torch::kBFloat16))); // odd width
    EXPECT_FALSE(gegluBf16Applies(torch::ones({2, 6})));                      // float32
}

TEST(FusedNorms, TheyStepAsideForGradFloat32AndOtherShapes) {
    SKIP_WITHOUT_FUSED_NORMS();
    const torch::Tensor x = torch::randn({2, 8, 4, 4}).to(torch::kBFloat16);
    const torch::Tensor weight = torch::ones({8}, torch::requires_grad());
    EXPECT_FALSE(groupNormBf16Applies(x, 4, weight, {})); // grad mode on, weight trains
    EXPECT_FALSE(groupNormBf16Applies(x.to(torch::kFloat), 4, {}, {}));
    EXPECT_FALSE(groupNormBf16Applies(x, 3, {}, {}));                   // 8 channels, 3 groups
    EXPECT_FALSE(groupNormBf16Applies(x, 4, torch::ones({4}), {}));     // wrong weight size
    EXPECT_FALSE(groupNormBf16Applies(x, 4, {}, {}, torch::ones({8}))); // shift not [N, C]
    EXPECT_FALSE(layerNormBf16Applies(x, torch::ones({8}), {}));        // last axis is 4
    {
        torch::NoGradGuard noGrad;
        EXPECT_TRUE(groupNormBf16Applies(x, 4, weight, {}, torch::ones({2, 8})));
        ScopedFusedNorms off(false);
        EXPECT_FALSE(groupNormBf16Applies(x, 4, weight, {}));
    }
}

// The modules: fused for bf16 inference with their own statistics, the float32 route (one
// rounding as well, so at most one bf16 unit apart) when switched off; float32 and training
// exactly the LibTorch ops they always were; recorded/applied statistics (tiled VAE) unchanged.
TEST(FusedNorms, ModulesUseThemOnlyForBfloat16Inference) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(33);
    GroupNormNchw norm(torch::nn::GroupNormOptions(8, 32).eps(1e-6));
    {
        torch::NoGradGuard noGrad;
        norm->weight.uniform_(-2.0, 2.0);
        norm->bias.uniform_(-1.0, 1.0);
    }
    const torch::Tensor x = torch::randn({2, 32, 6, 6}) * 2.0;
    const torch::Tensor shift = torch::randn({2, 32});

    // float32 with grad: silu(GroupNorm(x + shift)) of LibTorch, bit for bit, and it trains.
    const torch::Tensor xGrad = x.clone().requires_grad_(true);
    const torch::Tensor plain = torch::silu(
        torch::group_norm(xGrad + shift.view({2, 32, 1, 1}), 8, norm->weight, norm->bias, 1e-6));
    const torch::Tensor viaModule = norm->forwardThenSiLU(xGrad, shift);
    EXPECT_TRUE(torch::equal(viaModule, plain));
    viaModule.sum().backward();
    EXPECT_TRUE(norm->weight.grad().defined());

    torch::NoGradGuard noGrad;
    norm->to(torch::kBFloat16);
    const torch::Tensor xb = x.to(torch::kBFloat16);
    const torch::Tensor fused = norm->forwardThenSiLU(xb, shift);
    const torch::Tensor fusedPlain = norm->forward(xb);
    torch::Tensor routed, routedPlain;
    {
        ScopedFusedNorms off(false);
        routed = norm->forwardThenSiLU(xb, shift);
        routedPlain = norm->forward(xb);
    }
    const auto unitsApart = [](const torch::Tensor& a, const torch::Tensor& b) {
        const torch::Tensor difference = (a.to(torch::kDouble) - b.to(torch::kDouble)).abs();
        const torch::Tensor unit = b.to(torch::kDouble).abs().clamp_min(1e-3) * std::pow(2.0, -7);
        return (difference / unit).max().item<double>();
    };
    // Without a shift both round a float32-accurate value once: at most a unit apart.
    EXPECT_LE(unitsApart(fusedPlain, routedPlain), 1.0);
    // The float32 route rounds x + shift to bf16 before normalising (up to 2^-9 of |x + shift|
    // ≤ 8, over a std of ~2, times |weight| ≤ 2); the fused pass adds it in float32.
    // Plus a unit of either result's rounding.
    const torch::Tensor gap = (fused.to(torch::kDouble) - routed.to(torch::kDouble)).abs();
    EXPECT_TRUE(
        (gap <= 0.03 + routed.to(torch::kDouble).abs() * std::pow(2.0, -7)).all().item<bool>())
        << "max gap " << gap.max().item<double>();
    EXPECT_FALSE(torch::equal(fused, routed)) << "the switch did not change the path";

    // Recorded statistics take the float32 route (its keptMean is what the tiles reuse).
    norm->statistics = GroupStatistics::Record;
    EXPECT_TRUE(torch::equal(norm->forward(xb), routedPlain));
    ASSERT_TRUE(norm->keptMean.defined());
    norm->statistics = GroupStatistics::Apply;
    EXPECT_LE(unitsApart(norm->forward(xb), routedPlain), 1.0);
}

// A ResBlock computes GN→SiLU→conv, + emb, GN→SiLU→conv, + skip as its Sequentials would: in
// float32 exactly; in bf16 the fused path is within bf16 noise of the float32 route.
TEST(FusedNorms, ResBlockIsItsSequentialsComposed) {
    torch::manual_seed(34);
    torch::NoGradGuard noGrad;
    ResBlock block(32, 48, 64);
    const torch::Tensor x = torch::randn({2, 32, 8, 8});
    const torch::Tensor emb = torch::randn({2, 48});
    const auto composed = [&](const torch::Tensor& input, const torch::Tensor& embedding) {
        torch::Tensor h = block->in_layers->forward(input);
        h = h +
            block->emb_layers->forward(embedding).to(h.scalar_type()).unsqueeze(-1).unsqueeze(-1);
        return block->skip_connection->forward(input) + block->out_layers->forward(h);
    };
    EXPECT_TRUE(torch::equal(block->forward(x, emb), composed(x, emb)));

    if (!fusedNormsEnabled())
        GTEST_SKIP() << "bfloat16 part: the fused norms need AVX-512";
    block->to(torch::kBFloat16);
    const torch::Tensor xb = x.to(torch::kBFloat16);
    const torch::Tensor fused = block->forward(xb, emb.to(torch::kBFloat16)).to(torch::kDouble);
    torch::Tensor routed;
    {
        ScopedFusedNorms off(false);
        routed = block->forward(xb, emb.to(torch::kBFloat16)).to(torch::kDouble);
    }
    const double scale = routed.abs().mean().item<double>();
    EXPECT_LT((fused - routed).abs().mean().item<double>(), 0.01 * scale);
    EXPECT_GT((fused - routed).abs().max().item<double>(), 0.0) << "the switch changed nothing";
}

// The VAE decoder runs channels-last in bf16 inference (its convolutions skip reordering the
// activations; the norms normalise NHWC as it is) and hands back an NCHW image: the one of the
// NCHW float32 route within bf16 noise.
TEST(FusedNorms, VaeDecoderRunsChannelsLastAndHandsBackNchw) {
    SKIP_WITHOUT_FUSED_NORMS();
    torch::manual_seed(36);
    torch::NoGradGuard noGrad;
    VaeConfig config;
    config.ch = 32; // levels of 32, 64, 128 channels: every norm takes the channels-last kernel
    AutoencoderKL vae(config);
    const torch::Tensor z = torch::randn({1, 4, 12, 10});
    const torch::Tensor reference = vae->decode(z); // float32
    EXPECT_FALSE(channelsLastPays(z));
    vae->to(torch::kBFloat16);
    EXPECT_TRUE(channelsLastPays(z.to(torch::kBFloat16)));
    const torch::Tensor image = vae->decode(z);
    torch::Tensor routed;
    {
        ScopedFusedNorms off(false);
        EXPECT_FALSE(channelsLastPays(z.to(torch::kBFloat16)));
        routed = vae->decode(z);
    }
    EXPECT_TRUE(image.is_contiguous());
    ASSERT_EQ(image.sizes(), reference.sizes());
    const auto relative = [&](const torch::Tensor& a, const torch::Tensor& b) {
        return ((a - b).abs().max() / b.abs().max()).item<double>();
    };
    // As close to float32 as the NCHW bf16 route (Vae.Bfloat16DecodeStaysCloseToFloat32: 5e-2).
    EXPECT_LT(relative(image, reference), 5e-2);
    EXPECT_LT(relative(image, reference), 1.5 * relative(routed, reference) + 1e-3);
    EXPECT_GT(relative(image, routed), 0.0) << "both decodes took the same path";

    // Tiled: the middle's channels-last output cut into tiles, normalised with recorded
    // statistics (the float32 route) and blended; unshrunk statistics, so only bf16 noise apart.
    const torch::Tensor large = torch::randn({1, 4, 40, 36});
    const torch::Tensor whole = vae->decode(large);
    VaeTiling tiles;
    tiles.tileSide = 16;
    tiles.overlap = 4;
    tiles.margin = 4;
    tiles.maxUntiledSide = 40;
    vae->tiling = tiles;
    const torch::Tensor tiled = vae->decodeTiled(large);
    ASSERT_EQ(tiled.sizes(), whole.sizes());
    EXPECT_LT(relative(tiled, whole), 5e-2);
}

} // namespace
} // namespace deadiff::nn
