#include "core/pipeline/init_image.h"

#include "core/image/image_io.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace deadiff::pipeline {
namespace {

cv::Mat resized(const cv::Mat& image, int width, int height) {
    if (image.cols == width && image.rows == height)
        return image.clone();
    const bool shrinking = width <= image.cols && height <= image.rows;
    cv::Mat out;
    cv::resize(image, out, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out;
}

// A1111's mask blur: a Gaussian of σ = radius, kernel 2·⌊2.5σ + 0.5⌋ + 1.
cv::Mat blurred(const cv::Mat& mask, int radius) {
    if (radius <= 0)
        return mask;
    const int kernel = 2 * static_cast<int>(2.5 * radius + 0.5) + 1;
    cv::Mat out;
    cv::GaussianBlur(mask, out, cv::Size(kernel, kernel), radius, radius, cv::BORDER_REPLICATE);
    return out;
}

cv::Mat readMask(const std::string& path) {
    const cv::Mat rgb = image::readImageRgb(path);
    cv::Mat gray, mask;
    cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
    gray.convertTo(mask, CV_32F, 1.0 / 255.0);
    return mask;
}

// Moves [low, high) inside [0, limit) after growing it by `grow` (split in two halves).
void growInside(int& low, int& high, int grow, int limit) {
    low -= grow / 2;
    high += grow - grow / 2;
    if (high > limit) {
        low -= high - limit;
        high = limit;
    }
    if (low < 0) {
        high -= low;
        low = 0;
    }
    high = std::min(high, limit);
}

} // namespace

cv::Mat fitImage(const cv::Mat& image, int width, int height, image::ResizeMode mode) {
    const double scaleX = static_cast<double>(width) / image.cols;
    const double scaleY = static_cast<double>(height) / image.rows;
    switch (mode) {
    case image::ResizeMode::Stretch:
        return resized(image, width, height);
    case image::ResizeMode::Crop: {
        const double scale = std::max(scaleX, scaleY);
        const int w = std::max(width, static_cast<int>(std::lround(image.cols * scale)));
        const int h = std::max(height, static_cast<int>(std::lround(image.rows * scale)));
        const cv::Mat covering = resized(image, w, h);
        return covering(cv::Rect((w - width) / 2, (h - height) / 2, width, height)).clone();
    }
    case image::ResizeMode::Fill: {
        const double scale = std::min(scaleX, scaleY);
        const int w = std::clamp(static_cast<int>(std::lround(image.cols * scale)), 1, width);
        const int h = std::clamp(static_cast<int>(std::lround(image.rows * scale)), 1, height);
        const cv::Mat inside = resized(image, w, h);
        cv::Mat out;
        const int left = (width - w) / 2;
        const int top = (height - h) / 2;
        cv::copyMakeBorder(inside, out, top, height - h - top, left, width - w - left,
                           cv::BORDER_REPLICATE);
        return out;
    }
    }
    return resized(image, width, height);
}

std::optional<cv::Rect> maskedRegion(const cv::Mat& mask, int padding, int width, int height) {
    cv::Mat nonzero;
    // What A1111's 8-bit mask keeps: values that do not round to 0.
    cv::threshold(mask, nonzero, 0.5 / 255.0, 255, cv::THRESH_BINARY);
    nonzero.convertTo(nonzero, CV_8U);
    const cv::Rect box = cv::boundingRect(nonzero);
    if (box.area() == 0)
        return std::nullopt;
    int x1 = std::max(box.x - padding, 0);
    int y1 = std::max(box.y - padding, 0);
    int x2 = std::min(box.x + box.width + padding, mask.cols);
    int y2 = std::min(box.y + box.height + padding, mask.rows);
    // Widen the short side to the output's aspect ratio (A1111 expand_crop_region).
    const double boxRatio = static_cast<double>(x2 - x1) / (y2 - y1);
    const double outputRatio = static_cast<double>(width) / height;
    if (boxRatio > outputRatio) {
        const int grow = static_cast<int>((x2 - x1) / outputRatio - (y2 - y1));
        growInside(y1, y2, grow, mask.rows);
    } else {
        const int grow = static_cast<int>((y2 - y1) * outputRatio - (x2 - x1));
        growInside(x1, x2, grow, mask.cols);
    }
    return cv::Rect(x1, y1, x2 - x1, y2 - y1);
}

cv::Mat StartImage::workImage() const {
    return region ? resized(image(*region), image.cols, image.rows) : image;
}

cv::Mat StartImage::workMask() const {
    if (mask.empty() || !region)
        return mask;
    return resized(mask(*region), mask.cols, mask.rows);
}

std::vector<cv::Mat> StartImage::pasteBack(const std::vector<cv::Mat>& generated) const {
    if (!region)
        return generated;
    std::vector<cv::Mat> pasted;
    for (const cv::Mat& picture : generated) {
        cv::Mat full = image.clone();
        resized(picture, region->width, region->height).copyTo(full(*region));
        // Outside the mask the start image stays: blend through the (blurred) mask.
        cv::Mat alpha, fullFloat, imageFloat, blended;
        cv::cvtColor(mask, alpha, cv::COLOR_GRAY2RGB);
        full.convertTo(fullFloat, CV_32FC3);
        image.convertTo(imageFloat, CV_32FC3);
        blended = fullFloat.mul(alpha) + imageFloat.mul(cv::Scalar::all(1.0) - alpha);
        blended.convertTo(full, CV_8UC3); // rounds and saturates
        pasted.push_back(full);
    }
    return pasted;
}

StartImage prepareStartImage(const GenerationRequest& request) {
    StartImage start;
    start.image = fitImage(image::readImageRgb(request.init), request.width, request.height,
                           request.resizeMode);
    if (request.mask.empty())
        return start;
    const cv::Mat mask =
        fitImage(readMask(request.mask), request.width, request.height, request.resizeMode);
    start.mask = blurred(cv::min(cv::max(mask, 0.0), 1.0), request.maskBlur);
    if (request.maskedOnly)
        start.region =
            maskedRegion(start.mask, request.maskedPadding, request.width, request.height);
    return start;
}

cv::Mat latentMask(const cv::Mat& mask, int latentWidth, int latentHeight) {
    cv::Mat out;
    cv::resize(mask, out, cv::Size(latentWidth, latentHeight), 0, 0, cv::INTER_AREA);
    return out;
}

} // namespace deadiff::pipeline
