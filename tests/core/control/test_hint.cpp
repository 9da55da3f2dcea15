// The ControlNet hint preprocessors on synthetic pictures whose answer is known by construction
// (an edge map of a drawn square is its outline, ...), the hint of a control unit at the
// generation size, and the kind a ControlNet file's name says.
#include "core/control/control_type.h"
#include "core/control/control_unit.h"
#include "core/control/hint.h"
#include "core/io/png.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <unistd.h>

namespace deadiff::control {
namespace {

namespace fs = std::filesystem;

constexpr int kSize = 64;
const cv::Rect kSquare(16, 16, 32, 32); // pixels 16..47

cv::Mat canvas(const cv::Scalar& paper) {
    return cv::Mat(kSize, kSize, CV_8UC3, paper);
}

// Distance (Chebyshev, px) from (x, y) to the square's border pixels.
int distanceToBorder(int x, int y) {
    const bool insideX = x >= kSquare.x && x < kSquare.br().x;
    const bool insideY = y >= kSquare.y && y < kSquare.br().y;
    const int dx = std::min(std::abs(x - kSquare.x), std::abs(x - (kSquare.br().x - 1)));
    const int dy = std::min(std::abs(y - kSquare.y), std::abs(y - (kSquare.br().y - 1)));
    if (insideX && insideY)
        return std::min(dx, dy);
    const int outX = insideX ? 0 : dx, outY = insideY ? 0 : dy;
    return std::max(outX, outY);
}

TEST(HintPreprocessors, CannyOfAFilledSquareIsItsOutline) {
    cv::Mat picture = canvas(cv::Scalar(20, 30, 40));
    cv::rectangle(picture, kSquare, cv::Scalar(230, 220, 210), cv::FILLED);
    const cv::Mat edges = cannyEdges(picture, 100, 200);
    ASSERT_EQ(edges.type(), CV_8UC1);
    ASSERT_EQ(edges.size(), picture.size());
    int onBorder = 0;
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x) {
            const uchar value = edges.at<uchar>(y, x);
            ASSERT_TRUE(value == 0 || value == 255);
            if (value == 255) {
                EXPECT_LE(distanceToBorder(x, y), 1)
                    << "edge away from the outline at " << x << "," << y;
                ++onBorder;
            }
        }
    // Each of the four sides is traced along its whole length (corners may be rounded).
    for (int i = kSquare.y + 2; i < kSquare.br().y - 2; ++i) {
        EXPECT_GT(cv::countNonZero(edges.row(i).colRange(kSquare.x - 1, kSquare.x + 2)), 0) << i;
        EXPECT_GT(cv::countNonZero(edges.col(i).rowRange(kSquare.y - 1, kSquare.y + 2)), 0) << i;
    }
    EXPECT_GE(onBorder, 4 * 28);
    // A flat picture has no edges; thresholds above every gradient find none either.
    EXPECT_EQ(cv::countNonZero(cannyEdges(canvas(cv::Scalar(90, 90, 90)), 100, 200)), 0);
    EXPECT_EQ(cv::countNonZero(cannyEdges(picture, 5000, 6000)), 0);
    EXPECT_THROW(cannyEdges(picture, 200, 100), std::invalid_argument);
}

TEST(HintPreprocessors, ScribbleKeepsTheStrokesWhiteOnBlackWhateverThePaper) {
    cv::Mat drawing = canvas(cv::Scalar(250, 248, 240));
    cv::line(drawing, {8, 8}, {56, 56}, cv::Scalar(10, 10, 10), 3);
    cv::circle(drawing, {40, 20}, 8, cv::Scalar(30, 20, 60), 2);
    cv::Mat ink;
    cv::cvtColor(drawing, ink, cv::COLOR_RGB2GRAY);
    cv::threshold(ink, ink, 127, 255, cv::THRESH_BINARY_INV);

    const cv::Mat strokes = scribbleStrokes(drawing, 127);
    ASSERT_EQ(strokes.type(), CV_8UC1);
    EXPECT_EQ(cv::countNonZero(strokes != ink), 0);
    EXPECT_GT(cv::countNonZero(strokes), 100);
    // Chalk on a blackboard: the same strokes.
    cv::Mat inverted;
    cv::bitwise_not(drawing, inverted);
    EXPECT_EQ(cv::countNonZero(scribbleStrokes(inverted, 127) != ink), 0);
}

TEST(HintPreprocessors, LineartLightsDrawnLinesAndTheRimOfDarkShapes) {
    cv::Mat outline = canvas(cv::Scalar(255, 255, 255));
    cv::rectangle(outline, kSquare, cv::Scalar(0, 0, 0), 2);
    const cv::Mat lines = lineartEdges(outline, 1.5);
    ASSERT_EQ(lines.type(), CV_8UC1);
    EXPECT_GT(lines.at<uchar>(16, 30), 128); // on the drawn line
    EXPECT_EQ(lines.at<uchar>(32, 32), 0);   // inside, flat paper
    EXPECT_EQ(lines.at<uchar>(2, 2), 0);     // outside, flat paper
    double strongest = 0;
    cv::minMaxLoc(lines, nullptr, &strongest);
    EXPECT_EQ(strongest, 255.0);

    cv::Mat filled = canvas(cv::Scalar(255, 255, 255));
    cv::rectangle(filled, kSquare, cv::Scalar(0, 0, 0), cv::FILLED);
    const cv::Mat rim = lineartEdges(filled, 1.5);
    EXPECT_GT(rim.at<uchar>(16, 30), 128); // the inner rim of the dark square
    EXPECT_EQ(rim.at<uchar>(32, 32), 0);   // its flat middle
    EXPECT_EQ(rim.at<uchar>(15, 30), 0);   // the lighter side of the edge stays dark
    EXPECT_EQ(cv::countNonZero(lineartEdges(canvas(cv::Scalar(80, 80, 80)), 1.5)), 0);
}

TEST(HintPreprocessors, TileKeepsTheLayoutAndDropsTheDetail) {
    // Fine detail: a one-pixel checkerboard becomes a nearly flat grey.
    cv::Mat checker(kSize, kSize, CV_8UC3);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
            checker.at<cv::Vec3b>(y, x) =
                (x + y) % 2 ? cv::Vec3b(255, 255, 255) : cv::Vec3b(0, 0, 0);
    cv::Scalar mean, deviation;
    cv::meanStdDev(tileBlur(checker, 4), mean, deviation);
    EXPECT_NEAR(mean[0], 127.5, 3.0);
    EXPECT_LT(deviation[0], 3.0);
    // Layout: a red left half and a blue right half stay where they were.
    cv::Mat halves = canvas(cv::Scalar(0, 0, 255));
    halves.colRange(0, kSize / 2).setTo(cv::Scalar(255, 0, 0));
    const cv::Mat tiled = tileBlur(halves, 4);
    ASSERT_EQ(tiled.size(), halves.size());
    EXPECT_GT(cv::mean(tiled.colRange(0, 24))[0], 240);
    EXPECT_GT(cv::mean(tiled.colRange(40, 64))[2], 240);
    EXPECT_THROW(tileBlur(halves, 0.5), std::invalid_argument);
}

TEST(HintPreprocessors, ShuffleKeepsTheColoursAndLosesTheLayout) {
    cv::Mat halves = canvas(cv::Scalar(0, 0, 255));
    halves.colRange(0, kSize / 2).setTo(cv::Scalar(255, 0, 0));
    const cv::Mat shuffled = contentShuffle(halves, 7);
    ASSERT_EQ(shuffled.type(), CV_8UC3);
    ASSERT_EQ(shuffled.size(), halves.size());
    // Every pixel is one of the picture's colours (or a blend on the seam) ...
    cv::Mat channels[3];
    cv::split(shuffled, channels);
    EXPECT_EQ(cv::countNonZero(channels[1]), 0);
    // ... but both colours now appear in both halves.
    const auto share = [&](const cv::Mat& half, int channel) {
        cv::split(half, channels);
        return cv::countNonZero(channels[channel] > 128) / static_cast<double>(half.total());
    };
    EXPECT_GT(share(shuffled.colRange(0, 32), 2), 0.1);
    EXPECT_GT(share(shuffled.colRange(32, 64), 0), 0.1);
    // Deterministic per seed, different across seeds.
    EXPECT_EQ(cv::countNonZero(cv::Mat(shuffled != contentShuffle(halves, 7)).reshape(1)), 0);
    EXPECT_GT(cv::countNonZero(cv::Mat(shuffled != contentShuffle(halves, 8)).reshape(1)), 0);
}

class HintMakerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-hint-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string& name, const cv::Mat& rgb) const {
        const std::string path = (dir_ / name).string();
        io::writePng(path, rgb);
        return path;
    }
    fs::path dir_;
};

TEST_F(HintMakerTest, MakesEachKindOfHintAtTheGenerationSize) {
    cv::Mat picture(128, 128, CV_8UC3, cv::Scalar(20, 30, 40));
    cv::rectangle(picture, cv::Rect(32, 32, 64, 64), cv::Scalar(230, 220, 210), cv::FILLED);
    const std::string photo = write("photo.png", picture);
    HintMaker maker;

    ControlUnit given;
    given.model = "control_v11p_sd15_canny.pth";
    given.hint = photo;
    const cv::Mat ready = maker.make(given, 64, 32);
    ASSERT_EQ(ready.type(), CV_32FC3);
    ASSERT_EQ(ready.size(), cv::Size(64, 32));
    // The picture itself, area-averaged to 64x32 and scaled to [0, 1].
    cv::Mat expected;
    cv::resize(picture, expected, cv::Size(64, 32), 0, 0, cv::INTER_AREA);
    expected.convertTo(expected, CV_32FC3, 1.0 / 255.0);
    EXPECT_LT(cv::norm(ready, expected, cv::NORM_INF), 1e-6);

    // hint_from without a preprocessor: the type's (canny, from the file name) at 64x64.
    ControlUnit edges = given;
    edges.hint.clear();
    edges.hintFrom = photo;
    const cv::Mat canny = maker.make(edges, 64, 64);
    cv::Mat small;
    cv::resize(picture, small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
    cv::Mat expectedEdges;
    cv::cvtColor(cannyEdges(small, 100, 200), expectedEdges, cv::COLOR_GRAY2RGB);
    expectedEdges.convertTo(expectedEdges, CV_32FC3, 1.0 / 255.0);
    EXPECT_EQ(cv::norm(canny, expectedEdges, cv::NORM_INF), 0.0);
    // Thresholds above every gradient: nothing.
    edges.thresholdA = 5000;
    edges.thresholdB = 6000;
    EXPECT_EQ(cv::countNonZero(maker.make(edges, 64, 64).reshape(1)), 0);

    // A depth map is min-max normalised: its darkest pixel becomes 0 and its brightest 1.
    ControlUnit depth;
    depth.model = "control.pth";
    cv::Mat ramp(8, 8, CV_8UC3);
    for (int x = 0; x < 8; ++x)
        ramp.col(x).setTo(cv::Scalar::all(100 + 10 * x));
    depth.hintFrom = write("ramp.png", ramp);
    depth.preprocess = Preprocessor::DepthMap;
    const cv::Mat normalised = maker.make(depth, 8, 8);
    // (The normalisation's rounding may leave the ends 1e-16 off.)
    EXPECT_NEAR(normalised.at<cv::Vec3f>(3, 0)[0], 0.0f, 1e-6);
    EXPECT_NEAR(normalised.at<cv::Vec3f>(3, 7)[2], 1.0f, 1e-6);
    EXPECT_NEAR(normalised.at<cv::Vec3f>(3, 3)[1], 3.0f / 7.0f, 1e-6);

    // A kind no OpenCV preprocessor makes needs a ready hint.
    ControlUnit pose;
    pose.model = "control_v11p_sd15_openpose.pth";
    pose.hintFrom = photo;
    EXPECT_THROW(maker.make(pose, 64, 64), std::invalid_argument);
    pose.preprocess = Preprocessor::Scribble;
    EXPECT_NO_THROW(maker.make(pose, 64, 64));

    ControlUnit missing = given;
    missing.hint = (dir_ / "absent.png").string();
    try {
        maker.make(missing, 64, 64);
        FAIL() << "a missing hint was read";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("absent.png"), std::string::npos) << error.what();
    }
}

TEST(ControlTypes, FromTheReleasedFileNames) {
    const std::pair<const char*, ControlType> names[] = {
        {"control_v11p_sd15_canny.pth", ControlType::Canny},
        {"/models/control_sd15_depth.pth", ControlType::Depth},
        {"control_v11f1p_sd15_depth.fp16.safetensors", ControlType::Depth},
        {"control_v11p_sd15_normalbae.pth", ControlType::Normal},
        {"control_sd15_normal.pth", ControlType::Normal},
        {"control_v11p_sd15_lineart.pth", ControlType::Lineart},
        {"control_v11p_sd15s2_lineart_anime.pth", ControlType::LineartAnime},
        {"control_v11p_sd15_softedge.pth", ControlType::Softedge},
        {"control_sd15_hed.pth", ControlType::Softedge},
        {"control_v11p_sd15_scribble.pth", ControlType::Scribble},
        {"control_v11p_sd15_seg.pth", ControlType::Seg},
        {"control_v11p_sd15_openpose.pth", ControlType::Openpose},
        {"control_v11p_sd15_mlsd.pth", ControlType::Mlsd},
        {"control_v11f1e_sd15_tile.pth", ControlType::Tile},
        {"control_v11e_sd15_shuffle.pth", ControlType::Shuffle},
        {"Control-SD15-Canny.safetensors", ControlType::Canny},
        {"control_v11p_sd15_inpaint.pth", ControlType::Given},
        {"my_controlnet.pth", ControlType::Given},
        {"cannyish.pth", ControlType::Given}};
    for (const auto& [name, type] : names)
        EXPECT_EQ(controlTypeFromFileName(name), type) << name;
    // Names round-trip through the one table.
    for (const auto& entry : enumNames(ControlType{}))
        EXPECT_EQ(enumFromName<ControlType>(entry.name), entry.value);
    EXPECT_FALSE(enumFromName<ControlType>("depthish"));
}

TEST(ControlUnits, TypePreprocessorAndWindow) {
    ControlUnit unit;
    unit.model = "control_v11p_sd15_softedge.pth";
    EXPECT_EQ(effectiveType(unit), ControlType::Softedge);
    EXPECT_EQ(effectivePreprocessor(unit), Preprocessor::None); // no picture: nothing to make
    unit.hintFrom = "photo.png";
    EXPECT_EQ(effectivePreprocessor(unit), Preprocessor::Lineart);
    unit.type = ControlType::Depth; // the user's choice wins over the file name
    EXPECT_EQ(effectivePreprocessor(unit), Preprocessor::DepthMap);
    unit.type = ControlType::Seg;
    EXPECT_FALSE(effectivePreprocessor(unit));

    unit.start = 0.25;
    unit.end = 0.5;
    EXPECT_FALSE(actsAt(unit, 4, 20)); // 0.2
    EXPECT_TRUE(actsAt(unit, 5, 20));  // 0.25
    EXPECT_TRUE(actsAt(unit, 10, 20)); // 0.5
    EXPECT_FALSE(actsAt(unit, 11, 20));
    unit.scale = 0;
    EXPECT_FALSE(actsAt(unit, 5, 20));
}

} // namespace
} // namespace deadiff::control
