// The DEADiff UNet on small configs of the real class: layout, shapes, context routing, the
// joint cross-attention, control residuals, bfloat16 and determinism.
#include "core/nn/state_dict.h"
#include "core/nn/unet.h"
#include "tests/core/nn/checkpoint_manifest.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <set>

namespace deadiff::nn {
namespace {

constexpr std::int64_t kContextDim = 16;
constexpr std::int64_t kImageTokens = 4;
constexpr std::int64_t kTextTokens = 5;

// SD 1.5 topology (4 levels, 2 res blocks, attention at 1/2/4, 16 transformers) at 1/10 width.
UNetConfig smallConfig() {
    UNetConfig config;
    config.modelChannels = 32;
    config.numHeads = 2;
    config.contextDim = kContextDim;
    config.imageTokens = kImageTokens;
    return config;
}

UNetContext randomContext(std::int64_t batch, double imageWeight = 1.0) {
    UNetContext context;
    context.styleImage = torch::randn({batch, kImageTokens, kContextDim});
    context.styleText = torch::randn({batch, kTextTokens, kContextDim});
    context.contentImage = torch::randn({batch, kImageTokens, kContextDim});
    context.contentText = torch::randn({batch, kTextTokens, kContextDim});
    context.imageWeight = imageWeight;
    return context;
}

double relativeDifference(const torch::Tensor& a, const torch::Tensor& b) {
    return ((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max() /
            b.to(torch::kDouble).abs().max())
        .item<double>();
}

// The spatial transformers in forward order and which of them are content layers, as the
// spec's table states them (deadiff-architecture.md §2).
const std::vector<std::string>& transformerPaths() {
    static const std::vector<std::string> paths = {
        "input_blocks.1.1",  "input_blocks.2.1",  "input_blocks.4.1",   "input_blocks.5.1",
        "input_blocks.7.1",  "input_blocks.8.1",  "middle_block.1",     "output_blocks.3.1",
        "output_blocks.4.1", "output_blocks.5.1", "output_blocks.6.1",  "output_blocks.7.1",
        "output_blocks.8.1", "output_blocks.9.1", "output_blocks.10.1", "output_blocks.11.1"};
    return paths;
}
const std::set<std::size_t> kContentLayers = {4, 5, 6, 7, 8};

TEST(UNet, HasTheCheckpointsKeyLayout) {
    const std::set<std::string> expected = test::manifestKeysUnder("model.diffusion_model.");
    ASSERT_EQ(expected.size(), 718u) << "manifest not found under " << test::sharedDir();
    UNetModel unet(smallConfig());
    std::set<std::string> ours;
    for (const auto& [key, tensor] : stateDictOf(*unet, ""))
        ours.insert(key);
    std::vector<std::string> missing, extra;
    std::set_difference(expected.begin(), expected.end(), ours.begin(), ours.end(),
                        std::back_inserter(missing));
    std::set_difference(ours.begin(), ours.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << "first missing: " << (missing.empty() ? "" : missing[0]);
    EXPECT_TRUE(extra.empty()) << "first unexpected: " << (extra.empty() ? "" : extra[0]);
    EXPECT_EQ(unet->transformerCount(), 16);
}

TEST(UNet, DefaultConfigIsSd15) {
    const UNetConfig config;
    EXPECT_EQ(config.modelChannels, 320);
    EXPECT_EQ(config.channelMult, (std::vector<std::int64_t>{1, 2, 4, 4}));
    EXPECT_EQ(config.attentionResolutions, (std::vector<std::int64_t>{4, 2, 1}));
    EXPECT_EQ(config.contentLayers, (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
    EXPECT_EQ(config.contextDim, 768);
    EXPECT_EQ(config.numHeads, 8);
    EXPECT_EQ(config.imageTokens, 16);
}

TEST(UNet, OutputHasTheInputShapeForSquareAndNonSquareLatents) {
    torch::manual_seed(0);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    // Latents of 64x64, 128x128, 64x192 and 192x128 px images.
    const std::vector<std::vector<std::int64_t>> shapes = {
        {1, 4, 8, 8}, {2, 4, 16, 16}, {1, 4, 8, 24}, {2, 4, 24, 16}};
    for (const auto& shape : shapes) {
        const torch::Tensor x = torch::randn(shape);
        const torch::Tensor eps =
            unet->forward(x, torch::full({shape[0]}, 500, torch::kLong), randomContext(shape[0]));
        EXPECT_EQ(eps.sizes(), x.sizes());
        EXPECT_TRUE(torch::isfinite(eps).all().item<bool>());
    }
}

TEST(UNet, RejectsBadInputsWithAMessage) {
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor t = torch::full({1}, 10, torch::kLong);
    EXPECT_THROW(unet->forward(torch::randn({1, 4, 12, 8}), t, randomContext(1)),
                 std::runtime_error); // not a multiple of 8
    UNetContext missing = randomContext(1);
    missing.contentImage = torch::Tensor();
    EXPECT_THROW(unet->forward(torch::randn({1, 4, 8, 8}), t, missing), std::runtime_error);
    EXPECT_THROW(unet->forward(torch::randn({2, 4, 8, 8}), t.expand({3}), randomContext(2)),
                 std::runtime_error);
    EXPECT_THROW(
        unet->forward(torch::randn({1, 4, 8, 8}), t, randomContext(1), {torch::zeros({1})}),
        std::runtime_error);
}

// With every other layer's attn2 key/value projections zeroed, the output depends on the
// contexts only through layer n: changing the style pair must move it iff n is a style layer,
// changing the content pair iff n is a content layer.
TEST(UNet, EachCrossAttentionLayerReadsItsOwnBranch) {
    torch::manual_seed(1);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    std::map<std::string, std::shared_ptr<torch::nn::Module>> modules;
    for (const auto& item : unet->named_modules())
        modules[item.key()] = item.value();
    std::vector<std::map<std::string, torch::Tensor>> originals;
    for (const std::string& path : transformerPaths()) {
        ASSERT_TRUE(modules.count(path + ".transformer_blocks.0.attn2")) << path;
        std::map<std::string, torch::Tensor> weights;
        for (const auto& p : modules[path + ".transformer_blocks.0.attn2"]->named_parameters())
            weights[p.key()] = p.value().clone();
        originals.push_back(weights);
    }

    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 300, torch::kLong);
    const UNetContext base = randomContext(1);
    UNetContext styleChanged = base;
    styleChanged.styleImage = torch::randn_like(base.styleImage);
    styleChanged.styleText = torch::randn_like(base.styleText);
    UNetContext contentChanged = base;
    contentChanged.contentImage = torch::randn_like(base.contentImage);
    contentChanged.contentText = torch::randn_like(base.contentText);

    for (std::size_t n = 0; n < transformerPaths().size(); ++n) {
        for (std::size_t m = 0; m < transformerPaths().size(); ++m) {
            auto attn2 = modules[transformerPaths()[m] + ".transformer_blocks.0.attn2"];
            for (auto& p : attn2->named_parameters()) {
                const std::string& name = p.key();
                const bool contextProjection = name.find("to_k") != std::string::npos ||
                                               name.find("to_v") != std::string::npos;
                if (contextProjection)
                    p.value().copy_(m == n ? originals[m].at(name) : torch::zeros_like(p.value()));
            }
        }
        const torch::Tensor reference = unet->forward(x, t, base);
        const bool styleMoves = !torch::equal(unet->forward(x, t, styleChanged), reference);
        const bool contentMoves = !torch::equal(unet->forward(x, t, contentChanged), reference);
        const bool content = kContentLayers.count(n) > 0;
        EXPECT_EQ(styleMoves, !content) << "layer " << n << " (" << transformerPaths()[n] << ")";
        EXPECT_EQ(contentMoves, content) << "layer " << n << " (" << transformerPaths()[n] << ")";
        EXPECT_EQ(unet->isContentLayer(static_cast<std::int64_t>(n)), content);
    }
}

TEST(UNet, ContentChangeLeavesTheStyleLayersBeforeTheFirstContentLayerUntouched) {
    torch::manual_seed(2);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 700, torch::kLong);
    UNetContext base = randomContext(1);
    base.styleImage.zero_();
    UNetContext changed = base;
    changed.contentImage = torch::randn_like(base.contentImage);

    const auto record = [&](const UNetContext& context) {
        std::map<std::string, torch::Tensor> outputs;
        unet->forward(x, t, context, {}, [&](const std::string& name, const torch::Tensor& v) {
            outputs[name] = v.clone();
        });
        return outputs;
    };
    auto a = record(base);
    auto b = record(changed);
    for (int n = 0; n < 4; ++n) {
        const std::string name = "spatial_transformer." + std::to_string(n);
        ASSERT_TRUE(a.count(name)) << name;
        EXPECT_TRUE(torch::equal(a[name], b[name])) << name;
    }
    EXPECT_FALSE(torch::equal(a["spatial_transformer.4"], b["spatial_transformer.4"]));
    EXPECT_FALSE(torch::equal(a["output_blocks.11"], b["output_blocks.11"]));
    EXPECT_EQ(a.count("time_emb") + a.count("middle_block") + a.count("input_blocks.11"), 3u);
}

// Attention written out by hand: softmax(q·kᵀ/√d)·v per head, in double.
torch::Tensor handAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            std::int64_t heads) {
    const auto split = [&](const torch::Tensor& t) {
        return t.to(torch::kDouble)
            .view({t.size(0), t.size(1), heads, t.size(2) / heads})
            .permute({0, 2, 1, 3});
    };
    const torch::Tensor qh = split(q), kh = split(k), vh = split(v);
    const double scale = 1.0 / std::sqrt(static_cast<double>(qh.size(3)));
    const torch::Tensor probs = torch::softmax(torch::matmul(qh, kh.transpose(2, 3)) * scale, -1);
    const torch::Tensor out = torch::matmul(probs, vh).permute({0, 2, 1, 3});
    return out.reshape({q.size(0), q.size(1), q.size(2)}).to(torch::kFloat);
}

TEST(DualCrossAttention, KeysAndValuesAreTextFirstAndTheWeightScalesBothImageParts) {
    torch::manual_seed(3);
    torch::NoGradGuard noGrad;
    DualCrossAttention attention(32, kContextDim, 2, 16);
    CrossAttentionContext context{torch::randn({2, kImageTokens, kContextDim}),
                                  torch::randn({2, kTextTokens, kContextDim}), 0.7};
    const ContextKeysValues kv = attention->projectContext(context);
    ASSERT_EQ(kv.keys.sizes(), (std::vector<std::int64_t>{2, kTextTokens + kImageTokens, 32}));
    const torch::Tensor textKeys = torch::matmul(context.text, attention->to_k->weight.t());
    const torch::Tensor imageKeys = torch::matmul(context.image, attention->i_to_k->weight.t());
    const torch::Tensor textValues = torch::matmul(context.text, attention->to_v->weight.t());
    const torch::Tensor imageValues = torch::matmul(context.image, attention->i_to_v->weight.t());
    EXPECT_TRUE(torch::allclose(kv.keys.narrow(1, 0, kTextTokens), textKeys, 1e-5, 1e-6));
    EXPECT_TRUE(
        torch::allclose(kv.keys.narrow(1, kTextTokens, kImageTokens), 0.7 * imageKeys, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(kv.values.narrow(1, 0, kTextTokens), textValues, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(kv.values.narrow(1, kTextTokens, kImageTokens), 0.7 * imageValues,
                                1e-5, 1e-6));

    const torch::Tensor x = torch::randn({2, 6, 32});
    const torch::Tensor q = torch::matmul(x, attention->to_q->weight.t());
    const torch::Tensor expected =
        torch::matmul(handAttention(q, torch::cat({textKeys, 0.7 * imageKeys}, 1),
                                    torch::cat({textValues, 0.7 * imageValues}, 1), 2),
                      attention->to_out[0]->as<torch::nn::Linear>()->weight.t()) +
        attention->to_out[0]->as<torch::nn::Linear>()->bias;
    EXPECT_LT(relativeDifference(attention->forward(x, context), expected), 1e-5);
}

TEST(DualCrossAttention, ZeroImageTokensTakeSoftmaxMassAndWeightZeroIsNotPlainSd) {
    torch::manual_seed(4);
    torch::NoGradGuard noGrad;
    DualCrossAttention attention(32, kContextDim, 2, 16);
    const torch::Tensor text = torch::randn({1, kTextTokens, kContextDim});
    const torch::Tensor x = torch::randn({1, 6, 32});
    const CrossAttentionContext zeroImage{torch::zeros({1, kImageTokens, kContextDim}), text, 1.0};
    const CrossAttentionContext weightZero{torch::randn({1, kImageTokens, kContextDim}), text, 0.0};
    const torch::Tensor withZeros = attention->forward(x, zeroImage);
    EXPECT_TRUE(torch::allclose(attention->forward(x, weightZero), withZeros, 1e-6, 1e-7));

    const torch::Tensor q = torch::matmul(x, attention->to_q->weight.t());
    const torch::Tensor textKeys = torch::matmul(text, attention->to_k->weight.t());
    const torch::Tensor textValues = torch::matmul(text, attention->to_v->weight.t());
    const auto& out = *attention->to_out[0]->as<torch::nn::Linear>();
    const torch::Tensor zeros = torch::zeros({1, kImageTokens, 32});
    const torch::Tensor keptZeros =
        torch::matmul(handAttention(q, torch::cat({textKeys, zeros}, 1),
                                    torch::cat({textValues, zeros}, 1), 2),
                      out.weight.t()) +
        out.bias;
    const torch::Tensor dropped =
        torch::matmul(handAttention(q, textKeys, textValues, 2), out.weight.t()) + out.bias;
    EXPECT_LT(relativeDifference(withZeros, keptZeros), 1e-5);
    EXPECT_GT(relativeDifference(withZeros, dropped), 1e-2); // plain SD would drop them
}

TEST(UNet, ImageWeightZeroEqualsZeroImageContexts) {
    torch::manual_seed(5);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 400, torch::kLong);
    const UNetContext weighted = randomContext(1, 0.0);
    UNetContext zeros = weighted;
    zeros.styleImage = torch::zeros_like(weighted.styleImage);
    zeros.contentImage = torch::zeros_like(weighted.contentImage);
    zeros.imageWeight = 1.0;
    EXPECT_LT(relativeDifference(unet->forward(x, t, weighted), unet->forward(x, t, zeros)), 1e-5);
    UNetContext full = weighted;
    full.imageWeight = 1.0;
    EXPECT_GT(relativeDifference(unet->forward(x, t, full), unet->forward(x, t, zeros)), 1e-3);
}

TEST(UNet, ControlResidualsAreAddedToTheSkipsAndTheMiddleBlock) {
    torch::manual_seed(6);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 100, torch::kLong);
    const UNetContext context = randomContext(1);

    std::map<std::string, torch::Tensor> plain;
    const torch::Tensor eps =
        unet->forward(x, t, context, {}, [&](const std::string& name, const torch::Tensor& v) {
            plain[name] = v.clone();
        });
    std::vector<torch::Tensor> zeros;
    for (int i = 0; i < 12; ++i)
        zeros.push_back(torch::zeros_like(plain["input_blocks." + std::to_string(i)]));
    zeros.push_back(torch::zeros_like(plain["middle_block"]));
    EXPECT_TRUE(torch::equal(unet->forward(x, t, context, zeros), eps));

    std::vector<torch::Tensor> control = zeros;
    control.back() = torch::randn_like(zeros.back());
    std::map<std::string, torch::Tensor> controlled;
    unet->forward(x, t, context, control, [&](const std::string& name, const torch::Tensor& v) {
        controlled[name] = v.clone();
    });
    EXPECT_TRUE(
        torch::allclose(controlled["middle_block"], plain["middle_block"] + control.back()));

    // A residual on the first skip reaches only the last output block.
    control = zeros;
    control[0] = torch::randn_like(zeros[0]);
    controlled.clear();
    const torch::Tensor controlledEps =
        unet->forward(x, t, context, control, [&](const std::string& name, const torch::Tensor& v) {
            controlled[name] = v.clone();
        });
    EXPECT_TRUE(torch::equal(controlled["output_blocks.10"], plain["output_blocks.10"]));
    EXPECT_FALSE(torch::equal(controlled["output_blocks.11"], plain["output_blocks.11"]));
    EXPECT_FALSE(torch::equal(controlledEps, eps));
}

TEST(UNet, TimeEmbeddingIsCosineFirst) {
    const torch::Tensor embedding = timestepEmbedding(torch::tensor({500, 1}), 320);
    ASSERT_EQ(embedding.sizes(), (std::vector<std::int64_t>{2, 320}));
    const double f1 = std::exp(-std::log(10000.0) / 160.0);
    EXPECT_NEAR(embedding[0][0].item<double>(), std::cos(500.0), 1e-6);
    EXPECT_NEAR(embedding[0][160].item<double>(), std::sin(500.0), 1e-6);
    EXPECT_NEAR(embedding[0][1].item<double>(), std::cos(500.0 * f1), 1e-4);
    EXPECT_NEAR(embedding[1][161].item<double>(), std::sin(f1), 1e-6);
}

TEST(UNet, IsDeterministicAndBroadcastsOneTimestep) {
    torch::manual_seed(7);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({2, 4, 8, 8});
    const UNetContext context = randomContext(2);
    const torch::Tensor a = unet->forward(x, torch::full({2}, 250, torch::kLong), context);
    const torch::Tensor b = unet->forward(x, torch::full({2}, 250, torch::kLong), context);
    EXPECT_TRUE(torch::equal(a, b));
    EXPECT_TRUE(torch::equal(unet->forward(x, torch::full({1}, 250, torch::kLong), context), a));
    EXPECT_FALSE(torch::equal(unet->forward(x, torch::full({2}, 251, torch::kLong), context), a));
}

TEST(UNet, ReloadedWeightsGiveTheSameOutput) {
    torch::manual_seed(8);
    torch::NoGradGuard noGrad;
    UNetModel source(smallConfig());
    UNetModel target(smallConfig());
    loadStateDict(*target, stateDictOf(*source, "model.diffusion_model."),
                  "model.diffusion_model.");
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 999, torch::kLong);
    const UNetContext context = randomContext(1);
    EXPECT_TRUE(torch::equal(source->forward(x, t, context), target->forward(x, t, context)));
}

// bfloat16 keeps 8 significant bits; through ~60 layers the eps of this small model stays
// within 5 % of float32 (max abs error over max abs value; measured ~1-2 %).
TEST(UNet, ProjectedContextGivesThePlainResultInBothDtypes) {
    torch::manual_seed(11);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({2, 4, 16, 16});
    const torch::Tensor t = torch::tensor({999, 3}, torch::kLong);
    const UNetContext context = randomContext(2, 0.7);
    for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
        unet->to(dtype);
        const UNetContext projected = unet->projectContext(context);
        ASSERT_TRUE(projected.projected);
        EXPECT_EQ(static_cast<std::int64_t>(projected.projected->size()), unet->transformerCount());
        const torch::Tensor plain = unet->forward(x, t, context);
        // Twice: the cached keys/values are reused unchanged.
        EXPECT_LT(relativeDifference(unet->forward(x, t, projected), plain), 1e-6);
        EXPECT_LT(relativeDifference(unet->forward(x, t, projected), plain), 1e-6);
        // Each layer's set is that layer's own projection of its branch (content layer 4).
        const auto& layer4 = (*projected.projected)[4].front();
        const auto attn2 = unet->named_modules()["input_blocks.7.1.transformer_blocks.0.attn2"]
                               ->as<DualCrossAttention>();
        const ContextKeysValues direct = attn2->projectContext(
            {context.contentImage.to(dtype), context.contentText.to(dtype), 0.7});
        EXPECT_TRUE(torch::equal(layer4.keys, direct.keys));
        EXPECT_TRUE(torch::equal(layer4.values, direct.values));
    }
    // Keys/values made for another batch are refused, not broadcast.
    const UNetContext single = unet->projectContext(randomContext(1));
    UNetContext mismatched = randomContext(2);
    mismatched.projected = single.projected;
    EXPECT_ANY_THROW(unet->forward(x, t, mismatched));
}

TEST(UNet, Bfloat16StaysCloseToFloat32) {
    torch::manual_seed(9);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({2, 4, 16, 16});
    const torch::Tensor t = torch::full({2}, 600, torch::kLong);
    const UNetContext context = randomContext(2);
    const torch::Tensor reference = unet->forward(x, t, context);
    unet->to(torch::kBFloat16);
    const torch::Tensor reduced = unet->forward(x, t, context);
    EXPECT_EQ(reduced.scalar_type(), torch::kFloat); // returned in x's dtype
    const torch::Tensor native = unet->forward(x.to(torch::kBFloat16), t, context);
    EXPECT_EQ(native.scalar_type(), torch::kBFloat16);
    const double error = relativeDifference(reduced, reference);
    RecordProperty("bf16_relative_error", std::to_string(error));
    EXPECT_LT(error, 5e-2);
    EXPECT_GT(error, 0.0); // it really ran in bfloat16
}

} // namespace
} // namespace deadiff::nn

namespace deadiff::nn {
namespace {

// oneDNN's bfloat16 convolutions can hand back channels-last tensors; LibTorch 1.13's CPU
// GroupNorm is far off on those, so the UNet/VAE norms must normalise an NCHW copy.
TEST(GroupNormNchw, IsAccurateOnChannelsLastBfloat16) {
    torch::manual_seed(10);
    torch::NoGradGuard noGrad;
    GroupNormNchw norm(torch::nn::GroupNormOptions(32, 320).eps(1e-5));
    const torch::Tensor x = torch::randn({2, 320, 32, 32}) * 2.0 - 0.1;
    const torch::Tensor reference = norm->forward(x);
    norm->to(torch::kBFloat16);
    const torch::Tensor channelsLast =
        x.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
    ASSERT_FALSE(channelsLast.is_contiguous());
    const torch::Tensor reduced = norm->forward(channelsLast).to(torch::kFloat);
    const double rms = ((reduced - reference).pow(2).mean().sqrt() / reference.pow(2).mean().sqrt())
                           .item<double>();
    RecordProperty("bf16_channels_last_rms_error", std::to_string(rms));
    EXPECT_LT(rms, 0.01);
}

// Hand-written float64 normalisation over the last `groupSize` elements of each row.
torch::Tensor normaliseRows(const torch::Tensor& rows, double eps) {
    const torch::Tensor x = rows.to(torch::kDouble);
    const torch::Tensor mean = x.mean(-1, true);
    const torch::Tensor variance = (x - mean).pow(2).mean(-1, true);
    return (x - mean) / (variance + eps).sqrt();
}

// bfloat16 norms run in float32 (LibTorch 1.13's bf16 GroupNorm/LayerNorm kernels are ~8x
// slower): the result must be the exact normalisation rounded once to bf16, in bf16.
TEST(ReducedPrecisionNorms, GroupAndLayerNormRoundTheFloat64ResultOnce) {
    torch::manual_seed(11);
    torch::NoGradGuard noGrad;
    GroupNormNchw group(torch::nn::GroupNormOptions(4, 8).eps(1e-5));
    LayerNormFloat layer(torch::nn::LayerNormOptions({24}).eps(1e-5));
    for (auto* parameters : {&group->weight, &group->bias, &layer->weight, &layer->bias})
        parameters->uniform_(-2.0, 2.0);
    group->to(torch::kBFloat16);
    layer->to(torch::kBFloat16);

    const torch::Tensor image = (torch::randn({2, 8, 5, 3}) * 3.0 + 1.5).to(torch::kBFloat16);
    const torch::Tensor groupOut = group->forward(image);
    ASSERT_EQ(groupOut.scalar_type(), torch::kBFloat16);
    const torch::Tensor groupWeight = group->weight.to(torch::kDouble).view({1, 8, 1, 1});
    const torch::Tensor groupBias = group->bias.to(torch::kDouble).view({1, 8, 1, 1});
    const torch::Tensor groupExpected =
        normaliseRows(image.reshape({2, 4, 30}), 1e-5).view({2, 8, 5, 3}) * groupWeight + groupBias;

    const torch::Tensor tokens = (torch::randn({2, 7, 24}) * 4.0 - 2.0).to(torch::kBFloat16);
    const torch::Tensor layerOut = layer->forward(tokens);
    ASSERT_EQ(layerOut.scalar_type(), torch::kBFloat16);
    const torch::Tensor layerExpected =
        normaliseRows(tokens, 1e-5) * layer->weight.to(torch::kDouble) +
        layer->bias.to(torch::kDouble);

    // One rounding to bf16 (8 significant bits): within half a unit in the last place, plus
    // float32 noise; the former bf16 kernels were off by several units.
    for (const auto& [out, expected] :
         {std::pair{groupOut, groupExpected}, std::pair{layerOut, layerExpected}}) {
        const torch::Tensor error = (out.to(torch::kDouble) - expected).abs();
        const torch::Tensor allowed = expected.abs() * std::pow(2.0, -8) * 1.01 + 1e-5;
        EXPECT_TRUE((error <= allowed).all().item<bool>())
            << "max error " << error.max().item<double>();
    }
}

// Inference normalises big bf16 tensors a slice of groups at a time (bounded float32
// temporaries); the groups are independent, so the result is the one of the whole tensor.
TEST(ReducedPrecisionNorms, GroupSlicesGiveTheWholeTensorsResult) {
    torch::manual_seed(14);
    torch::NoGradGuard noGrad;
    GroupNormNchw norm(torch::nn::GroupNormOptions(8, 32).eps(1e-6));
    norm->weight.uniform_(-2.0, 2.0);
    norm->bias.uniform_(-1.0, 1.0);
    norm->to(torch::kBFloat16);
    const torch::Tensor x = (torch::randn({1, 32, 6, 5}) * 3.0 + 1.0).to(torch::kBFloat16);
    const torch::Tensor whole = norm->forward(x);
    for (const std::int64_t budget : {1, 130, 400}) { // 1, 1 and 3 groups of 120 per slice
        norm->maxFloatElements = budget;
        const torch::Tensor sliced = norm->forward(x);
        EXPECT_EQ(sliced.scalar_type(), torch::kBFloat16);
        EXPECT_TRUE(torch::equal(sliced, whole)) << "budget " << budget;
    }
}

// float32 keeps LibTorch's kernels untouched (training runs there) and stays differentiable.
TEST(ReducedPrecisionNorms, Float32IsTheLibTorchModuleAndTrains) {
    torch::manual_seed(12);
    GroupNormNchw group(torch::nn::GroupNormOptions(4, 8).eps(1e-5));
    LayerNormFloat layer(torch::nn::LayerNormOptions({24}).eps(1e-5));
    torch::nn::GroupNorm plainGroup(torch::nn::GroupNormOptions(4, 8).eps(1e-5));
    torch::nn::LayerNorm plainLayer(torch::nn::LayerNormOptions({24}).eps(1e-5));
    const torch::Tensor image = torch::randn({2, 8, 5, 3}, torch::requires_grad());
    const torch::Tensor tokens = torch::randn({2, 7, 24}, torch::requires_grad());
    EXPECT_TRUE(torch::equal(group->forward(image), plainGroup->forward(image)));
    EXPECT_TRUE(torch::equal(layer->forward(tokens), plainLayer->forward(tokens)));
    (group->forward(image).pow(2).sum() + layer->forward(tokens).pow(3).sum()).backward();
    ASSERT_TRUE(group->weight.grad().defined() && layer->weight.grad().defined());
    EXPECT_GT(tokens.grad().abs().sum().item<double>(), 0.0);
}

// GEGLU hands GELU a contiguous gate (the strided view is ~9x slower in bf16): a·gelu(g) as
// computed independently in float64 from the projection, in both dtypes.
TEST(GEGLU, IsTheFirstHalfTimesGeluOfTheSecond) {
    torch::manual_seed(13);
    torch::NoGradGuard noGrad;
    GEGLU geglu(16, 12);
    const torch::Tensor x = torch::randn({2, 5, 16});
    for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
        geglu->to(dtype);
        const torch::Tensor projected = geglu->proj->forward(x.to(dtype)).to(torch::kDouble);
        const torch::Tensor a = projected.narrow(-1, 0, 12);
        const torch::Tensor g = projected.narrow(-1, 12, 12);
        const torch::Tensor expected = a * 0.5 * g * (1.0 + torch::erf(g / std::sqrt(2.0)));
        const torch::Tensor out = geglu->forward(x.to(dtype)).to(torch::kDouble);
        const double tolerance = dtype == torch::kFloat ? 1e-5 : 0.02;
        EXPECT_TRUE(torch::allclose(out, expected, tolerance, tolerance))
            << "max error " << (out - expected).abs().max().item<double>();
    }
}

// DeepCache: a reusing call runs only the shallow branch (the first and last `shallowBlocks`
// blocks, with the transformers' own contexts) and, given the same input as the recording call,
// reproduces the full call.
TEST(UNet, DeepCacheReuseRunsOnlyTheShallowBranch) {
    torch::manual_seed(8);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor x = torch::randn({2, 4, 8, 8});
    const torch::Tensor t = torch::full({2}, 300, torch::kLong);
    const UNetContext context = randomContext(2);
    const torch::Tensor full = unet->forward(x, t, context);
    for (const std::int64_t shallow : {1, 3}) {
        UNetDeepCache cache;
        cache.shallowBlocks = shallow;
        EXPECT_TRUE(torch::equal(unet->forward(x, t, context, {}, nullptr, &cache), full));
        ASSERT_TRUE(cache.deep.defined());
        EXPECT_EQ(cache.reusedCalls, 0);

        cache.reuse = true;
        std::vector<std::string> ran;
        const torch::Tensor reused = unet->forward(
            x, t, context, {},
            [&](const std::string& name, const torch::Tensor&) { ran.push_back(name); }, &cache);
        EXPECT_EQ(cache.reusedCalls, 1);
        EXPECT_LT(relativeDifference(reused, full), 1e-6) << "shallow " << shallow;
        std::vector<std::string> expected = {"time_emb"};
        if (shallow == 1) {
            expected.insert(expected.end(),
                            {"input_blocks.0", "spatial_transformer.15", "output_blocks.11"});
        } else {
            expected.insert(expected.end(),
                            {"input_blocks.0", "spatial_transformer.0", "input_blocks.1",
                             "spatial_transformer.1", "input_blocks.2", "spatial_transformer.13",
                             "output_blocks.9", "spatial_transformer.14", "output_blocks.10",
                             "spatial_transformer.15", "output_blocks.11"});
        }
        EXPECT_EQ(ran, expected) << "shallow " << shallow;
    }
}

// With another input, the reusing call is the last output block on the recorded deep features
// and the new first skip, computed here from the blocks themselves.
TEST(UNet, DeepCacheReuseCombinesTheRecordedDeepFeaturesWithTheNewSkip) {
    torch::manual_seed(9);
    torch::NoGradGuard noGrad;
    const UNetConfig config = smallConfig();
    UNetModel unet(config);
    const torch::Tensor x1 = torch::randn({1, 4, 8, 8});
    const torch::Tensor x2 = torch::randn({1, 4, 8, 8});
    const torch::Tensor t1 = torch::full({1}, 500, torch::kLong);
    const torch::Tensor t2 = torch::full({1}, 400, torch::kLong);
    const UNetContext context = randomContext(1, 0.7);
    std::map<std::string, torch::Tensor> first, second;
    const auto keep = [](std::map<std::string, torch::Tensor>& into) {
        return [&into](const std::string& name, const torch::Tensor& v) { into[name] = v.clone(); };
    };
    UNetDeepCache cache;
    unet->forward(x1, t1, context, {}, keep(first), &cache);
    EXPECT_TRUE(torch::equal(cache.deep, first["output_blocks.10"]));
    const torch::Tensor fresh = unet->forward(x2, t2, context, {}, keep(second));
    cache.reuse = true;
    const torch::Tensor reused = unet->forward(x2, t2, context, {}, nullptr, &cache);

    const torch::Tensor emb =
        unet->time_embed->forward(timestepEmbedding(t2, config.modelChannels));
    std::int64_t index = 15; // the last transformer: a style layer
    const auto styleContext = [&](std::int64_t) {
        return CrossAttentionContext{context.styleImage, context.styleText, 0.7};
    };
    const torch::Tensor h = unet->output_blocks[11]->as<UNetBlock>()->forward(
        torch::cat({first["output_blocks.10"], second["input_blocks.0"]}, 1), emb, styleContext,
        index, nullptr);
    EXPECT_LT(relativeDifference(reused, unet->out->forward(h)), 1e-6);
    EXPECT_GT(relativeDifference(reused, fresh), 1e-3); // the deep features are x1's, not x2's
}

TEST(UNet, DeepCacheFallsBackToAFullCallWhenNothingFitsAndRefusesControl) {
    torch::manual_seed(10);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallConfig());
    const torch::Tensor t = torch::full({1}, 200, torch::kLong);
    UNetDeepCache cache;
    cache.reuse = true; // nothing recorded yet: a full call, which records
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const UNetContext context = randomContext(1);
    EXPECT_TRUE(torch::equal(unet->forward(x, t, context, {}, nullptr, &cache),
                             unet->forward(x, t, context)));
    EXPECT_EQ(cache.reusedCalls, 0);
    // Another batch or size: full again.
    const torch::Tensor pair = torch::randn({2, 4, 8, 8});
    const UNetContext pairContext = randomContext(2);
    EXPECT_TRUE(torch::equal(unet->forward(pair, t, pairContext, {}, nullptr, &cache),
                             unet->forward(pair, t, pairContext)));
    const torch::Tensor larger = torch::randn({2, 4, 16, 16});
    EXPECT_TRUE(torch::equal(unet->forward(larger, t, pairContext, {}, nullptr, &cache),
                             unet->forward(larger, t, pairContext)));
    EXPECT_EQ(cache.reusedCalls, 0);

    std::vector<torch::Tensor> control;
    for (int i = 0; i < 13; ++i)
        control.push_back(torch::zeros({1}));
    EXPECT_THROW(unet->forward(x, t, context, control, nullptr, &cache), std::runtime_error);
    cache.shallowBlocks = 12;
    EXPECT_THROW(unet->forward(x, t, context, {}, nullptr, &cache), std::runtime_error);
}

} // namespace
} // namespace deadiff::nn
