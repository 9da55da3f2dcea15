// The measuring instrument of the ControlNet evaluation (`deadiff eval --controlnet`): a small
// fully convolutional network that finds the painted subject in a synthetic-style image (the
// subject's coverage, whatever its style), trained on renders whose masks the renderer knows
// exactly, at every placement a hint may ask for. Like the classifiers it measures the model; it
// is not part of it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

namespace deadiff::train {

struct SegmenterConfig {
    std::int64_t width = 16; // channels at full resolution; doubled at 1/2, quadrupled below
};

// Per-image standardisation, then a small U-Net: three stride-2 stages down (w, 2w, 4w, 4w),
// nearest-neighbour upsampling with skip concatenation back to full resolution, GroupNorm and
// ReLU after every convolution, and a 1x1 convolution to one logit per pixel.
struct SubjectSegmenterImpl : torch::nn::Module {
    explicit SubjectSegmenterImpl(const SegmenterConfig& config = {});
    // Images [B, 3, H, W] in [-1, 1] (H, W multiples of 8) -> logits [B, 1, H, W] (> 0: subject).
    torch::Tensor forward(const torch::Tensor& images);

    SegmenterConfig config;
    torch::nn::Sequential down0{nullptr}, down1{nullptr}, down2{nullptr}, down3{nullptr};
    torch::nn::Sequential up2{nullptr}, up1{nullptr}, up0{nullptr};
    torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(SubjectSegmenter);

// Trains on fresh renders (imageSize px, every combination, placements from the dataset's
// jitter and widePlacement and offPriorPlacement alike, with the blur and noise generated images
// show). `progress` gets (step, steps, loss). Deterministic per seed.
SubjectSegmenter trainSegmenter(int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
                                const std::function<void(std::int64_t, std::int64_t, double)>&
                                    progress = {});

// Mean intersection-over-union of its masks with the renderer's on `count` fresh renders at
// off-prior placements (a check of the instrument, not training data).
double segmenterAccuracy(SubjectSegmenter& segmenter, int imageSize, int count,
                         std::uint64_t seed);

// The subject mask of images [B, 3, H, W] in [-1, 1]: [B, H, W] bool.
torch::Tensor subjectMask(SubjectSegmenter& segmenter, const torch::Tensor& images);

// |a ∧ b| / |a ∨ b| of two [H, W] bool masks (1 when both are empty).
double maskIoU(const torch::Tensor& a, const torch::Tensor& b);

// safetensors with keys "segmenter.*"; load throws naming the file and key.
void saveSegmenter(SubjectSegmenter& segmenter, const std::string& path);
SubjectSegmenter loadSegmenter(const std::string& path);

} // namespace deadiff::train
