// Small CNN classifiers of the synthetic data's subject (12 classes) and style (10 classes): the
// measuring instruments of `deadiff eval` (issue 9), trained on renders of every (subject,
// style) combination, held-out ones included (they measure the model; they are not the model).
// Two separate networks, so the subject score cannot lean on style cues and vice versa.
#pragma once

#include "core/nn/state_dict.h"

#include <opencv2/core/mat.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>

namespace deadiff::train {

struct ClassifierConfig {
    std::int64_t classes = 12;
    std::int64_t width = 32; // channels of the first conv; doubled twice
};

// Per-image standardisation, then conv3x3 s2 (3 -> w) -> (w -> 2w) -> (2w -> 4w) -> (4w -> 4w),
// each with GroupNorm(8) and ReLU, then global average pooling and a linear layer.
struct ImageClassifierImpl : torch::nn::Module {
    explicit ImageClassifierImpl(const ClassifierConfig& config = {});
    // Images [B, 3, H, W] in [-1, 1] -> logits [B, classes].
    torch::Tensor forward(const torch::Tensor& images);

    ClassifierConfig config;
    torch::nn::Sequential features{nullptr};
    torch::nn::Linear head{nullptr};
};
TORCH_MODULE(ImageClassifier);

struct Classifiers {
    ImageClassifier subject{nullptr};
    ImageClassifier style{nullptr};
};

// Both, freshly initialised at the sizes `deadiff eval` uses.
Classifiers makeClassifiers();

// Trains both on fresh renders (imageSize px, every combination, with blur and noise so that
// generated images are judged by shape and look, not by render-exact pixels). `progress` gets
// (step, steps, subject loss, style loss). Deterministic per seed.
Classifiers trainClassifiers(
    int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
    const std::function<void(std::int64_t, std::int64_t, double, double)>& progress = {});

// Accuracy of both on `count` renders drawn with another seed (a check, not training data).
std::pair<double, double> classifierAccuracy(Classifiers& classifiers, int imageSize, int count,
                                             std::uint64_t seed);

// safetensors with keys "subject.*" and "style.*"; load throws naming the file and key.
void saveClassifiers(const Classifiers& classifiers, const std::string& path);
Classifiers loadClassifiers(const std::string& path);

// Where the subject is in an image (issue 21's layout measure): a small fully convolutional
// network trained on renders, whose masks the renderer knows exactly. Per-image standardisation,
// conv 3x3 (3 -> w), two stride-2 convs (w -> 2w -> 2w), two dilated convs (2w, dilation 2 and
// 4: a receptive field over the whole 64 px image), bilinear 4x up, concatenated with the first
// features, conv 3x3 (3w -> w), conv 1x1 -> one logit per pixel. GroupNorm(8) and ReLU after
// every conv but the last.
struct SubjectSegmenterImpl : torch::nn::Module {
    explicit SubjectSegmenterImpl(std::int64_t width = 16);
    // Images [B, 3, H, W] in [-1, 1] (H, W multiples of 4) -> logits [B, 1, H, W].
    torch::Tensor forward(const torch::Tensor& images);

    torch::nn::Sequential stem{nullptr}, context{nullptr}, head{nullptr};
};
TORCH_MODULE(SubjectSegmenter);

// Images [B, 3, H, W] in [-1, 1] as a model would give them back (e.g. through its autoencoder);
// draws what it needs from the generator.
using ImageRoundTrip = std::function<torch::Tensor(const torch::Tensor&, std::mt19937_64&)>;

// Trains one on fresh renders: every combination, half at the renders' own placements, half
// anywhere (freePlacement), blurred and noised as classifiers are. With `roundTrip`, the first
// half of every batch goes through it first, so that the segmenter also knows a model's
// rendition of the renders (generated images come through its decoder). Binary cross-entropy
// against the exact coverage. Deterministic per seed.
SubjectSegmenter
trainSubjectSegmenter(int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
                      const std::function<void(std::int64_t, std::int64_t, double)>& progress = {},
                      const ImageRoundTrip& roundTrip = {});

// The subject's mask of one RGB image (CV_8UC3): CV_8UC1, 255 where the logit is positive.
cv::Mat segmentSubject(SubjectSegmenter& segmenter, const cv::Mat& rgb);

// Intersection over union of two masks (CV_8UC1, "inside" = 128 and above). 1 when both are
// empty. Throws std::invalid_argument for masks of different sizes or types.
double maskIoU(const cv::Mat& a, const cv::Mat& b);

// Mean IoU of its masks with the exact ones on `count` renders at free placements (seed), each
// through `roundTrip` when given.
double segmenterIoU(SubjectSegmenter& segmenter, int imageSize, int count, std::uint64_t seed,
                    const ImageRoundTrip& roundTrip = {});

// safetensors with keys "segmenter.*"; load throws naming the file and key.
void saveSubjectSegmenter(SubjectSegmenter& segmenter, const std::string& path);
SubjectSegmenter loadSubjectSegmenter(const std::string& path);

} // namespace deadiff::train
