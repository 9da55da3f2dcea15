// The KL-f8 autoencoder on a small config of the real class.
#include "core/nn/state_dict.h"
#include "core/nn/vae.h"
#include "tests/core/nn/checkpoint_manifest.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

namespace deadiff::nn {
namespace {

VaeConfig smallConfig() {
    VaeConfig config;
    config.ch = 32; // same 4 levels and block counts as the real 128
    return config;
}

TEST(Vae, HasTheCheckpointsKeyLayout) {
    const std::set<std::string> expected = test::manifestKeysUnder("first_stage_model.");
    ASSERT_EQ(expected.size(), 248u) << "manifest not found under " << test::sharedDir();
    AutoencoderKL vae(smallConfig());
    std::set<std::string> ours;
    for (const auto& [key, tensor] : stateDictOf(*vae, ""))
        ours.insert(key);
    EXPECT_EQ(ours, expected);
}

TEST(Vae, DecodesAndEncodesSquareAndNonSquareSizes) {
    torch::manual_seed(0);
    torch::NoGradGuard noGrad;
    AutoencoderKL vae(smallConfig());
    for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, 4, 8, 8}, {2, 4, 8, 16}}) {
        const torch::Tensor image = vae->decode(torch::randn(shape));
        EXPECT_EQ(image.sizes(),
                  (std::vector<std::int64_t>{shape[0], 3, shape[2] * 8, shape[3] * 8}));
        const VaeEncoding encoding = vae->encode(image.clamp(-1, 1));
        EXPECT_EQ(encoding.mean.sizes(), torch::IntArrayRef(shape));
        EXPECT_EQ(encoding.logvar.sizes(), torch::IntArrayRef(shape));
        EXPECT_TRUE(torch::allclose(encoding.scaledLatent, encoding.mean * 0.18215));
    }
    EXPECT_THROW(vae->encode(torch::zeros({1, 3, 60, 64})), std::runtime_error);
    EXPECT_THROW(vae->decode(torch::zeros({1, 3, 8, 8})), std::runtime_error);
}

TEST(Vae, DecodeUndoesTheLatentScaleBeforePostQuantConv) {
    torch::manual_seed(1);
    torch::NoGradGuard noGrad;
    AutoencoderKL vae(smallConfig());
    const torch::Tensor z = torch::randn({1, 4, 8, 8});
    const torch::Tensor byHand =
        vae->decoder->forward(vae->post_quant_conv->forward(z * (1.0f / 0.18215f)));
    EXPECT_TRUE(torch::allclose(vae->decode(z), byHand, 1e-5, 1e-6));
}

TEST(Vae, LogVarianceIsClamped) {
    torch::NoGradGuard noGrad;
    AutoencoderKL vae(smallConfig());
    vae->quant_conv->bias.narrow(0, 4, 4).fill_(100.0);
    EXPECT_LE(vae->encode(torch::zeros({1, 3, 64, 64})).logvar.max().item<double>(), 20.0);
    vae->quant_conv->bias.narrow(0, 4, 4).fill_(-100.0);
    EXPECT_GE(vae->encode(torch::zeros({1, 3, 64, 64})).logvar.min().item<double>(), -30.0);
}

// The mid-block attention against the reference's bmm formulation (one head, scale C^-1/2).
TEST(Vae, MidAttentionIsSingleHeadOverAllPixels) {
    torch::manual_seed(2);
    torch::NoGradGuard noGrad;
    VaeAttnBlock block(32);
    const torch::Tensor x = torch::randn({2, 32, 4, 6});
    const torch::Tensor h = block->norm->forward(x);
    const torch::Tensor q = block->q->forward(h).flatten(2).permute({0, 2, 1}); // b, hw, c
    const torch::Tensor k = block->k->forward(h).flatten(2);                    // b, c, hw
    const torch::Tensor v = block->v->forward(h).flatten(2);                    // b, c, hw
    const torch::Tensor w = torch::softmax(torch::bmm(q, k) / std::sqrt(32.0), 2);
    const torch::Tensor attended = torch::bmm(v, w.permute({0, 2, 1})).view({2, 32, 4, 6});
    const torch::Tensor expected = x + block->proj_out->forward(attended);
    EXPECT_TRUE(torch::allclose(block->forward(x), expected, 1e-5, 1e-5));
}

TEST(Vae, Bfloat16DecodeStaysCloseToFloat32) {
    torch::manual_seed(3);
    torch::NoGradGuard noGrad;
    AutoencoderKL vae(smallConfig());
    const torch::Tensor z = torch::randn({1, 4, 8, 8});
    const torch::Tensor reference = vae->decode(z);
    vae->to(torch::kBFloat16);
    const torch::Tensor reduced = vae->decode(z);
    EXPECT_EQ(reduced.scalar_type(), torch::kFloat);
    const double error = ((reduced - reference).abs().max() / reference.abs().max()).item<double>();
    RecordProperty("bf16_relative_error", std::to_string(error));
    EXPECT_LT(error, 5e-2);
}

} // namespace
} // namespace deadiff::nn
