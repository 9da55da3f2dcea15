// Packs synthetic samples into tensors for the training loop. The only torch-facing part of the
// dataset: synthetic_dataset.h itself stays torch-free.
#pragma once

#include "core/train/synthetic_dataset.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace deadiff::train {

// [B,3,H,W] float32 in [-1,1] (x/127.5 − 1, the VAE's input convention) from CV_8UC3 RGB images
// of one size. Throws std::runtime_error for an empty list, another type or mixed sizes.
torch::Tensor imagesToTensor(const std::vector<cv::Mat>& rgbImages);

struct PairBatch {
    torch::Tensor references; // [B,3,H,W] in [-1,1]
    torch::Tensor targets;    // [B,3,H,W] in [-1,1]
    std::vector<std::string> texts;
    std::vector<std::string> qformerModes;
    std::vector<PairTask> tasks;
};

// Samples firstIndex .. firstIndex + batchSize − 1 of `dataset` (each its own 1:1:1 draw).
PairBatch pairBatch(const SyntheticDataset& dataset, std::uint64_t firstIndex, int batchSize);

} // namespace deadiff::train
