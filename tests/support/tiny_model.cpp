#include "tests/support/tiny_model.h"

#include "tests/support/ckpt_writer.h"

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

nn::TensorMap tinyModelTensors(std::uint64_t seed) {
    const pipeline::ModelConfig config = tinyModelConfig();
    torch::manual_seed(seed);
    const nn::ClipTextModel text(config.text);
    const nn::UNetModel unet(config.unet);
    const nn::AutoencoderKL vae(config.vae);
    pipeline::ReferenceEncoder references(config.reference);
    nn::TensorMap tensors =
        pipeline::modelTensors(text, unet, vae, references, sample::scaledLinearAlphasCumprod());
    for (auto& [key, tensor] : tensors)
        tensor = tensor.clone(); // independent of the modules, which die here
    return tensors;
}

void writeTorchCheckpoint(const std::string& path, const nn::TensorMap& tensors,
                          bool nestUnderStateDict) {
    CkptSpec spec;
    spec.nestUnderStateDict = nestUnderStateDict;
    int index = 0;
    for (const auto& [name, value] : tensors) {
        const torch::Tensor data = value.contiguous();
        CkptTensor entry;
        entry.name = name;
        switch (data.scalar_type()) {
        case torch::kFloat:
            entry.storageType = "FloatStorage";
            break;
        case torch::kHalf:
            entry.storageType = "HalfStorage";
            break;
        case torch::kBFloat16:
            entry.storageType = "BFloat16Storage";
            break;
        case torch::kLong:
            entry.storageType = "LongStorage";
            break;
        default:
            throw std::runtime_error("writeTorchCheckpoint: unsupported dtype for " + name);
        }
        entry.storageKey = std::to_string(index++);
        entry.storageNumel = static_cast<std::uint64_t>(data.numel());
        entry.shape = data.sizes().vec();
        entry.strides = data.strides().vec();
        spec.storages[entry.storageKey] =
            std::string(static_cast<const char*>(data.data_ptr()),
                        static_cast<std::size_t>(data.numel() * data.element_size()));
        spec.tensors.push_back(entry);
    }
    writeBinaryFile(path, makeTorchCheckpoint(spec));
}

std::string writeTinyModel(const std::string& dir, std::uint64_t seed) {
    const pipeline::ModelConfig config = tinyModelConfig();
    pipeline::writeModelFolder(dir, config, tinyModelTensors(seed));
    train::writeClipWordVocabulary(train::buildClipWordVocabulary(train::captionWords()),
                                   (std::filesystem::path(dir) / config.tokenizer).string());
    return (std::filesystem::path(dir) / pipeline::kModelConfigName).string();
}

} // namespace deadiff::test
