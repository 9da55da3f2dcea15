// Reference image -> CLIP ViT input, exactly as the official DEADiff path
// (spec §3 Preprocessing): Pillow BICUBIC resize to 224x224 (aspect ratio not kept),
// ToTensor, 2(u - 0.5), then inside the model (x + 1) / 2 and (x - mean) / std.
#pragma once

#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include <array>

namespace deadiff::image {

constexpr int kClipImageSize = 224;
constexpr std::array<float, 3> kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
constexpr std::array<float, 3> kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};

// The 8-bit 224x224 RGB image the model sees (oracle `image_resized_u8`); `size` is the vision
// tower's input size (224 for CLIP ViT-L/14, smaller for a small model folder).
cv::Mat resizeForClip(const cv::Mat& rgb, int size = kClipImageSize);

// [B,3,H,W] float32 in [-1, 1] (oracle `image_pm1`) -> CLIP-normalised input with the
// official float32 operation order: ((x + 1) / 2 - mean) / std.
torch::Tensor clipNormalize(const torch::Tensor& imagePm1);

// Decoded RGB reference (any size, CV_8UC3) -> [1,3,224,224] float32 (oracle `clip_input`),
// or [1,3,size,size].
torch::Tensor clipInputFromRgb(const cv::Mat& rgb, int size = kClipImageSize);

} // namespace deadiff::image
