#include "core/nn/proj_layer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace deadiff::nn {
namespace {

TEST(ProjLayer, DefaultsAreDeadiffs) {
    const ProjLayerConfig config;
    EXPECT_EQ(config.width, 768);
    EXPECT_EQ(config.hidden, 3072);
    EXPECT_DOUBLE_EQ(config.layerNormEps, 1e-12);
}

// x = (1, 3): LayerNorm gives (-1, 1); dense1 = [[1,0],[0,1],[1,1]] gives (-1, 1, 0);
// QuickGELU gives (-σ(-1.702), σ(1.702), 0) = (-0.15420423, 0.84579577, 0);
// dense2 = [[1,0,0],[0,1,1]] + (0.5, 0) gives (0.34579577, 0.84579577); the residual adds the
// un-normalised x: (1.34579577, 3.84579577). (Adding the normalised x would give
// (-0.654, 1.846).)
TEST(ProjLayer, ResidualAddsTheUnnormalisedInput) {
    ProjLayerConfig config;
    config.width = 2;
    config.hidden = 3;
    ProjLayer proj(config);
    torch::NoGradGuard noGrad;
    proj->LayerNorm->weight.fill_(1);
    proj->LayerNorm->bias.fill_(0);
    proj->dense1->weight.copy_(torch::tensor({1.f, 0.f, 0.f, 1.f, 1.f, 1.f}).view({3, 2}));
    proj->dense1->bias.fill_(0);
    proj->dense2->weight.copy_(torch::tensor({1.f, 0.f, 0.f, 0.f, 1.f, 1.f}).view({2, 3}));
    proj->dense2->bias.copy_(torch::tensor({0.5f, 0.f}));

    const torch::Tensor out = proj(torch::tensor({1.f, 3.f}).view({1, 1, 2}));
    ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{1, 1, 2}));
    EXPECT_NEAR(out[0][0][0].item<double>(), 1.3457957659, 1e-6);
    EXPECT_NEAR(out[0][0][1].item<double>(), 3.8457957659, 1e-6);
}

TEST(ProjLayer, KeepsTheShapeOfTheQueryRows) {
    ProjLayerConfig config;
    config.width = 8;
    config.hidden = 12;
    ProjLayer proj(config);
    torch::NoGradGuard noGrad;
    EXPECT_EQ(proj(torch::randn({2, 16, 8})).sizes(), (std::vector<std::int64_t>{2, 16, 8}));
}

} // namespace
} // namespace deadiff::nn
