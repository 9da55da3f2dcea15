// Depth maps for the ControlNet hint (spec §7): read with full precision, min-max normalised
// to [0, 1] with near = bright (the MiDaS / ControlNet convention), bilinear-resized to the
// generation size. Torch-free (OpenCV only): the GUI previews maps through it.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

namespace deadiff::depth {

// A depth map image as given by the user (grayscale or RGB, 8 or 16 bit, any size): one
// channel float32 in the file's units (image::readImageGrayFloat). Throws image::ImageError.
cv::Mat readDepthMap(const std::string& path);

// Min-max normalisation to [0, 1]: (d - min) / (max - min), float32, one channel. A constant
// map (no layout) becomes all zeros. NaN/inf samples are not allowed (std::invalid_argument).
cv::Mat normalizeDepth(const cv::Mat& depth);

// The normalised map bilinearly resized (cv::INTER_LINEAR, as the official cv2.resize) to
// width x height, aspect not kept. One channel float32 in [0, 1].
cv::Mat resizeDepth(const cv::Mat& normalized, int width, int height);

// A normalised map as an 8-bit RGB picture (gray replicated), for previews and saving.
cv::Mat depthToRgb8(const cv::Mat& normalized);

// The normalised depth map a request's depth settings give, at the source's resolution:
// `depthPath` read and normalised, or, when empty, depth estimated from `photoPath` with the
// ONNX model `modelPath` (depth_estimator.h) and normalised. Errors name the file.
cv::Mat loadNormalizedDepth(const std::string& depthPath, const std::string& photoPath,
                            const std::string& modelPath);

} // namespace deadiff::depth
