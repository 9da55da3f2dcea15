#include "core/nn/clip_text.h"

#include "core/nn/state_dict.h"
#include "tests/core/nn/checkpoint_manifest.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <set>

namespace deadiff::nn {
namespace {

ClipTextConfig tinyConfig(std::int64_t layers = 2) {
    ClipTextConfig config;
    config.vocabSize = 40;
    config.maxPositions = 7;
    config.width = 16;
    config.layers = layers;
    config.heads = 4;
    config.mlpWidth = 24;
    return config;
}

torch::Tensor randomIds(std::int64_t batch, std::int64_t length, std::int64_t vocab) {
    return torch::randint(vocab, {batch, length}, torch::kInt64);
}

TEST(ClipText, DefaultsAreTheSd15TextTower) {
    const ClipTextConfig config;
    EXPECT_EQ(config.vocabSize, 49408);
    EXPECT_EQ(config.maxPositions, 77);
    EXPECT_EQ(config.width, 768);
    EXPECT_EQ(config.layers, 12);
    EXPECT_EQ(config.heads, 12);
    EXPECT_EQ(config.mlpWidth, 3072);
}

TEST(ClipText, ReturnsOneNormalisedVectorPerToken) {
    torch::manual_seed(1);
    ClipTextModel model(tinyConfig());
    torch::NoGradGuard noGrad;
    const torch::Tensor out = model(randomIds(2, 7, 40));
    ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{2, 7, 16}));
    // final_layer_norm (fresh: weight 1, bias 0) is the last step: every row has mean 0, var 1.
    EXPECT_LT(out.mean(-1).abs().max().item<double>(), 1e-5);
    EXPECT_LT((out.var(-1, /*unbiased=*/false) - 1).abs().max().item<double>(), 1e-3);
}

TEST(ClipText, CausalMaskHidesLaterTokens) {
    torch::manual_seed(2);
    ClipTextModel model(tinyConfig());
    torch::NoGradGuard noGrad;
    const torch::Tensor ids = randomIds(1, 7, 40);
    const torch::Tensor before = model(ids);
    for (std::int64_t j = 1; j < 7; ++j) {
        torch::Tensor changed = ids.clone();
        changed[0][j] = (ids[0][j].item<std::int64_t>() + 1) % 40;
        const torch::Tensor after = model(changed);
        EXPECT_TRUE(torch::allclose(after.slice(1, 0, j), before.slice(1, 0, j), 0, 1e-6))
            << "an output before token " << j << " depends on it";
        EXPECT_GT((after.slice(1, j) - before.slice(1, j)).abs().max().item<double>(), 1e-3)
            << "changing token " << j << " changed nothing from it on";
    }
}

// One pre-LN layer written out with plain tensor ops, per head, with an explicit triangular
// loop for the mask: an independent statement of the HF CLIPTextModel computation.
TEST(ClipText, MatchesAHandWrittenSingleLayerModel) {
    torch::manual_seed(3);
    const ClipTextConfig config = tinyConfig(/*layers=*/1);
    ClipTextModel model(config);
    torch::NoGradGuard noGrad;
    // Non-trivial norms so a swapped or missing LayerNorm shows.
    for (auto& item : model->named_parameters())
        if (item.key().find("norm") != std::string::npos)
            item.value().add_(0.3 * torch::randn_like(item.value()));
    const torch::Tensor ids = randomIds(1, 6, config.vocabSize);

    const auto& layer = model->encoder->layers[0]->as<ClipTextLayerImpl>();
    const auto norm = [](const torch::Tensor& x, const torch::nn::LayerNorm& ln) {
        const torch::Tensor mean = x.mean(-1, true);
        const torch::Tensor var = (x - mean).pow(2).mean(-1, true);
        return (x - mean) / torch::sqrt(var + 1e-5) * ln->weight + ln->bias;
    };
    const auto linear = [](const torch::Tensor& x, const torch::nn::Linear& l) {
        return torch::matmul(x, l->weight.t()) + l->bias;
    };
    const std::int64_t length = 6, heads = 4, headDim = 4;
    torch::Tensor x = model->embeddings->token_embedding->weight.index_select(0, ids[0]) +
                      model->embeddings->position_embedding->weight.slice(0, 0, length);
    const torch::Tensor h = norm(x, layer->layer_norm1);
    const torch::Tensor q = linear(h, layer->self_attn->q_proj);
    const torch::Tensor k = linear(h, layer->self_attn->k_proj);
    const torch::Tensor v = linear(h, layer->self_attn->v_proj);
    torch::Tensor attended = torch::zeros({length, config.width});
    for (std::int64_t head = 0; head < heads; ++head) {
        const auto cols = torch::indexing::Slice(head * headDim, (head + 1) * headDim);
        for (std::int64_t i = 0; i < length; ++i) {
            // Token i attends to tokens 0..i only.
            const torch::Tensor scores =
                torch::matmul(k.index({torch::indexing::Slice(0, i + 1), cols}),
                              q.index({i, cols})) /
                std::sqrt(static_cast<double>(headDim));
            const torch::Tensor weights = torch::softmax(scores, 0);
            attended.index_put_(
                {i, cols},
                torch::matmul(weights, v.index({torch::indexing::Slice(0, i + 1), cols})));
        }
    }
    x = x + linear(attended, layer->self_attn->out_proj);
    const torch::Tensor pre = linear(norm(x, layer->layer_norm2), layer->mlp->fc1);
    x = x + linear(pre * torch::sigmoid(1.702 * pre), layer->mlp->fc2);
    const torch::Tensor expected = norm(x, model->final_layer_norm);

    const torch::Tensor out = model(ids)[0];
    EXPECT_LT((out - expected).abs().max().item<double>(), 1e-5);
}

TEST(ClipText, RejectsIdsItCannotEmbed) {
    ClipTextModel model(tinyConfig());
    torch::NoGradGuard noGrad;
    EXPECT_THROW(model(torch::full({1, 3}, 40, torch::kInt64)), std::runtime_error);
    EXPECT_THROW(model(torch::full({1, 3}, -1, torch::kInt64)), std::runtime_error);
    EXPECT_THROW(model(torch::zeros({1, 8}, torch::kInt64)), std::runtime_error);
    EXPECT_THROW(model(torch::zeros({1, 3}, torch::kInt32)), std::runtime_error);
    EXPECT_THROW(model(torch::zeros({3}, torch::kInt64)), std::runtime_error);
}

TEST(ClipText, ParameterNamesAreTheReleasedCheckpointKeys) {
    ClipTextConfig config = tinyConfig(/*layers=*/12);
    const TensorMap ours = stateDictOf(*ClipTextModel(config), kClipTextPrefix);
    const auto manifest = test::manifestEntriesUnder(kClipTextPrefix);
    ASSERT_EQ(manifest.size(), 197u);
    std::set<std::string> ourKeys, manifestKeys;
    for (const auto& item : ours)
        ourKeys.insert(item.first);
    for (const auto& item : manifest)
        manifestKeys.insert(item.first);
    EXPECT_EQ(ourKeys, manifestKeys);
    const auto positions = manifest.at(std::string(kClipTextPrefix) + "embeddings.position_ids");
    EXPECT_EQ(positions, (std::vector<std::int64_t>{1, 77}));
    EXPECT_EQ(ours.at(std::string(kClipTextPrefix) + "embeddings.position_ids").scalar_type(),
              torch::kInt64);
}

} // namespace
} // namespace deadiff::nn
