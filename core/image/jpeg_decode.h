// JPEG decoding with libjpeg(-turbo) directly, configured as Pillow's JpegDecode.c: OpenCV
// neither reports a truncated JPEG (it pads it silently) nor converts CMYK as Pillow does.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deadiff::image::detail {

bool looksLikeJpeg(const std::uint8_t* data, std::size_t size);

// 8-bit RGB (CV_8UC3) or throws ImageError naming `nameForErrors`. Sides above `maxSide`
// are refused after reading the header, before decoding.
cv::Mat decodeJpegRgb(const std::uint8_t* data, std::size_t size, const std::string& nameForErrors,
                      int maxSide);

} // namespace deadiff::image::detail
