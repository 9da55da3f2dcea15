#include "core/nn/clip_vision.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace deadiff::nn {
namespace {

ClipVisionConfig tinyConfig(std::int64_t layers = 2) {
    ClipVisionConfig config;
    config.imageSize = 12;
    config.patchSize = 4;
    config.width = 16;
    config.layers = layers;
    config.heads = 4;
    config.mlpWidth = 32;
    return config;
}

TEST(ClipVision, DefaultsAreBlip2sViTL14) {
    const ClipVisionConfig config;
    EXPECT_EQ(config.imageSize, 224);
    EXPECT_EQ(config.patchSize, 14);
    EXPECT_EQ(config.width, 1024);
    EXPECT_EQ(config.layers, 23);
    EXPECT_EQ(config.heads, 16);
    EXPECT_EQ(config.mlpWidth, 4096);
    EXPECT_EQ(config.tokens(), 257);
}

TEST(ClipVision, ReturnsClassTokenAndEveryPatch) {
    torch::manual_seed(1);
    ClipVisionModel model(tinyConfig());
    torch::NoGradGuard noGrad;
    const torch::Tensor out = model(torch::randn({2, 3, 12, 12}));
    EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{2, 10, 16}));
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
}

// With no blocks the tower is ln_pre([class; patches] + positions), patches in row-major order:
// checked against an explicit patch-by-patch projection.
TEST(ClipVision, TokensAreClassThenRowMajorPatches) {
    torch::manual_seed(2);
    ClipVisionModel model(tinyConfig(/*layers=*/0));
    torch::NoGradGuard noGrad;
    const torch::Tensor image = torch::randn({1, 3, 12, 12});
    const torch::Tensor weight = model->conv1->weight.reshape({16, -1}); // [width, 3*4*4]
    std::vector<torch::Tensor> tokens{model->class_embedding};
    for (std::int64_t row = 0; row < 3; ++row)
        for (std::int64_t col = 0; col < 3; ++col) {
            const torch::Tensor patch = image[0]
                                            .slice(1, row * 4, row * 4 + 4)
                                            .slice(2, col * 4, col * 4 + 4)
                                            .reshape({-1});
            tokens.push_back(torch::matmul(weight, patch));
        }
    const torch::Tensor embedded = torch::stack(tokens) + model->positional_embedding;
    const torch::Tensor expected =
        torch::layer_norm(embedded, {16}, model->ln_pre->weight, model->ln_pre->bias, 1e-5);
    EXPECT_LT((model(image)[0] - expected).abs().max().item<double>(), 1e-5);
}

// The packed in_proj is q|k|v by rows, as torch.nn.MultiheadAttention stores it: compare with
// LibTorch's own multi_head_attention_forward on the same weights.
TEST(ClipVision, PackedAttentionMatchesTorchMultiheadAttention) {
    torch::manual_seed(3);
    PackedSelfAttention attention(16, 4);
    torch::NoGradGuard noGrad;
    attention->in_proj_bias.normal_();
    const torch::Tensor x = torch::randn({2, 5, 16});
    const torch::Tensor sequenceFirst = x.transpose(0, 1);
    namespace F = torch::nn::functional;
    const auto reference = F::multi_head_attention_forward(
        sequenceFirst, sequenceFirst, sequenceFirst,
        F::MultiheadAttentionForwardFuncOptions(
            16, 4, attention->in_proj_weight, attention->in_proj_bias, {}, {}, false, 0.0,
            attention->out_proj->weight, attention->out_proj->bias)
            .training(false)
            .need_weights(false));
    EXPECT_LT((attention(x) - std::get<0>(reference).transpose(0, 1)).abs().max().item<double>(),
              1e-5);
}

TEST(ClipVision, RejectsImagesOfTheWrongSize) {
    ClipVisionModel model(tinyConfig());
    torch::NoGradGuard noGrad;
    EXPECT_THROW(model(torch::zeros({1, 3, 16, 16})), std::runtime_error);
    EXPECT_THROW(model(torch::zeros({3, 12, 12})), std::runtime_error);
}

} // namespace
} // namespace deadiff::nn
