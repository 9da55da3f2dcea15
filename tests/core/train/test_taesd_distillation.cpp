// `deadiff train --taesd` on the tiny model: the decoder fits the VAE's decode of a fixed batch,
// the VAE stays as it was, and the file it writes is loaded by the pipeline for --decoder taesd.
#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"
#include "core/train/taesd_distillation.h"
#include "core/train/trainer.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;

TEST(TaesdDistillation, FitsTheVaesDecodeAndLeavesTheVae) {
    const fs::path dir =
        fs::temp_directory_path() / ("deadiff_taesd_" + std::to_string(std::random_device{}()));
    DeadiffTrainer model(test::tinyModelConfig(), (dir / "tokenizer").string(), 1);
    const nn::TensorMap before = nn::stateDictOf(*model.vae(), "");

    SyntheticDatasetConfig config;
    config.imageSize = 32;
    config.seed = 2;
    const SyntheticDataset dataset(config);
    std::vector<cv::Mat> rgb;
    for (int i = 0; i < 4; ++i)
        rgb.push_back(dataset.textToImageSample(i).rgb);
    const torch::Tensor images = imagesToTensor(rgb);

    TaesdDistiller distiller(model.vae(), 8, 3e-3, 4);
    // The tiny VAE is f4: two upsamplings, 4 latent channels.
    EXPECT_EQ(distiller.decoder()->config().upsamplings, 2);
    EXPECT_EQ(distiller.decoder()->config().latentChannels, 4);
    const double psnrBefore = distiller.psnrToVae(images);
    const double first = distiller.step(images);
    double last = first;
    for (int i = 0; i < 40; ++i)
        last = distiller.step(images);
    EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;
    EXPECT_GT(distiller.psnrToVae(images), psnrBefore + 3.0);

    for (const auto& [key, tensor] : nn::stateDictOf(*model.vae(), ""))
        EXPECT_TRUE(torch::equal(tensor, before.at(key))) << key;

    // Written in the upstream layout: a decoder of the same config loads it strictly.
    fs::create_directories(dir);
    const std::string file = (dir / "taesd_decoder.safetensors").string();
    distiller.save(file);
    nn::TaesdDecoder loaded(distiller.decoder()->config());
    const io::SafetensorsFile written = io::SafetensorsFile::open(file);
    const nn::TensorMap tensors = nn::tensorsOf(written);
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*loaded, tensors, "", copy);
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = torch::randn({1, 4, 8, 8});
    EXPECT_LT(
        (loaded->forward(latent) - distiller.decoder()->forward(latent)).abs().max().item<double>(),
        2e-2); // float16 weights
    fs::remove_all(dir);
}

} // namespace
} // namespace deadiff::train
