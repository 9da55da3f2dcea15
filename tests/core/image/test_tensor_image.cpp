#include "core/image/tensor_image.h"
#include "core/io/safetensors.h"
#include "tests/core/image/image_test_util.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace deadiff::image {
namespace {

TEST(TensorImage, RgbToTensorLayoutAndValues) {
    cv::Mat rgb(2, 3, CV_8UC3, cv::Scalar(0, 0, 0));
    rgb.at<cv::Vec3b>(1, 2) = cv::Vec3b(255, 51, 128); // R, G, B at row 1, column 2
    const torch::Tensor unit = rgbToTensor(rgb, PixelRange::ZeroToOne);
    ASSERT_EQ(unit.sizes(), (std::vector<std::int64_t>{1, 3, 2, 3}));
    EXPECT_EQ(unit[0][0][1][2].item<float>(), 1.0f);
    EXPECT_EQ(unit[0][1][1][2].item<float>(), 51.0f / 255.0f);
    EXPECT_EQ(unit[0][2][1][2].item<float>(), 128.0f / 255.0f);
    EXPECT_EQ(unit[0][0][0][0].item<float>(), 0.0f);

    const torch::Tensor pm1 = rgbToTensor(rgb, PixelRange::MinusOneToOne);
    EXPECT_EQ(pm1[0][0][1][2].item<float>(), 1.0f);
    EXPECT_EQ(pm1[0][0][0][0].item<float>(), -1.0f);
    EXPECT_EQ(pm1[0][2][1][2].item<float>(), 2.0f * (128.0f / 255.0f - 0.5f));
}

// VAE encoder input of oracle section f: u8 / 255 * 2 - 1.
TEST(TensorImage, VaeEncoderInputMatchesOracle) {
    const auto vae = io::SafetensorsFile::open(test::oracleRef("vae.safetensors"));
    const cv::Mat rgb = testing::matFromHwcTensor(vae.tensor("enc_image_u8"));
    const torch::Tensor ours = rgbToTensor(rgb, PixelRange::MinusOneToOne);
    const torch::Tensor expected = vae.tensor("enc_input");
    ASSERT_EQ(ours.sizes(), expected.sizes());
    EXPECT_EQ((ours - expected).abs().max().item<float>(), 0.0f);
}

TEST(TensorImage, OutputTruncatesLikeTheOfficialScripts) {
    // One pixel per case, channel 0; v = (x + 1) / 2, byte = floor(255 v) after clamping.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> x = {
        -1.0f, 1.0f, -5.0f, 7.0f, 0.0f, nan, 2.0f * (200.9f / 255.0f) - 1.0f};
    const std::vector<int> expected = {0, 255, 0, 255, 127, 0, 200};
    torch::Tensor t = torch::zeros({1, 3, 1, static_cast<std::int64_t>(x.size())});
    for (std::size_t i = 0; i < x.size(); ++i)
        t[0][0][0][static_cast<std::int64_t>(i)] = x[i];
    const cv::Mat rgb = tensorToRgb(t, PixelRange::MinusOneToOne);
    ASSERT_EQ(rgb.type(), CV_8UC3);
    ASSERT_EQ(rgb.cols, static_cast<int>(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(rgb.at<cv::Vec3b>(0, static_cast<int>(i))[0], expected[i]) << "x = " << x[i];
        EXPECT_EQ(rgb.at<cv::Vec3b>(0, static_cast<int>(i))[1], 127); // x = 0 -> 127.5 -> 127
    }
}

TEST(TensorImage, ZeroToOneOutputAndChannelOrder) {
    torch::Tensor t = torch::zeros({3, 2, 2});
    t[0][0][1] = 1.0f; // red at row 0, column 1
    t[2][1][0] = 0.5f; // blue at row 1, column 0 -> floor(127.5)
    const cv::Mat rgb = tensorToRgb(t, PixelRange::ZeroToOne);
    EXPECT_EQ(rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 0, 0));
    EXPECT_EQ(rgb.at<cv::Vec3b>(1, 0), cv::Vec3b(0, 0, 127));
    EXPECT_EQ(rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(0, 0, 0));
}

TEST(TensorImage, BatchSplitsImages) {
    torch::Tensor t = torch::full({2, 3, 4, 5}, -1.0f);
    t[1].fill_(1.0f);
    const auto images = tensorBatchToRgb(t, PixelRange::MinusOneToOne);
    ASSERT_EQ(images.size(), 2u);
    EXPECT_EQ(images[0].at<cv::Vec3b>(3, 4), cv::Vec3b(0, 0, 0));
    EXPECT_EQ(images[1].at<cv::Vec3b>(3, 4), cv::Vec3b(255, 255, 255));
    EXPECT_EQ(images[1].size(), cv::Size(5, 4));
}

TEST(TensorImage, RejectsWrongInput) {
    EXPECT_THROW(rgbToTensor(cv::Mat(2, 2, CV_8UC1), PixelRange::ZeroToOne), std::invalid_argument);
    EXPECT_THROW(tensorToRgb(torch::zeros({4, 2, 2}), PixelRange::ZeroToOne),
                 std::invalid_argument);
    EXPECT_THROW(tensorToRgb(torch::zeros({3, 2, 2}, torch::kInt32), PixelRange::ZeroToOne),
                 std::invalid_argument);
    EXPECT_THROW(tensorBatchToRgb(torch::zeros({3, 2, 2}), PixelRange::ZeroToOne),
                 std::invalid_argument);
}

} // namespace
} // namespace deadiff::image
