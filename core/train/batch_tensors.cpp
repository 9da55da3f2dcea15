#include "core/train/batch_tensors.h"

#include <torch/torch.h>

#include <cstring>
#include <stdexcept>

namespace deadiff::train {

torch::Tensor imagesToTensor(const std::vector<cv::Mat>& rgbImages) {
    if (rgbImages.empty())
        throw std::runtime_error("imagesToTensor: no images");
    const cv::Size size = rgbImages.front().size();
    torch::Tensor batch = torch::empty(
        {static_cast<std::int64_t>(rgbImages.size()), size.height, size.width, 3}, torch::kUInt8);
    for (std::size_t i = 0; i < rgbImages.size(); ++i) {
        const cv::Mat& image = rgbImages[i];
        if (image.type() != CV_8UC3 || image.size() != size)
            throw std::runtime_error("imagesToTensor: image " + std::to_string(i) +
                                     " is not an 8-bit RGB image of the first image's size");
        const cv::Mat contiguous = image.isContinuous() ? image : image.clone();
        std::memcpy(batch[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>(), contiguous.data,
                    contiguous.total() * contiguous.elemSize());
    }
    return batch.permute({0, 3, 1, 2}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

PairBatch pairBatch(const SyntheticDataset& dataset, std::uint64_t firstIndex, int batchSize) {
    if (batchSize <= 0)
        throw std::runtime_error("pairBatch: batch size must be positive, got " +
                                 std::to_string(batchSize));
    std::vector<cv::Mat> references, targets;
    PairBatch batch;
    for (int i = 0; i < batchSize; ++i) {
        TrainingPair pair = dataset.trainingPair(firstIndex + static_cast<std::uint64_t>(i));
        references.push_back(pair.reference.rgb);
        targets.push_back(pair.target.rgb);
        batch.texts.push_back(std::move(pair.text));
        batch.qformerModes.push_back(std::move(pair.qformerMode));
        batch.tasks.push_back(pair.task);
    }
    batch.references = imagesToTensor(references);
    batch.targets = imagesToTensor(targets);
    return batch;
}

} // namespace deadiff::train
