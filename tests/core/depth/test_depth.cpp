// Depth maps for the ControlNet hint: reading with full precision, min-max normalisation,
// bilinear resizing, and estimation through cv::dnn with a tiny ONNX model whose answer is
// known (tests/fixtures/depth/make_depth_onnx.py).
#include "core/depth/depth_estimator.h"
#include "core/depth/depth_map.h"
#include "core/image/image_io.h"
#include "tests/support/ckpt_writer.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <limits>
#include <unistd.h>

namespace deadiff::depth {
namespace {

namespace fs = std::filesystem;

class DepthTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-depth-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

TEST(DepthNormalisation, MinMaxToZeroOne) {
    const cv::Mat depth = (cv::Mat_<float>(2, 2) << 2, 4, 6, 10);
    const cv::Mat normalized = normalizeDepth(depth);
    ASSERT_EQ(normalized.type(), CV_32FC1);
    EXPECT_FLOAT_EQ(normalized.at<float>(0, 0), 0.0f);
    EXPECT_FLOAT_EQ(normalized.at<float>(0, 1), 0.25f);
    EXPECT_FLOAT_EQ(normalized.at<float>(1, 0), 0.5f);
    EXPECT_FLOAT_EQ(normalized.at<float>(1, 1), 1.0f);
    // 16-bit input is normalised on its own range.
    const cv::Mat wide = (cv::Mat_<std::uint16_t>(1, 3) << 1000, 1001, 3000);
    const cv::Mat n16 = normalizeDepth(wide);
    EXPECT_FLOAT_EQ(n16.at<float>(0, 1), 1.0f / 2000.0f);
}

TEST(DepthNormalisation, ConstantMapIsZerosAndNanIsRefused) {
    const cv::Mat flat(3, 4, CV_32F, cv::Scalar(7));
    EXPECT_EQ(cv::countNonZero(normalizeDepth(flat)), 0);
    cv::Mat broken = (cv::Mat_<float>(1, 2) << 1, std::numeric_limits<float>::quiet_NaN());
    EXPECT_THROW(normalizeDepth(broken), std::invalid_argument);
    EXPECT_THROW(normalizeDepth(cv::Mat(2, 2, CV_8UC3)), std::invalid_argument);
}

// cv::INTER_LINEAR with half-pixel centres: [0, 1] -> [0, 0.25, 0.75, 1].
TEST(DepthNormalisation, ResizesBilinearlyToTheImageSize) {
    const cv::Mat map = (cv::Mat_<float>(1, 2) << 0, 1);
    const cv::Mat resized = resizeDepth(map, 4, 3);
    ASSERT_EQ(resized.size(), cv::Size(4, 3));
    for (int row = 0; row < 3; ++row) {
        EXPECT_FLOAT_EQ(resized.at<float>(row, 0), 0.0f);
        EXPECT_FLOAT_EQ(resized.at<float>(row, 1), 0.25f);
        EXPECT_FLOAT_EQ(resized.at<float>(row, 2), 0.75f);
        EXPECT_FLOAT_EQ(resized.at<float>(row, 3), 1.0f);
    }
    const cv::Mat rgb = depthToRgb8(resized);
    ASSERT_EQ(rgb.type(), CV_8UC3);
    EXPECT_EQ(rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(64, 64, 64)); // 63.75 rounds to 64
}

TEST_F(DepthTest, SixteenBitPngKeepsItsPrecision) {
    cv::Mat depth(2, 3, CV_16UC1);
    depth.at<std::uint16_t>(0, 0) = 1000;
    depth.at<std::uint16_t>(0, 1) = 1001; // lost in 8 bits
    depth.at<std::uint16_t>(0, 2) = 3000;
    depth.at<std::uint16_t>(1, 0) = 2000;
    depth.at<std::uint16_t>(1, 1) = 2000;
    depth.at<std::uint16_t>(1, 2) = 2000;
    ASSERT_TRUE(cv::imwrite(path("depth16.png"), depth));
    const cv::Mat read = readDepthMap(path("depth16.png"));
    ASSERT_EQ(read.type(), CV_32FC1);
    EXPECT_FLOAT_EQ(read.at<float>(0, 1), 1001.0f);
    const cv::Mat normalized = loadNormalizedDepth(path("depth16.png"), "", "");
    EXPECT_FLOAT_EQ(normalized.at<float>(0, 1), 1.0f / 2000.0f);
    EXPECT_FLOAT_EQ(normalized.at<float>(1, 2), 0.5f);
}

TEST_F(DepthTest, GrayRgbAndRgbaMapsReadTheSame) {
    cv::Mat gray(4, 5, CV_8UC1);
    cv::randu(gray, 0, 256);
    cv::Mat bgr, bgra;
    cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
    cv::cvtColor(gray, bgra, cv::COLOR_GRAY2BGRA);
    ASSERT_TRUE(cv::imwrite(path("gray.png"), gray));
    ASSERT_TRUE(cv::imwrite(path("rgb.png"), bgr));
    ASSERT_TRUE(cv::imwrite(path("rgba.png"), bgra));
    cv::Mat expected;
    gray.convertTo(expected, CV_32F);
    for (const char* name : {"gray.png", "rgb.png", "rgba.png"})
        EXPECT_EQ(cv::norm(readDepthMap(path(name)), expected, cv::NORM_INF), 0.0) << name;
}

TEST_F(DepthTest, MissingOrBrokenFilesNameTheFile) {
    try {
        readDepthMap(path("nope.png"));
        FAIL();
    } catch (const image::ImageError& error) {
        EXPECT_NE(std::string(error.what()).find("nope.png"), std::string::npos);
    }
    test::writeBinaryFile(path("junk.png"), "not a png");
    EXPECT_THROW(readDepthMap(path("junk.png")), image::ImageError);
    try {
        loadNormalizedDepth("", path("photo.png"), "");
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("depth model"), std::string::npos);
    }
}

// The fixture network computes relu(R / 255 - 0.5) after undoing MiDaS's ImageNet
// normalisation of the red channel, on a 64 x 64 input. A photo in thirds with red 0, 191 and
// 255 (blue reversed, so a BGR mix-up shows) must give 0, 0.249 and 0.5, normalised to
// 0, 0.498 and 1; a missing or wrong normalisation or channel order gives other values.
TEST_F(DepthTest, EstimatesWithAnOnnxModelThroughOpenCv) {
    const auto estimator = DepthEstimator::load(test::fixturePath("depth/tiny_depth_64.onnx"));
    EXPECT_EQ(estimator->inputSize(), 64);
    cv::Mat rgb(48, 96, CV_8UC3);
    const int reds[3] = {0, 191, 255};
    for (int row = 0; row < rgb.rows; ++row)
        for (int col = 0; col < rgb.cols; ++col) {
            const int third = col / 32;
            rgb.at<cv::Vec3b>(row, col) = cv::Vec3b(static_cast<std::uint8_t>(reds[third]), 128,
                                                    static_cast<std::uint8_t>(reds[2 - third]));
        }
    const cv::Mat raw = estimator->estimate(rgb);
    ASSERT_EQ(raw.size(), rgb.size());
    ASSERT_EQ(raw.type(), CV_32FC1);
    EXPECT_NEAR(raw.at<float>(24, 16), 0.0f, 0.01f);
    EXPECT_NEAR(raw.at<float>(24, 48), 191.0f / 255.0f - 0.5f, 0.01f);
    EXPECT_NEAR(raw.at<float>(24, 80), 0.5f, 0.01f);
    double low = 0, high = 0;
    cv::minMaxLoc(raw, &low, &high);
    EXPECT_GE(low, 0.0); // no bicubic undershoot below the network's range (relu: 0)
    EXPECT_LE(high, 0.5 + 1e-6);
    const cv::Mat normalized = normalizeDepth(raw);
    EXPECT_NEAR(normalized.at<float>(24, 16), 0.0f, 1e-6f);
    EXPECT_NEAR(normalized.at<float>(24, 48), (191.0f / 255.0f - 0.5f) / 0.5f, 0.02f);
    EXPECT_NEAR(normalized.at<float>(24, 80), 1.0f, 1e-6f);

    // The same through the request-level entry point, from a photo file.
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    ASSERT_TRUE(cv::imwrite(path("photo.png"), bgr));
    const cv::Mat viaFile =
        loadNormalizedDepth("", path("photo.png"), test::fixturePath("depth/tiny_depth_64.onnx"));
    EXPECT_EQ(cv::norm(viaFile, normalized, cv::NORM_INF), 0.0);
}

TEST_F(DepthTest, WrongDepthModelFilesGiveClearErrors) {
    const auto messageOf = [](const std::string& file) {
        try {
            DepthEstimator::load(file);
        } catch (const std::runtime_error& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    EXPECT_NE(messageOf(path("absent.onnx")).find("no such depth model"), std::string::npos);
    test::writeBinaryFile(path("junk.onnx"), std::string("\x08\x07garbage\xff\xff", 11));
    const std::string junk = messageOf(path("junk.onnx"));
    EXPECT_NE(junk.find("junk.onnx"), std::string::npos) << junk;
    EXPECT_NE(junk.find("not an ONNX model"), std::string::npos) << junk;
    // A checkpoint given as the depth model.
    test::writeBinaryFile(path("weights.onnx"),
                          test::readBinaryFile(test::fixturePath("torch/state_dict.pt")));
    EXPECT_NE(messageOf(path("weights.onnx")).find("not an ONNX model"), std::string::npos);
}

} // namespace
} // namespace deadiff::depth
