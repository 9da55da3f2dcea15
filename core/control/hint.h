// ControlNet hints: the preprocessors that make one from an ordinary picture with OpenCV alone
// (no network is downloaded), and the hint of a ControlUnit at the generation size. Torch-free:
// the GUI previews hints through it.
//
// Every preprocessor takes an 8-bit RGB picture (CV_8UC3) already at the hint's size (as A1111's
// "pixel perfect": thin lines stay one pixel at the image size) and returns what the matching
// ControlNets were trained on: white lines on black (canny, scribble, lineart) or a picture.
#pragma once

#include "core/control/control_unit.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace deadiff::depth {
class DepthEstimator;
}

namespace deadiff::control {

// Canny edges of the picture (cv::Canny, aperture 3, L1 gradient, as ControlNet's annotator):
// CV_8UC1, 255 on the edges, 0 elsewhere. Hysteresis thresholds `low` <= `high` on the gradient.
cv::Mat cannyEdges(const cv::Mat& rgb, double low, double high);

// The strokes of a drawing (the scribble ControlNet's white-on-black input): CV_8UC1, 255 where
// the luma is on the ink's side of `threshold` (0..255). Ink is dark on light paper and light on
// dark paper; the paper is the side the median pixel is on.
cv::Mat scribbleStrokes(const cv::Mat& rgb, double threshold);

// Line-art-like edges: how much darker each pixel is than its neighbourhood (a Gaussian of
// `sigma` px), scaled so the strongest line is 255. Drawn lines and the inner rim of dark shapes
// light up; flat areas stay black. CV_8UC1.
cv::Mat lineartEdges(const cv::Mat& rgb, double sigma);

// The tile ControlNet's input: the picture shrunk `factor` times (area average) and enlarged
// back (bicubic), so only its coarse colours and layout remain. CV_8UC3, same size.
cv::Mat tileBlur(const cv::Mat& rgb, double factor);

// Content shuffle (ControlNet v1.1's shuffle annotator): every pixel is fetched from a place
// given by a smooth random field over the whole picture, so colours and textures stay and the
// layout goes. Deterministic for `seed`. CV_8UC3, same size.
cv::Mat contentShuffle(const cv::Mat& rgb, std::uint64_t seed);

// Makes the hints of control units at the generation size: CV_32FC3, RGB in [0, 1], as the
// ControlNet reads it. Keeps the last depth estimator loaded between calls.
class HintMaker {
public:
    HintMaker();
    ~HintMaker();
    HintMaker(const HintMaker&) = delete;
    HintMaker& operator=(const HintMaker&) = delete;

    // A ready hint is read and resized (area average when shrinking, bilinear when enlarging);
    // a picture is read, resized to width x height and preprocessed; a depth map is read at
    // full precision, min-max normalised and bilinearly resized (depth_map.h); depth_midas
    // estimates depth with the unit's ONNX model first. Throws image::ImageError or
    // std::runtime_error naming the file; std::invalid_argument for a unit without a usable
    // preprocessor (validate() refuses those first).
    cv::Mat make(const ControlUnit& unit, int width, int height);

private:
    std::unique_ptr<depth::DepthEstimator> estimator_;
};

// A hint as an 8-bit RGB picture (CV_8UC3), for previews and --save-hint.
cv::Mat hintToRgb8(const cv::Mat& hint);

} // namespace deadiff::control
