// 8-bit RGB images (OpenCV, HWC) <-> float tensors (NCHW), with the official code's exact
// float32 arithmetic.
#pragma once

#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include <vector>

namespace deadiff::image {

enum class PixelRange {
    ZeroToOne,     // u8 / 255 (torchvision ToTensor)
    MinusOneToOne, // 2 * (u8 / 255 - 0.5), equal to u8 / 255 * 2 - 1 for every byte
};

// CV_8UC3 RGB [H,W,3] -> float32 [1,3,H,W] in `range`. Throws std::invalid_argument for
// another type.
torch::Tensor rgbToTensor(const cv::Mat& rgb, PixelRange range);

// float [3,H,W] or [1,3,H,W] (any float dtype, any device) -> CV_8UC3 RGB as the official
// scripts save images: floor(255 * clamp(v, 0, 1)) in float32 with v = (x + 1) / 2 for
// MinusOneToOne (VAE output) or v = x for ZeroToOne; truncation, not rounding. NaN -> 0.
cv::Mat tensorToRgb(const torch::Tensor& image, PixelRange range);

// [B,3,H,W] -> B images.
std::vector<cv::Mat> tensorBatchToRgb(const torch::Tensor& images, PixelRange range);

} // namespace deadiff::image
