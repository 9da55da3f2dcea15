// Classifier-free guidance batching and formula; the latent preview map.
#include "core/sample/guidance.h"
#include "core/sample/preview.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace deadiff::sample {
namespace {

TEST(Guidance, CombinesUnconditionalFirst) {
    const torch::Tensor u = torch::full({1, 4, 2, 2}, 1.0);
    const torch::Tensor c = torch::full({1, 4, 2, 2}, 3.0);
    EXPECT_TRUE(torch::allclose(combineGuidance(u, c, 7.5), torch::full({1, 4, 2, 2}, 16.0)));
    EXPECT_TRUE(torch::allclose(combineGuidance(u, c, 0.0), u));
}

TEST(Guidance, RunsOneDoubledBatchAndSplitsItInHalves) {
    std::vector<std::int64_t> rows;
    std::vector<bool> flags;
    const Denoiser denoise = classifierFreeGuidance(
        [&](const torch::Tensor& x, std::int64_t t, std::int64_t, bool withUnconditional) {
            rows.push_back(x.size(0));
            flags.push_back(withUnconditional);
            EXPECT_EQ(t, 321);
            // unconditional rows -> 2, conditional rows -> 5
            const std::int64_t half = x.size(0) / 2;
            return torch::cat(
                {torch::full({half, 4, 1, 1}, 2.0), torch::full({half, 4, 1, 1}, 5.0)});
        },
        8.0);
    const torch::Tensor eps = denoise(torch::zeros({3, 4, 1, 1}), 321, 0);
    EXPECT_EQ(rows, (std::vector<std::int64_t>{6}));
    EXPECT_EQ(flags, (std::vector<bool>{true}));
    EXPECT_TRUE(torch::allclose(eps, torch::full({3, 4, 1, 1}, 2.0 + 8.0 * 3.0)));
}

TEST(Guidance, ScaleOneSkipsTheUnconditionalHalf) {
    std::vector<std::int64_t> rows;
    const Denoiser denoise = classifierFreeGuidance(
        [&](const torch::Tensor& x, std::int64_t, std::int64_t, bool withUnconditional) {
            rows.push_back(x.size(0));
            EXPECT_FALSE(withUnconditional);
            return torch::full_like(x, 4.0);
        },
        1.0);
    EXPECT_TRUE(
        torch::allclose(denoise(torch::zeros({2, 4, 1, 1}), 1, 0), torch::full({2, 4, 1, 1}, 4.0)));
    EXPECT_EQ(rows, (std::vector<std::int64_t>{2}));
}

TEST(Preview, AppliesThePublishedFactorsAndUpscales) {
    torch::Tensor latent = torch::zeros({1, 4, 2, 3});
    latent[0][0].fill_(1.0);
    latent[0][3][1][2] = 1.0;
    const torch::Tensor rgb = latentPreview(latent, 8);
    ASSERT_EQ(rgb.sizes(), (std::vector<std::int64_t>{1, 3, 16, 24}));
    EXPECT_NEAR(rgb[0][0][0][0].item<double>(), (0.3512 + 1) / 2, 1e-6);
    EXPECT_NEAR(rgb[0][1][0][0].item<double>(), (0.2297 + 1) / 2, 1e-6);
    EXPECT_NEAR(rgb[0][2][7][7].item<double>(), (0.3227 + 1) / 2, 1e-6);
    EXPECT_NEAR(rgb[0][2][15][23].item<double>(), (0.3227 - 0.7177 + 1) / 2, 1e-6);
    EXPECT_EQ(latentPreview(torch::full({1, 4, 1, 1}, 10.0)).max().item<double>(), 1.0);
    const torch::Tensor bytes = previewToUint8(rgb);
    EXPECT_EQ(bytes.sizes(), (std::vector<std::int64_t>{1, 16, 24, 3}));
    EXPECT_EQ(bytes.scalar_type(), torch::kUInt8);
    EXPECT_EQ(bytes[0][0][0][0].item<int>(), static_cast<int>(255 * (0.3512 + 1) / 2));
    EXPECT_THROW(latentPreview(torch::zeros({1, 3, 2, 2})), std::runtime_error);
}

} // namespace
} // namespace deadiff::sample
