// Helpers shared by the core/image tests: fixture paths, reading expected images with plain
// OpenCV (not the code under test) and comparing 8-bit images.
#pragma once

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <cstring>
#include <string>

namespace deadiff::image::testing {

inline std::string fixture(const std::string& name) {
    return std::string(DEADIFF_TEST_FIXTURES_DIR) + "/image/" + name;
}

// An 8-bit PNG written by Pillow, as RGB.
inline cv::Mat readExpectedRgb(const std::string& path) {
    const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty())
        throw std::runtime_error("test fixture missing or unreadable: " + path);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

// A uint8 [H,W,3] tensor (oracle) as a cv::Mat copy.
inline cv::Mat matFromHwcTensor(const torch::Tensor& hwc) {
    const torch::Tensor t = hwc.contiguous();
    cv::Mat out(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC3);
    std::memcpy(out.data, t.data_ptr<std::uint8_t>(), static_cast<std::size_t>(t.numel()));
    return out;
}

struct ByteDiff {
    int maxAbs = 0;
    long mismatches = 0;
};

inline ByteDiff compareBytes(const cv::Mat& a, const cv::Mat& b) {
    ByteDiff diff;
    if (a.size() != b.size() || a.type() != b.type())
        return {256, -1};
    cv::Mat absDiff;
    cv::absdiff(a.reshape(1), b.reshape(1), absDiff);
    double maxValue = 0;
    cv::minMaxLoc(absDiff, nullptr, &maxValue);
    diff.maxAbs = static_cast<int>(maxValue);
    diff.mismatches = cv::countNonZero(absDiff);
    return diff;
}

} // namespace deadiff::image::testing
