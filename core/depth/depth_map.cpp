#include "core/depth/depth_map.h"

#include "core/depth/depth_estimator.h"
#include "core/image/image_io.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace deadiff::depth {

cv::Mat readDepthMap(const std::string& path) {
    return image::readImageGrayFloat(path);
}

cv::Mat normalizeDepth(const cv::Mat& depth) {
    if (depth.empty() || depth.channels() != 1)
        throw std::invalid_argument("normalizeDepth needs a one-channel map");
    cv::Mat values;
    depth.convertTo(values, CV_64F);
    if (!cv::checkRange(values))
        throw std::invalid_argument("the depth map holds NaN or infinite values");
    double low = 0;
    double high = 0;
    cv::minMaxLoc(values, &low, &high);
    cv::Mat normalized;
    if (high > low)
        values.convertTo(normalized, CV_32F, 1.0 / (high - low), -low / (high - low));
    else
        normalized = cv::Mat::zeros(depth.size(), CV_32F);
    return normalized;
}

cv::Mat resizeDepth(const cv::Mat& normalized, int width, int height) {
    if (width < 1 || height < 1)
        throw std::invalid_argument("resizeDepth needs a positive size");
    cv::Mat resized;
    cv::resize(normalized, resized, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
    return resized;
}

cv::Mat depthToRgb8(const cv::Mat& normalized) {
    cv::Mat gray;
    normalized.convertTo(gray, CV_8U, 255.0); // rounds and saturates
    cv::Mat rgb;
    cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
}

cv::Mat loadNormalizedDepth(const std::string& depthPath, const std::string& photoPath,
                            const std::string& modelPath) {
    if (!depthPath.empty())
        return normalizeDepth(readDepthMap(depthPath));
    if (photoPath.empty())
        throw std::invalid_argument("no depth map and no photo to estimate one from");
    if (modelPath.empty())
        throw std::runtime_error("estimating depth from " + photoPath +
                                 " needs a depth model (a MiDaS .onnx file)");
    const auto estimator = DepthEstimator::load(modelPath);
    return normalizeDepth(estimator->estimate(image::readImageRgb(photoPath)));
}

} // namespace deadiff::depth
