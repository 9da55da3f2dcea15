#include "core/io/png.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

struct Chunk {
    std::string type;
    std::string data;
};

// Walks the chunk list by hand (length, type, data, CRC): an independent view of the file.
std::vector<Chunk> chunksOf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<Chunk> chunks;
    std::size_t at = 8;
    while (at + 12 <= bytes.size()) {
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
        const std::size_t length = (std::size_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
        chunks.push_back({bytes.substr(at + 4, 4), bytes.substr(at + 8, length)});
        at += 12 + length;
    }
    return chunks;
}

class Png : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-png-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

cv::Mat gradient() {
    cv::Mat rgb(5, 7, CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            rgb.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(30 * x), static_cast<uchar>(50 * y), 200);
    return rgb;
}

TEST_F(Png, PixelsAreWrittenInRgbOrder) {
    const cv::Mat rgb = gradient();
    writePng(path("a.png"), rgb);
    const cv::Mat bgr = cv::imread(path("a.png"), cv::IMREAD_COLOR);
    ASSERT_EQ(bgr.rows, 5);
    ASSERT_EQ(bgr.cols, 7);
    const cv::Vec3b pixel = bgr.at<cv::Vec3b>(4, 6);
    EXPECT_EQ(pixel[2], 180); // R
    EXPECT_EQ(pixel[1], 200); // G
    EXPECT_EQ(pixel[0], 200); // B
}

TEST_F(Png, TextChunksPrecedeTheImageAndRoundTrip) {
    const std::string json = R"({"prompt":"a cat"})";
    const std::string unicode = "一只猫, café";
    writePng(path("t.png"), gradient(),
             {{kA1111ParametersKeyword, "a cat\nSteps: 50"},
              {kRequestJsonKeyword, json},
              {"note", unicode}});
    const auto chunks = chunksOf(path("t.png"));
    std::vector<std::string> order;
    for (const Chunk& chunk : chunks)
        order.push_back(chunk.type);
    ASSERT_GE(order.size(), 5u);
    EXPECT_EQ(order.front(), "IHDR");
    EXPECT_EQ(order.back(), "IEND");
    const auto idat = std::find(order.begin(), order.end(), "IDAT") - order.begin();
    int textBeforeImage = 0;
    for (long i = 0; i < idat; ++i)
        textBeforeImage += order[i] == "tEXt" || order[i] == "iTXt";
    EXPECT_EQ(textBeforeImage, 3);
    bool sawParameters = false, sawUtf8 = false;
    for (const Chunk& chunk : chunks) {
        if (chunk.type == "tEXt" && chunk.data == std::string("parameters\0a cat\nSteps: 50", 26))
            sawParameters = true;
        if (chunk.type == "iTXt" && chunk.data.rfind(std::string("note\0", 5), 0) == 0 &&
            chunk.data.find(unicode) != std::string::npos)
            sawUtf8 = true;
    }
    EXPECT_TRUE(sawParameters);
    EXPECT_TRUE(sawUtf8) << "non-ASCII text goes into an uncompressed UTF-8 iTXt chunk";

    const PngText text = readPngText(path("t.png"));
    EXPECT_EQ(findPngText(text, kA1111ParametersKeyword), "a cat\nSteps: 50");
    EXPECT_EQ(findPngText(text, kRequestJsonKeyword), json);
    EXPECT_EQ(findPngText(text, "note"), unicode);
    EXPECT_EQ(findPngText(text, "absent"), "");
}

TEST_F(Png, FailuresAreClearAndLeaveNoFile) {
    EXPECT_THROW(writePng(path("missing-dir/x.png"), gradient()), std::runtime_error);
    EXPECT_THROW(writePng(path("gray.png"), cv::Mat(3, 3, CV_8UC1)), std::runtime_error);
    EXPECT_FALSE(fs::exists(path("gray.png")));

    std::ofstream(path("fake.png")) << "not a png at all";
    try {
        readPngText(path("fake.png"));
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("is not a PNG"), std::string::npos);
    }
    writePng(path("ok.png"), gradient(), {{"k", "v"}});
    std::string bytes;
    {
        std::ifstream in(path("ok.png"), std::ios::binary);
        bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    std::ofstream(path("cut.png"), std::ios::binary) << bytes.substr(0, 40);
    EXPECT_THROW(readPngText(path("cut.png")), std::runtime_error);
}

// fuzz_png_metadata's finding: a 600-byte PNG whose tEXt chunk claims 1.9 GB. libpng reports
// the length as a mere warning and then allocates it; we stop at the warning.
TEST(PngText, AChunkClaimingGigabytesIsRefusedNotAllocated) {
    const std::string seed = std::string(DEADIFF_SOURCE_DIR) +
                             "/tests/fuzz/corpus/png_metadata/regression-text-chunk-1.9GB";
    std::ifstream in(seed, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty()) << seed;
    try {
        decodePngText(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                      "huge.png");
        FAIL() << "a 1.9 GB text chunk was read";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("too large"), std::string::npos) << error.what();
    }
}

} // namespace
} // namespace deadiff::io
