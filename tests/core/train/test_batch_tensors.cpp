#include "core/train/batch_tensors.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

namespace deadiff::train {
namespace {

TEST(BatchTensors, ImagesBecomeNchwInMinusOneToOne) {
    cv::Mat first(4, 5, CV_8UC3, cv::Scalar(0, 0, 0));
    first.at<cv::Vec3b>(2, 3) = cv::Vec3b(255, 0, 51);
    const cv::Mat second(4, 5, CV_8UC3, cv::Scalar(255, 255, 255));
    const torch::Tensor batch = imagesToTensor({first, second});
    ASSERT_EQ(batch.sizes(), (std::vector<std::int64_t>{2, 3, 4, 5}));
    EXPECT_EQ(batch.dtype(), torch::kFloat32);
    EXPECT_FLOAT_EQ(batch[0][0][2][3].item<float>(), 1.0f);  // R
    EXPECT_FLOAT_EQ(batch[0][1][2][3].item<float>(), -1.0f); // G
    EXPECT_NEAR(batch[0][2][2][3].item<float>(), 51 / 127.5 - 1, 1e-6);
    EXPECT_FLOAT_EQ(batch[0][0][0][0].item<float>(), -1.0f);
    EXPECT_FLOAT_EQ(batch[1].min().item<float>(), 1.0f);
}

TEST(BatchTensors, MixedSizesOrTypesThrow) {
    const cv::Mat small(4, 4, CV_8UC3), large(8, 8, CV_8UC3), grey(4, 4, CV_8UC1);
    EXPECT_THROW(imagesToTensor({}), std::runtime_error);
    EXPECT_THROW(imagesToTensor({small, large}), std::runtime_error);
    EXPECT_THROW(imagesToTensor({small, grey}), std::runtime_error);
}

TEST(BatchTensors, PairBatchMatchesTheDatasetsDraws) {
    const SyntheticDataset dataset({32, 9, {1, 1, 1}});
    const PairBatch batch = pairBatch(dataset, 10, 4);
    ASSERT_EQ(batch.references.sizes(), (std::vector<std::int64_t>{4, 3, 32, 32}));
    ASSERT_EQ(batch.targets.sizes(), (std::vector<std::int64_t>{4, 3, 32, 32}));
    for (int i = 0; i < 4; ++i) {
        const TrainingPair pair = dataset.trainingPair(10 + static_cast<std::uint64_t>(i));
        EXPECT_EQ(batch.tasks[static_cast<std::size_t>(i)], pair.task);
        EXPECT_EQ(batch.texts[static_cast<std::size_t>(i)], pair.text);
        EXPECT_EQ(batch.qformerModes[static_cast<std::size_t>(i)], pair.qformerMode);
        EXPECT_TRUE(torch::equal(batch.targets[i], imagesToTensor({pair.target.rgb})[0]));
    }
    EXPECT_THROW(pairBatch(dataset, 0, 0), std::runtime_error);
}

} // namespace
} // namespace deadiff::train
