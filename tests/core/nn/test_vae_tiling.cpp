// The tiled VAE decode (sizes above 1024 px): tiles cover the latent with the overlaps the
// policy promises; with the whole image's GroupNorm statistics the tiles reproduce the whole
// decode, and with statistics from the image shrunk into the untiled limit (as at 2048 px) a
// smooth latent decodes close to the whole decode with no step at the tile borders. Measured with
// the bundled demo model's trained VAE (a random VAE's seams would say nothing about real images),
// at a size where both fit, with the tiles shrunk to the same proportions (tile = 1/3 of the image,
// as 512 of 1536 px).
#include "core/nn/state_dict.h"
#include "core/nn/unet_blocks.h"
#include "core/nn/vae.h"
#include "core/nn/vae_tiling.h"
#include "core/pipeline/model_config.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

namespace deadiff::nn {
namespace {

TEST(VaeTiling, TilesCoverTheAxisWithAtLeastTheOverlap) {
    const VaeTiling tiling; // 64-cell tiles, 16 cells of overlap
    for (const std::int64_t length : {1, 64, 65, 100, 128, 129, 200, 256, 300}) {
        const std::vector<std::int64_t> starts = tileStarts(length, tiling);
        ASSERT_FALSE(starts.empty());
        EXPECT_EQ(starts.front(), 0);
        if (length <= tiling.tileSide) {
            EXPECT_EQ(starts.size(), 1u) << length;
            continue;
        }
        EXPECT_EQ(starts.back() + tiling.tileSide, length) << "the last tile ends at the edge";
        for (std::size_t i = 1; i < starts.size(); ++i) {
            EXPECT_GT(starts[i], starts[i - 1]);
            EXPECT_LE(starts[i] - starts[i - 1], tiling.tileSide - tiling.overlap) << length;
        }
    }
    EXPECT_FALSE(needsTiling(tiling, 128, 128)); // 1024 px at factor 8: one decode
    EXPECT_TRUE(needsTiling(tiling, 129, 64));
    EXPECT_TRUE(needsTiling(tiling, 256, 256)); // 2048 px
}

class DemoVae : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string json =
            std::string(DEADIFF_SOURCE_DIR) + "/resources/demo-model/model.json";
        const pipeline::ModelConfig config = pipeline::readModelConfig(json);
        vae_ = AutoencoderKL(config.vae);
        loadStateDict(*vae_, pipeline::openModelWeights(json, config).tensors, kVaePrefix);
        vae_->eval();
    }
    static void TearDownTestSuite() { vae_ = AutoencoderKL(nullptr); }
    static inline AutoencoderKL vae_{nullptr};
};

// A latent of long waves, of about the spread the UNet's latents have.
torch::Tensor smoothLatent(std::int64_t side) {
    const torch::Tensor y = torch::arange(side, torch::kFloat).view({side, 1});
    const torch::Tensor x = torch::arange(side, torch::kFloat).view({1, side});
    std::vector<torch::Tensor> channels;
    for (int c = 0; c < 4; ++c)
        channels.push_back(torch::sin(x / (9.0 + c) + c) + torch::cos(y / (13.0 - c) - 0.5 * c) +
                           0.3f * torch::sin((x + y) / 17.0));
    return torch::stack(channels).unsqueeze(0);
}

double psnr(const torch::Tensor& a, const torch::Tensor& b) { // over the [-1, 1] range
    return 10.0 * std::log10(4.0 / (a - b).pow(2).mean().item<double>());
}

// Tiles of a third of the image (as 512 of 1536 px), 4 cells of overlap, margin as shipped.
VaeTiling smallTiles(std::int64_t maxUntiledSide) {
    VaeTiling tiling;
    tiling.tileSide = 16;
    tiling.overlap = 4;
    tiling.maxUntiledSide = maxUntiledSide;
    return tiling;
}

TEST(VaeTiling, StatisticsComeFromTheLargestUntiledDecode) {
    const VaeTiling tiling; // 128 cells untiled
    EXPECT_EQ(statisticsShrink(tiling, 128, 100), 1);
    EXPECT_EQ(statisticsShrink(tiling, 129, 100), 2);
    EXPECT_EQ(statisticsShrink(tiling, 64, 256), 2); // 2048 px: the pass runs at 1024 px
    EXPECT_EQ(statisticsShrink(tiling, 257, 64), 3);
}

TEST(GroupNormStatistics, KeptStatisticsNormaliseAPartAsTheWholeWasNormalised) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(3);
    GroupNormNchw norm(torch::nn::GroupNormOptions(4, 8).eps(1e-6));
    norm->weight.uniform_(0.5, 1.5);
    norm->bias.uniform_(-0.5, 0.5);
    const torch::Tensor x = torch::randn({1, 8, 12, 10}) * 3 + 1;
    const torch::Tensor own = norm->forward(x);
    norm->statistics = GroupStatistics::Record;
    EXPECT_TRUE(torch::allclose(norm->forward(x), own)); // recording changes nothing
    norm->statistics = GroupStatistics::Apply;
    const torch::Tensor part = x.narrow(2, 3, 5).narrow(3, 2, 6);
    const torch::Tensor applied = norm->forward(part);
    EXPECT_TRUE(torch::allclose(applied, own.narrow(2, 3, 5).narrow(3, 2, 6), 1e-5, 1e-5));
    // A part's own statistics differ: that difference is what the tiled decode avoids.
    norm->statistics = GroupStatistics::Own;
    EXPECT_FALSE(torch::allclose(norm->forward(part), applied, 1e-3, 1e-3));
    // bfloat16 input is normalised in float32 with the kept statistics too.
    norm->statistics = GroupStatistics::Apply;
    const torch::Tensor half = norm->forward(part.to(torch::kBFloat16));
    EXPECT_EQ(half.scalar_type(), torch::kBFloat16);
    EXPECT_LT((half.to(torch::kFloat) - applied).abs().max().item<double>(), 0.05);
    // No statistics recorded for a batch of another size: a clear error, not garbage.
    EXPECT_THROW(norm->forward(torch::cat({part, part})), std::logic_error);
}

// With the statistics pass untiled (unshrunk), the tiles add nothing but round-off: margins,
// blending and the applied statistics reproduce the whole decode.
TEST_F(DemoVae, TiledDecodeWithUnshrunkStatisticsIsTheWholeDecode) {
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = smoothLatent(48); // 192 px; tiles of 16 cells, 5 per axis
    vae_->tiling = VaeTiling{};
    const torch::Tensor whole = vae_->decode(latent);
    vae_->tiling = smallTiles(48);
    const torch::Tensor tiled = vae_->decodeTiled(latent);
    vae_->tiling = VaeTiling{};
    ASSERT_EQ(tiled.sizes(), whole.sizes());
    EXPECT_LT((tiled - whole).abs().max().item<double>(), 1e-4);
}

// As 2048 px is decoded: the statistics pass runs at half the size (shrunk into the untiled
// limit). The image stays close to the whole decode (tiles normalised with their own statistics
// scored 13.9 dB here) and shows no step at the tile borders.
TEST_F(DemoVae, TiledDecodeAtTwiceTheUntiledSizeIsCloseAndWithoutSeams) {
    torch::NoGradGuard noGrad;
    const std::int64_t side = 48;
    const torch::Tensor latent = smoothLatent(side);
    vae_->tiling = VaeTiling{};
    const torch::Tensor whole = vae_->decode(latent).clamp(-1, 1);
    const VaeTiling small = smallTiles(side / 2);
    vae_->tiling = small;
    const torch::Tensor tiled = vae_->decode(latent).clamp(-1, 1);
    vae_->tiling = VaeTiling{};
    ASSERT_EQ(tiled.sizes(), whole.sizes());

    const double closeness = psnr(tiled, whole);
    std::printf("tiled (statistics at half size) vs whole decode: PSNR %.1f dB\n",
                closeness); // quoted in docs/reliability.md
    EXPECT_GT(closeness, 25.0);

    // No seam: across the tile borders the tiled image changes no more from one pixel column
    // (row) to the next than the whole decode does there.
    const std::int64_t factor = whole.size(2) / side;
    const auto borderStep = [&](const torch::Tensor& image, int axis) {
        double worst = 0;
        for (const std::int64_t start : tileStarts(side, small)) {
            for (const std::int64_t edge : {start, start + small.tileSide}) {
                const std::int64_t at = edge * factor;
                if (at <= 0 || at >= image.size(axis))
                    continue;
                const torch::Tensor step =
                    (image.narrow(axis, at, 1) - image.narrow(axis, at - 1, 1)).abs();
                worst = std::max(worst, step.max().item<double>());
            }
        }
        return worst;
    };
    for (const int axis : {2, 3}) {
        const double tiledStep = borderStep(tiled, axis);
        const double wholeStep = borderStep(whole, axis);
        EXPECT_LT(tiledStep, wholeStep + 0.05) << "a step at the tile borders, axis " << axis;
    }
}

TEST_F(DemoVae, DecodeTilesAboveTheThresholdOnly) {
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = smoothLatent(24);
    VaeTiling tiling;
    tiling.tileSide = 16;
    tiling.overlap = 4;
    tiling.maxUntiledSide = 24;
    vae_->tiling = tiling;
    const torch::Tensor atThreshold = vae_->decode(latent);
    tiling.maxUntiledSide = 23;
    vae_->tiling = tiling;
    const torch::Tensor above = vae_->decode(latent);
    const torch::Tensor tiled = vae_->decodeTiled(latent);
    vae_->tiling = VaeTiling{};
    const torch::Tensor whole = vae_->decode(latent);
    EXPECT_TRUE(torch::equal(atThreshold, whole));
    EXPECT_TRUE(torch::equal(above, tiled));
    EXPECT_FALSE(torch::equal(above, whole));
    // A batch is decoded image by image, each as it would be alone.
    const torch::Tensor pair = torch::cat({latent, latent.flip(3)});
    vae_->tiling = tiling;
    const torch::Tensor both = vae_->decode(pair);
    EXPECT_TRUE(torch::allclose(both[1], vae_->decode(latent.flip(3))[0]));
    vae_->tiling = VaeTiling{};
}

} // namespace
} // namespace deadiff::nn
