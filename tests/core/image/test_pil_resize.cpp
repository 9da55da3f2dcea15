#include "core/image/image_io.h"
#include "core/image/pil_resize.h"
#include "core/io/safetensors.h"
#include "tests/core/image/image_test_util.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>

#include <cinttypes>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace deadiff::image {
namespace {

using testing::compareBytes;
using testing::fixture;
using testing::readExpectedRgb;

struct ResizeCase {
    PilFilter filter;
    const char* filterName;
    int width;
    int height;
};

std::string caseName(const ::testing::TestParamInfo<ResizeCase>& info) {
    return std::string(info.param.filterName) + "_" + std::to_string(info.param.width) + "x" +
           std::to_string(info.param.height);
}

class PilResizeFixture : public ::testing::TestWithParam<ResizeCase> {};

// Expected bytes: Pillow 9.4 `Image.resize` (tests/fixtures/image/make_image_fixtures.py).
TEST_P(PilResizeFixture, MatchesPillowExactly) {
    const ResizeCase& c = GetParam();
    const cv::Mat source = readExpectedRgb(fixture("resize_src_37x53.png"));
    ASSERT_EQ(source.cols, 37);
    ASSERT_EQ(source.rows, 53);
    const cv::Mat expected =
        readExpectedRgb(fixture(std::string("resize_") + c.filterName + "_" +
                                std::to_string(c.width) + "x" + std::to_string(c.height) + ".png"));
    const cv::Mat ours = pilResize(source, c.width, c.height, c.filter);
    ASSERT_EQ(ours.cols, c.width);
    ASSERT_EQ(ours.rows, c.height);
    ASSERT_EQ(ours.type(), CV_8UC3);
    const auto diff = compareBytes(ours, expected);
    EXPECT_EQ(diff.maxAbs, 0) << diff.mismatches << " bytes differ";
}

std::vector<ResizeCase> allCases() {
    const std::vector<std::pair<int, int>> sizes = {
        {16, 16}, {5, 7}, {1, 1}, {100, 20}, {19, 80}, {37, 30}, {20, 53}, {74, 106}, {36, 52}};
    std::vector<ResizeCase> cases = {{PilFilter::Bicubic, "bicubic", 224, 224}};
    for (const auto& [w, h] : sizes) {
        cases.push_back({PilFilter::Bicubic, "bicubic", w, h});
        cases.push_back({PilFilter::Bilinear, "bilinear", w, h});
        cases.push_back({PilFilter::Lanczos, "lanczos", w, h});
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(PillowFixtures, PilResizeFixture, ::testing::ValuesIn(allCases()),
                         caseName);

// The oracle's own resize of the DEADiff style asset (512x744 -> 224x224 and 256x256).
TEST(PilResize, MatchesOracleReferenceResizes) {
    const auto style = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const auto vae = io::SafetensorsFile::open(test::oracleRef("vae.safetensors"));
    const cv::Mat decoded = testing::matFromHwcTensor(style.tensor("image_decoded_u8"));

    const auto diff224 = compareBytes(pilResize(decoded, 224, 224),
                                      testing::matFromHwcTensor(style.tensor("image_resized_u8")));
    EXPECT_EQ(diff224.maxAbs, 0) << diff224.mismatches << " bytes differ (224)";
    const auto diff256 = compareBytes(pilResize(decoded, 256, 256),
                                      testing::matFromHwcTensor(vae.tensor("enc_image_u8")));
    EXPECT_EQ(diff256.maxAbs, 0) << diff256.mismatches << " bytes differ (256)";
}

std::uint64_t fnv1a64(const cv::Mat& image) {
    std::uint64_t hash = 0xCBF29CE484222325ull;
    for (int y = 0; y < image.rows; ++y) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(y);
        for (std::size_t i = 0; i < image.cols * image.elemSize(); ++i)
            hash = (hash ^ row[i]) * 0x100000001B3ull;
    }
    return hash;
}

// 240 random sizes (1..1100 per axis, up and down, 3 filters, two sources) against hashes of
// Pillow's output bytes (tests/fixtures/image/resize_hashes.txt).
TEST(PilResize, MatchesPillowOnRandomSizes) {
    const auto style = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const std::map<std::string, cv::Mat> sources = {
        {"card", readExpectedRgb(fixture("resize_src_37x53.png"))},
        {"style01", testing::matFromHwcTensor(style.tensor("image_decoded_u8"))}};
    const std::map<std::string, PilFilter> filters = {{"bicubic", PilFilter::Bicubic},
                                                      {"bilinear", PilFilter::Bilinear},
                                                      {"lanczos", PilFilter::Lanczos}};
    std::ifstream list(fixture("resize_hashes.txt"));
    ASSERT_TRUE(list) << fixture("resize_hashes.txt");
    std::string line;
    int cases = 0;
    while (std::getline(list, line)) {
        std::istringstream fields(line);
        std::string source, filter, hashText;
        int width = 0, height = 0;
        ASSERT_TRUE(fields >> source >> filter >> width >> height >> hashText) << line;
        const std::uint64_t expected = std::stoull(hashText, nullptr, 16);
        const cv::Mat ours = pilResize(sources.at(source), width, height, filters.at(filter));
        EXPECT_EQ(fnv1a64(ours), expected) << line;
        ++cases;
    }
    EXPECT_EQ(cases, 240);
}

TEST(PilResize, SameSizeIsAnExactCopy) {
    const cv::Mat source = readExpectedRgb(fixture("resize_src_37x53.png"));
    const cv::Mat copy = pilResize(source, 37, 53);
    EXPECT_EQ(compareBytes(copy, source).maxAbs, 0);
    EXPECT_NE(copy.data, source.data);
}

TEST(PilResize, GrayscaleMatchesEachChannelOfColour) {
    const cv::Mat source = readExpectedRgb(fixture("resize_src_37x53.png"));
    std::vector<cv::Mat> channels;
    cv::split(source, channels);
    const cv::Mat colour = pilResize(source, 23, 61);
    std::vector<cv::Mat> colourChannels;
    cv::split(colour, colourChannels);
    for (int c = 0; c < 3; ++c)
        EXPECT_EQ(compareBytes(pilResize(channels[c], 23, 61), colourChannels[c]).maxAbs, 0);
}

TEST(PilResize, FlatImageStaysFlat) {
    const cv::Mat flat(40, 30, CV_8UC3, cv::Scalar(200, 17, 255));
    for (const auto filter : {PilFilter::Bilinear, PilFilter::Bicubic, PilFilter::Lanczos}) {
        const cv::Mat out = pilResize(flat, 13, 97, filter);
        EXPECT_EQ(compareBytes(out, cv::Mat(97, 13, CV_8UC3, cv::Scalar(200, 17, 255))).maxAbs, 0);
    }
}

TEST(PilResize, RejectsInvalidInput) {
    const cv::Mat rgb(4, 4, CV_8UC3, cv::Scalar::all(1));
    EXPECT_THROW(pilResize(cv::Mat(), 4, 4), std::invalid_argument);
    EXPECT_THROW(pilResize(rgb, 0, 4), std::invalid_argument);
    EXPECT_THROW(pilResize(rgb, 4, -1), std::invalid_argument);
    EXPECT_THROW(pilResize(cv::Mat(4, 4, CV_8UC4), 2, 2), std::invalid_argument);
    EXPECT_THROW(pilResize(cv::Mat(4, 4, CV_32FC3), 2, 2), std::invalid_argument);
}

} // namespace
} // namespace deadiff::image
