// Pillow 9.4's `Image.resize(size, filter)` for 8-bit images without alpha (modes L, RGB),
// reproduced bit for bit: the official pipeline resizes reference images with it
// (`.resize((224, 224))`, default BICUBIC), and OpenCV's INTER_CUBIC (a = -0.75, no
// antialiasing) is a different image.
#pragma once

#include <opencv2/core/mat.hpp>

namespace deadiff::image {

enum class PilFilter {
    Bilinear, // triangle, support 1
    Bicubic,  // Keys cubic with a = -0.5, support 2 (Pillow's default for RGB)
    Lanczos,  // Lanczos-3, support 3
};

// Resizes a CV_8UC1 or CV_8UC3 image to width x height (aspect ratio not kept), as Pillow's
// ImagingResample: separable convolution with the filter stretched by the downscale factor
// (antialiasing), weights normalised per output pixel and rounded to 22-bit fixed point,
// horizontal pass first (only over the rows the vertical pass reads), results rounded and
// clipped to uint8 after each pass. An axis whose size does not change is not filtered.
// Throws std::invalid_argument for another type, an empty image or a size below 1.
cv::Mat pilResize(const cv::Mat& image, int width, int height,
                  PilFilter filter = PilFilter::Bicubic);

} // namespace deadiff::image
