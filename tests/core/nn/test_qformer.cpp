#include "core/nn/blip2_qformer.h"
#include "core/nn/qformer.h"

#include "core/nn/state_dict.h"
#include "tests/core/nn/checkpoint_manifest.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

namespace deadiff::nn {
namespace {

QFormerConfig tinyConfig(std::int64_t layers = 2) {
    QFormerConfig config;
    config.vocabSize = 30;
    config.hidden = 16;
    config.layers = layers;
    config.heads = 4;
    config.intermediate = 24;
    config.maxPositions = 10;
    config.encoderWidth = 12;
    return config;
}

struct Inputs {
    torch::Tensor ids = torch::randint(30, {2, 4}, torch::kInt64);
    torch::Tensor queries = torch::randn({2, 3, 16});
    torch::Tensor image = torch::randn({2, 5, 12});
};

// Random LayerNorm affine parameters, so no layer is the identity-after-normalisation.
void perturbNorms(torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    for (auto& item : module.named_parameters())
        if (item.key().find("LayerNorm") != std::string::npos)
            item.value().add_(0.3 * torch::randn_like(item.value()));
}

TEST(QFormer, DefaultsAreBlip2sBertBase) {
    const QFormerConfig config;
    EXPECT_EQ(config.vocabSize, 30523);
    EXPECT_EQ(config.hidden, 768);
    EXPECT_EQ(config.layers, 12);
    EXPECT_EQ(config.heads, 12);
    EXPECT_EQ(config.intermediate, 3072);
    EXPECT_EQ(config.encoderWidth, 1024);
    EXPECT_EQ(config.crossAttentionFrequency, 1);
    EXPECT_DOUBLE_EQ(config.layerNormEps, 1e-12);
    EXPECT_EQ(Blip2QFormerConfig().queryTokens, 16);
}

TEST(QFormer, ReturnsQueryRowsThenTextRows) {
    torch::manual_seed(1);
    QFormer model(tinyConfig());
    torch::NoGradGuard noGrad;
    const Inputs in;
    EXPECT_EQ(model(in.ids, in.queries, in.image).sizes(), (std::vector<std::int64_t>{2, 7, 16}));
    // No text at all: the queries alone (LAVIS's input_ids=None path).
    EXPECT_EQ(model(torch::zeros({2, 0}, torch::kInt64), in.queries, in.image).sizes(),
              (std::vector<std::int64_t>{2, 3, 16}));
}

// Without layers the output is the embedding: LayerNorm over [queries ; word + position], with
// no position embedding on the queries and positions counted from the first text token.
TEST(QFormer, EmbeddingIsLayerNormOfQueriesThenPositionedWords) {
    torch::manual_seed(2);
    QFormer model(tinyConfig(/*layers=*/0));
    perturbNorms(*model);
    torch::NoGradGuard noGrad;
    const Inputs in;
    const auto& embeddings = model->bert->embeddings;
    const torch::Tensor words = embeddings->word_embeddings->weight.index_select(0, in.ids[1]) +
                                embeddings->position_embeddings->weight.slice(0, 0, 4);
    const torch::Tensor expected =
        torch::layer_norm(torch::cat({in.queries[1], words}), {16}, embeddings->LayerNorm->weight,
                          embeddings->LayerNorm->bias, 1e-12);
    EXPECT_LT((model(in.ids, in.queries, in.image)[1] - expected).abs().max().item<double>(), 1e-5);
}

// In one layer the text rows read the queries' *embeddings* only, so if they never
// cross-attend the image cannot reach them; the query rows must see it.
TEST(QFormer, OnlyQueryRowsCrossAttendToTheImage) {
    torch::manual_seed(3);
    QFormer model(tinyConfig(/*layers=*/1));
    torch::NoGradGuard noGrad;
    const Inputs in;
    const torch::Tensor before = model(in.ids, in.queries, in.image);
    const torch::Tensor after = model(in.ids, in.queries, torch::randn({2, 5, 12}));
    EXPECT_TRUE(torch::allclose(after.slice(1, 3), before.slice(1, 3), 0, 1e-6));
    EXPECT_GT((after.slice(1, 0, 3) - before.slice(1, 0, 3)).abs().max().item<double>(), 1e-3);
}

// Self-attention is bidirectional over all rows: the last text token reaches the first query.
TEST(QFormer, SelfAttentionIsBidirectional) {
    torch::manual_seed(4);
    QFormer model(tinyConfig(/*layers=*/1));
    torch::NoGradGuard noGrad;
    const Inputs in;
    torch::Tensor changed = in.ids.clone();
    changed.select(1, 3).fill_(0);
    changed.select(1, 3).add_((in.ids.select(1, 3) + 1) % 30);
    const torch::Tensor before = model(in.ids, in.queries, in.image);
    const torch::Tensor after = model(changed, in.queries, in.image);
    EXPECT_GT((after.slice(1, 0, 1) - before.slice(1, 0, 1)).abs().max().item<double>(), 1e-4);
}

// Query rows use intermediate_query/output_query, text rows intermediate/output: in one layer,
// perturbing one feed-forward moves only its own rows.
TEST(QFormer, QueryAndTextRowsUseTheirOwnFeedForward) {
    torch::manual_seed(5);
    QFormer model(tinyConfig(/*layers=*/1));
    torch::NoGradGuard noGrad;
    const Inputs in;
    const auto& layer = model->bert->encoder->layer[0]->as<QFormerLayerImpl>();
    const torch::Tensor before = model(in.ids, in.queries, in.image);

    layer->intermediate->dense->weight.add_(0.5 *
                                            torch::randn_like(layer->intermediate->dense->weight));
    const torch::Tensor textChanged = model(in.ids, in.queries, in.image);
    EXPECT_TRUE(torch::allclose(textChanged.slice(1, 0, 3), before.slice(1, 0, 3), 0, 1e-6));
    EXPECT_GT((textChanged.slice(1, 3) - before.slice(1, 3)).abs().max().item<double>(), 1e-3);

    layer->intermediate_query->dense->weight.add_(
        0.5 * torch::randn_like(layer->intermediate_query->dense->weight));
    const torch::Tensor bothChanged = model(in.ids, in.queries, in.image);
    EXPECT_TRUE(torch::allclose(bothChanged.slice(1, 3), textChanged.slice(1, 3), 0, 1e-6));
    EXPECT_GT((bothChanged.slice(1, 0, 3) - textChanged.slice(1, 0, 3)).abs().max().item<double>(),
              1e-3);
}

// One post-LN layer written out with plain tensor ops (BertSelfAttention with scores / √d and a
// zero mask, LN(dense + residual), erf GELU), row blocks handled as the spec describes.
TEST(QFormer, MatchesAHandWrittenSingleLayer) {
    torch::manual_seed(6);
    QFormer model(tinyConfig(/*layers=*/1));
    perturbNorms(*model);
    torch::NoGradGuard noGrad;
    const Inputs in;
    const auto& layer = model->bert->encoder->layer[0]->as<QFormerLayerImpl>();
    const auto linear = [](const torch::Tensor& x, const torch::nn::Linear& l) {
        return torch::matmul(x, l->weight.t()) + l->bias;
    };
    const auto norm = [](const torch::Tensor& x, const torch::nn::LayerNorm& ln) {
        return torch::layer_norm(x, {16}, ln->weight, ln->bias, 1e-12);
    };
    const auto attend = [&](const torch::Tensor& x, const torch::Tensor& context,
                            const BertAttention& attention) {
        const torch::Tensor q = linear(x, attention->self->query);
        const torch::Tensor k = linear(context, attention->self->key);
        const torch::Tensor v = linear(context, attention->self->value);
        std::vector<torch::Tensor> heads;
        for (std::int64_t h = 0; h < 4; ++h) {
            const auto cols = torch::indexing::Slice(h * 4, h * 4 + 4);
            const torch::Tensor scores =
                torch::matmul(q.index({torch::indexing::Slice(), cols}),
                              k.index({torch::indexing::Slice(), cols}).t()) /
                2.0;
            heads.push_back(torch::matmul(torch::softmax(scores, -1),
                                          v.index({torch::indexing::Slice(), cols})));
        }
        return norm(linear(torch::cat(heads, 1), attention->output->dense) + x,
                    attention->output->LayerNorm);
    };
    const auto feedForward = [&](const torch::Tensor& x, const BertIntermediate& up,
                                 const BertResidualOutput& down) {
        const torch::Tensor pre = linear(x, up->dense);
        const torch::Tensor gelu = 0.5 * pre * (1 + torch::erf(pre / std::sqrt(2.0)));
        return norm(linear(gelu, down->dense) + x, down->LayerNorm);
    };

    const torch::Tensor embedded = model->bert->embeddings(in.ids, in.queries)[0];
    const torch::Tensor attended = attend(embedded, embedded, layer->attention);
    torch::Tensor queries = attend(attended.slice(0, 0, 3), in.image[0], layer->crossattention);
    queries = feedForward(queries, layer->intermediate_query, layer->output_query);
    const torch::Tensor text =
        feedForward(attended.slice(0, 3), layer->intermediate, layer->output);
    const torch::Tensor expected = torch::cat({queries, text});

    EXPECT_LT((model(in.ids, in.queries, in.image)[0] - expected).abs().max().item<double>(), 1e-5);
}

TEST(QFormer, CrossAttentionFrequencyLeavesOutTheModules) {
    QFormerConfig config = tinyConfig(/*layers=*/3);
    config.crossAttentionFrequency = 2;
    QFormer model(config);
    const TensorMap keys = stateDictOf(*model, "");
    EXPECT_TRUE(keys.count("bert.encoder.layer.0.crossattention.self.key.weight"));
    EXPECT_FALSE(keys.count("bert.encoder.layer.1.crossattention.self.key.weight"));
    EXPECT_TRUE(keys.count("bert.encoder.layer.2.crossattention.self.key.weight"));
    EXPECT_EQ(keys.at("bert.encoder.layer.0.crossattention.self.key.weight").sizes(),
              (std::vector<std::int64_t>{16, 12}));
}

TEST(QFormer, RejectsInconsistentInputs) {
    QFormer model(tinyConfig());
    torch::NoGradGuard noGrad;
    const Inputs in;
    EXPECT_THROW(model(in.ids.to(torch::kInt32), in.queries, in.image), std::runtime_error);
    EXPECT_THROW(model(torch::full({2, 4}, 30, torch::kInt64), in.queries, in.image),
                 std::runtime_error);
    EXPECT_THROW(model(torch::zeros({2, 11}, torch::kInt64), in.queries, in.image),
                 std::runtime_error);
    EXPECT_THROW(model(in.ids, in.queries, torch::randn({2, 5, 16})), std::runtime_error);
    EXPECT_THROW(model(in.ids, in.queries, torch::randn({1, 5, 12})), std::runtime_error);
}

Blip2QFormerConfig tinyBlipConfig(std::int64_t visionLayers = 1, std::int64_t qformerLayers = 1) {
    Blip2QFormerConfig config;
    config.vision.imageSize = 8;
    config.vision.patchSize = 4;
    config.vision.width = 12;
    config.vision.layers = visionLayers;
    config.vision.heads = 2;
    config.vision.mlpWidth = 16;
    config.qformer = tinyConfig(qformerLayers);
    config.queryTokens = 3;
    return config;
}

TEST(Blip2QFormer, ReturnsTheQueryRowsOfTheQFormerOnNormalisedImageTokens) {
    torch::manual_seed(7);
    Blip2QFormer blip(tinyBlipConfig());
    perturbNorms(*blip);
    torch::NoGradGuard noGrad;
    blip->ln_vision->weight.add_(0.3 * torch::randn({12}));
    const torch::Tensor image = torch::randn({2, 3, 8, 8});
    const torch::Tensor ids = torch::tensor({1, 7, 2}, torch::kInt64).unsqueeze(0).repeat({2, 1});

    const torch::Tensor tokens = blip->encodeImage(image);
    ASSERT_EQ(tokens.sizes(), (std::vector<std::int64_t>{2, 5, 12}));
    const torch::Tensor expectedTokens = torch::layer_norm(
        blip->visual_encoder(image), {12}, blip->ln_vision->weight, blip->ln_vision->bias, 1e-5);
    EXPECT_LT((tokens - expectedTokens).abs().max().item<double>(), 1e-6);

    const torch::Tensor hidden = blip->queryHidden(tokens, ids);
    ASSERT_EQ(hidden.sizes(), (std::vector<std::int64_t>{2, 6, 16}));
    const torch::Tensor expectedHidden =
        blip->Qformer(ids, blip->query_tokens.expand({2, -1, -1}), tokens);
    EXPECT_TRUE(torch::allclose(hidden, expectedHidden, 0, 1e-6));

    const torch::Tensor rows = blip(image, ids);
    ASSERT_EQ(rows.sizes(), (std::vector<std::int64_t>{2, 3, 16}));
    EXPECT_TRUE(torch::allclose(rows, hidden.slice(1, 0, 3), 0, 1e-6));
}

TEST(Blip2QFormer, BranchTextsAreTheOfficialBertIds) {
    EXPECT_EQ(styleTextIds(), (std::vector<std::int64_t>{101, 2806, 102}));
    EXPECT_EQ(contentTextIds(), (std::vector<std::int64_t>{101, 4180, 102}));
}

// Real layer counts (23 ViT blocks, 12 Q-Former layers) with small widths: every key the
// released checkpoint has under `style_blip.` is a parameter or ignored on purpose, and back.
TEST(Blip2QFormer, ParameterNamesAreTheReleasedCheckpointKeys) {
    const Blip2QFormerConfig config = tinyBlipConfig(/*visionLayers=*/23, /*qformerLayers=*/12);
    const TensorMap ours = stateDictOf(*Blip2QFormer(config), kStyleBlipPrefix);
    const auto manifest =
        test::manifestEntriesUnder(kStyleBlipPrefix, blip2QFormerLoadOptions().ignoredKeyPrefixes);
    std::set<std::string> ourKeys, manifestKeys;
    for (const auto& item : ours)
        ourKeys.insert(item.first);
    for (const auto& item : manifest)
        manifestKeys.insert(item.first);
    EXPECT_EQ(ourKeys, manifestKeys);
    // Of the 687 entries only the LM head, projections, ITM head and temperature are left out.
    EXPECT_EQ(test::manifestEntriesUnder(kStyleBlipPrefix).size(), 687u);
    EXPECT_EQ(687u - manifestKeys.size(), 7u + 6u + 1u);
}

} // namespace
} // namespace deadiff::nn
