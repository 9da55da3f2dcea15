#include "core/control/hint.h"

#include "core/common/splitmix.h"

#include "core/depth/depth_estimator.h"
#include "core/depth/depth_map.h"
#include "core/image/image_io.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace deadiff::control {
namespace {

cv::Mat luma(const cv::Mat& rgb) {
    if (rgb.empty() || rgb.type() != CV_8UC3)
        throw std::invalid_argument("a preprocessor needs an 8-bit RGB picture");
    cv::Mat gray;
    cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
    return gray;
}

// Area average when shrinking (no aliasing of thin lines), bilinear when enlarging.
cv::Mat resizeTo(const cv::Mat& image, int width, int height) {
    if (image.cols == width && image.rows == height)
        return image;
    const bool shrinking = width < image.cols || height < image.rows;
    cv::Mat resized;
    cv::resize(image, resized, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

cv::Mat grayToHint(const cv::Mat& gray8) {
    cv::Mat rgb;
    cv::cvtColor(gray8, rgb, cv::COLOR_GRAY2RGB);
    cv::Mat hint;
    rgb.convertTo(hint, CV_32FC3, 1.0 / 255.0);
    return hint;
}

cv::Mat rgbToHint(const cv::Mat& rgb8) {
    cv::Mat hint;
    rgb8.convertTo(hint, CV_32FC3, 1.0 / 255.0);
    return hint;
}

cv::Mat depthToHint(const cv::Mat& normalized, int width, int height) {
    const cv::Mat resized = depth::resizeDepth(normalized, width, height);
    cv::Mat hint;
    cv::cvtColor(resized, hint, cv::COLOR_GRAY2RGB);
    return hint;
}

// A smooth random field over width x height in [0, 1] (the annotator's make_noise_disk): uniform
// noise on a grid of `cell` px, bicubically enlarged, min-max normalised.
cv::Mat noiseField(int width, int height, int cell, std::uint64_t seed) {
    const int gridW = width / cell + 2, gridH = height / cell + 2;
    cv::Mat grid(gridH, gridW, CV_32F);
    std::uint64_t state = splitmix64(seed);
    for (int y = 0; y < gridH; ++y)
        for (int x = 0; x < gridW; ++x) {
            state = splitmix64(state);
            grid.at<float>(y, x) = static_cast<float>((state >> 11) * (1.0 / 9007199254740992.0));
        }
    cv::Mat large;
    cv::resize(grid, large, cv::Size(width + 2 * cell, height + 2 * cell), 0, 0, cv::INTER_CUBIC);
    cv::Mat field = large(cv::Rect(cell, cell, width, height)).clone();
    cv::normalize(field, field, 0.0, 1.0, cv::NORM_MINMAX);
    return field;
}

} // namespace

cv::Mat cannyEdges(const cv::Mat& rgb, double low, double high) {
    if (!(low >= 0 && low <= high))
        throw std::invalid_argument("canny needs 0 <= low <= high");
    luma(rgb); // checks the type
    cv::Mat edges;
    cv::Canny(rgb, edges, low, high);
    return edges;
}

cv::Mat scribbleStrokes(const cv::Mat& rgb, double threshold) {
    const cv::Mat gray = luma(rgb);
    std::vector<uchar> values(gray.begin<uchar>(), gray.end<uchar>());
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    const bool lightPaper = values[values.size() / 2] > threshold;
    cv::Mat strokes;
    cv::threshold(gray, strokes, threshold, 255,
                  lightPaper ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY);
    return strokes;
}

cv::Mat lineartEdges(const cv::Mat& rgb, double sigma) {
    if (!(sigma > 0))
        throw std::invalid_argument("lineart needs a positive line width (sigma)");
    cv::Mat gray;
    luma(rgb).convertTo(gray, CV_32F);
    cv::Mat neighbourhood;
    cv::GaussianBlur(gray, neighbourhood, cv::Size(), sigma, sigma, cv::BORDER_REPLICATE);
    cv::Mat darker = cv::max(neighbourhood - gray, 0.0);
    double strongest = 0;
    cv::minMaxLoc(darker, nullptr, &strongest);
    cv::Mat lines;
    // Below 2 levels of 255 a "line" is dithering or JPEG noise, not a stroke.
    darker.convertTo(lines, CV_8U, strongest > 2.0 ? 255.0 / strongest : 0.0);
    return lines;
}

cv::Mat tileBlur(const cv::Mat& rgb, double factor) {
    luma(rgb);
    if (!(factor >= 1.0))
        throw std::invalid_argument("tile needs a down-sampling factor of at least 1");
    const int width = std::max(1, static_cast<int>(std::lround(rgb.cols / factor)));
    const int height = std::max(1, static_cast<int>(std::lround(rgb.rows / factor)));
    cv::Mat small, back;
    cv::resize(rgb, small, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    cv::resize(small, back, rgb.size(), 0, 0, cv::INTER_CUBIC);
    return back;
}

cv::Mat contentShuffle(const cv::Mat& rgb, std::uint64_t seed) {
    luma(rgb);
    // The annotator's cell is 256 px at its 512 px working size: half the picture.
    const int cell = std::max(4, std::max(rgb.cols, rgb.rows) / 2);
    cv::Mat mapX = noiseField(rgb.cols, rgb.rows, cell, seed) * static_cast<float>(rgb.cols - 1);
    cv::Mat mapY = noiseField(rgb.cols, rgb.rows, cell, splitmix64(seed) ^ 0x5348554646ULL) *
                   static_cast<float>(rgb.rows - 1);
    cv::Mat shuffled;
    cv::remap(rgb, shuffled, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_REFLECT);
    return shuffled;
}

HintMaker::HintMaker() = default;
HintMaker::~HintMaker() = default;

cv::Mat HintMaker::make(const ControlUnit& unit, int width, int height) {
    if (width < 1 || height < 1)
        throw std::invalid_argument("a hint needs a positive size");
    const std::optional<Preprocessor> preprocessor = effectivePreprocessor(unit);
    if (!preprocessor)
        throw std::invalid_argument(std::string("no preprocessor makes a '") +
                                    nameOf(effectiveType(unit)) + "' hint: give a ready hint");
    if (*preprocessor == Preprocessor::None)
        return rgbToHint(resizeTo(
            image::readImageRgb(unit.hint.empty() ? unit.hintFrom : unit.hint), width, height));
    if (*preprocessor == Preprocessor::DepthMap)
        return depthToHint(depth::normalizeDepth(depth::readDepthMap(unit.hintFrom)), width,
                           height);
    const cv::Mat picture = image::readImageRgb(unit.hintFrom);
    if (*preprocessor == Preprocessor::DepthMidas) {
        if (unit.preprocessModel.empty())
            throw std::invalid_argument("depth_midas needs a depth model (a MiDaS .onnx file)");
        if (!estimator_ || estimator_->path() != unit.preprocessModel) {
            estimator_.reset();
            estimator_ = depth::DepthEstimator::load(unit.preprocessModel);
        }
        return depthToHint(depth::normalizeDepth(estimator_->estimate(picture)), width, height);
    }
    const PreprocessorSettings defaults = preprocessorSettings(*preprocessor);
    const double a = unit.thresholdA.value_or(defaults.defaultA.value_or(0.0));
    const double b = unit.thresholdB.value_or(defaults.defaultB.value_or(0.0));
    const cv::Mat sized = resizeTo(picture, width, height);
    switch (*preprocessor) {
    case Preprocessor::Canny:
        return grayToHint(cannyEdges(sized, a, b));
    case Preprocessor::Scribble:
        return grayToHint(scribbleStrokes(sized, a));
    case Preprocessor::Lineart:
        return grayToHint(lineartEdges(sized, a));
    case Preprocessor::Tile:
        return rgbToHint(tileBlur(sized, a));
    case Preprocessor::Shuffle:
        return rgbToHint(contentShuffle(sized, static_cast<std::uint64_t>(std::max(0.0, a))));
    case Preprocessor::None:
    case Preprocessor::DepthMap:
    case Preprocessor::DepthMidas:
        break;
    }
    throw std::logic_error("HintMaker: unhandled preprocessor");
}

cv::Mat hintToRgb8(const cv::Mat& hint) {
    cv::Mat rgb;
    hint.convertTo(rgb, CV_8UC3, 255.0); // rounds and saturates
    return rgb;
}

} // namespace deadiff::control
