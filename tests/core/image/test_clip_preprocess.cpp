#include "core/image/clip_preprocess.h"
#include "core/image/image_io.h"
#include "core/image/tensor_image.h"
#include "core/io/safetensors.h"
#include "tests/core/image/image_test_util.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace deadiff::image {
namespace {

double maxAbsDifference(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

// The whole official path, file to ViT input: decode, Pillow bicubic 224, ToTensor,
// 2(u - 0.5), (x + 1) / 2, (x - mean) / std (oracle section b).
TEST(ClipPreprocess, FileToClipInputMatchesOracle) {
    const auto ref = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const cv::Mat decoded = readImageRgb(test::oracleRef("style_01.jpeg"));

    const cv::Mat resized = resizeForClip(decoded);
    const auto resizedDiff =
        testing::compareBytes(resized, testing::matFromHwcTensor(ref.tensor("image_resized_u8")));
    EXPECT_EQ(resizedDiff.maxAbs, 0) << resizedDiff.mismatches << " bytes differ";

    const torch::Tensor pm1 = rgbToTensor(resized, PixelRange::MinusOneToOne);
    ASSERT_EQ(pm1.sizes(), ref.tensor("image_pm1").sizes());
    EXPECT_EQ(maxAbsDifference(pm1, ref.tensor("image_pm1")), 0.0);

    const torch::Tensor input = clipInputFromRgb(decoded);
    const torch::Tensor expected = ref.tensor("clip_input");
    ASSERT_EQ(input.sizes(), expected.sizes());
    ASSERT_EQ(input.scalar_type(), torch::kFloat32);
    const double diff = maxAbsDifference(input, expected);
    EXPECT_LE(diff, 1e-6);
    // The operation order is the official one, so the float32 results are the same bits.
    EXPECT_EQ(diff, 0.0);
}

TEST(ClipPreprocess, NormalizeUsesClipMeanAndStd) {
    // x = 2(u - 0.5) with u = mean gives (x + 1) / 2 = mean (up to float rounding) -> ~0;
    // x = 1 gives (1 - mean) / std.
    torch::Tensor ones = torch::ones({2, 3, 2, 2});
    const torch::Tensor normalized = clipNormalize(ones);
    ASSERT_EQ(normalized.sizes(), ones.sizes());
    const float expected[3] = {(1.0f - 0.48145466f) / 0.26862954f,
                               (1.0f - 0.4578275f) / 0.26130258f,
                               (1.0f - 0.40821073f) / 0.27577711f};
    for (int c = 0; c < 3; ++c)
        EXPECT_FLOAT_EQ(normalized[1][c][1][0].item<float>(), expected[c]);
}

TEST(ClipPreprocess, RejectsWrongShapes) {
    EXPECT_THROW(clipNormalize(torch::zeros({3, 224, 224})), std::invalid_argument);
    EXPECT_THROW(clipNormalize(torch::zeros({1, 4, 224, 224})), std::invalid_argument);
    EXPECT_THROW(clipNormalize(torch::zeros({1, 3, 8, 8}, torch::kFloat64)), std::invalid_argument);
}

TEST(ClipPreprocess, AnyInputSizeGives224) {
    const cv::Mat small(5, 9, CV_8UC3, cv::Scalar(10, 200, 30));
    const torch::Tensor input = clipInputFromRgb(small);
    EXPECT_EQ(input.sizes(), (std::vector<std::int64_t>{1, 3, 224, 224}));
    // A flat image stays flat through the resize: every pixel of channel 0 is the same.
    EXPECT_EQ((input[0][0] - input[0][0][0][0]).abs().max().item<float>(), 0.0f);
}

} // namespace
} // namespace deadiff::image
