#include "tests/support/tiny_model.h"

#include "core/sample/schedule.h"
#include "core/train/synthetic_dataset.h"
#include "core/train/trainer.h"
#include "core/train/word_vocabulary.h"

#include <torch/torch.h>

#include <filesystem>

namespace deadiff::test {

pipeline::ModelConfig tinyModelConfig() {
    pipeline::ModelConfig config;
    config.defaultImageSize = 64;
    constexpr std::int64_t width = 32; // GroupNorm(32) needs channel counts of 32 at least

    config.text.vocabSize = static_cast<std::int64_t>(
        train::buildClipWordVocabulary(train::captionWords()).tokens.size());
    config.text.width = width;
    config.text.layers = 1;
    config.text.heads = 2;
    config.text.mlpWidth = 2 * width;

    config.unet.modelChannels = width;
    config.unet.channelMult = {1, 1, 1, 1};
    config.unet.numHeads = 2;
    config.unet.contextDim = width;
    config.unet.imageTokens = 4;

    config.vae.ch = width;
    config.vae.chMult = {1, 1, 1};
    config.vae.numResBlocks = 1;

    nn::Blip2QFormerConfig& blip = config.reference.blip;
    blip.vision.imageSize = 32;
    blip.vision.patchSize = 8;
    blip.vision.width = width;
    blip.vision.layers = 1;
    blip.vision.heads = 2;
    blip.vision.mlpWidth = 2 * width;
    blip.qformer.hidden = width;
    blip.qformer.layers = 1;
    blip.qformer.heads = 2;
    blip.qformer.intermediate = 2 * width;
    blip.qformer.maxPositions = 8;
    blip.qformer.encoderWidth = width;
    blip.queryTokens = 4;
    config.reference.proj.width = width;
    config.reference.proj.hidden = 2 * width;
    train::useCompactQFormerVocabulary(config.reference);
    return config;
}

std::string writeTinyModel(const std::string& dir, std::uint64_t seed) {
    const pipeline::ModelConfig config = tinyModelConfig();
    torch::manual_seed(seed);
    const nn::ClipTextModel text(config.text);
    const nn::UNetModel unet(config.unet);
    const nn::AutoencoderKL vae(config.vae);
    pipeline::ReferenceEncoder references(config.reference);
    pipeline::writeModelFolder(
        dir, config,
        pipeline::modelTensors(text, unet, vae, references, sample::scaledLinearAlphasCumprod()));
    train::writeClipWordVocabulary(train::buildClipWordVocabulary(train::captionWords()),
                                   (std::filesystem::path(dir) / config.tokenizer).string());
    return (std::filesystem::path(dir) / pipeline::kModelConfigName).string();
}

} // namespace deadiff::test
