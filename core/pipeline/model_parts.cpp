#include "core/pipeline/model_parts.h"

#include "core/nn/blip2_qformer.h"
#include "core/nn/clip_text.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"
#include "core/pipeline/sd_checkpoint.h"

#include <torch/torch.h>

#include <filesystem>
#include <set>
#include <stdexcept>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// One path as given: a model folder (model.json + weights + tokenizer) or a single file.
struct OpenedModel {
    bool folder = false;
    ModelConfig config;
    std::string tokenizerDir; // folders only
    std::vector<io::WeightFile> files;
    nn::TensorMap tensors; // canonical keys
    SdFileReport report;
};

OpenedModel openModel(const std::string& path, bool ema) {
    OpenedModel opened;
    const std::string configPath = modelConfigPath(path);
    if (configPath.empty()) {
        SdWeights weights = readSdCheckpoint(path, ema);
        opened.files = std::move(weights.files);
        opened.tensors = std::move(weights.tensors);
        opened.report = weights.report;
        return opened;
    }
    if (ema)
        throw std::runtime_error(path + " is a model folder; it holds no EMA copy to choose (the "
                                        "EMA option is for single-file checkpoints)");
    opened.folder = true;
    opened.config = readModelConfig(configPath);
    ModelWeights weights = openModelWeights(configPath, opened.config);
    opened.files = std::move(weights.files);
    // A folder already uses the canonical keys; this only reports what it holds.
    opened.tensors = canonicalSdTensors(weights.tensors, false, path, opened.report);
    opened.tokenizerDir = (fs::path(configPath).parent_path() / opened.config.tokenizer).string();
    return opened;
}

// The DEADiff parts must be complete when any is there: a checkpoint with only some of them is
// damaged or something else, and would otherwise paint with random weights.
void checkDeadiffParts(const nn::TensorMap& tensors, const std::string& path) {
    const bool imageKeys = tensors.count(std::string(nn::kUNetPrefix) +
                                         "input_blocks.1.1.transformer_blocks.0.attn2.i_to_k."
                                         "weight") != 0;
    const bool blips = tensors.count(std::string(nn::kStyleBlipPrefix) + "query_tokens") != 0 &&
                       tensors.count(std::string(nn::kContentBlipPrefix) + "query_tokens") != 0;
    if (!imageKeys || !blips)
        throw std::runtime_error(path + " has only some of the DEADiff parts (attn2.i_to_k/i_to_v, "
                                        "style_blip, content_blip): it is damaged or not a "
                                        "DEADiff checkpoint; choose deadiff_v1.ckpt, or a plain "
                                        "Stable Diffusion 1.5 file");
}

// The sizes a base or VAE must share with the model it goes under.
std::string sizeMismatch(const ModelConfig& model, const ModelConfig& other, bool vaeOnly) {
    const nn::VaeConfig &a = model.vae, &b = other.vae;
    if (a.ch != b.ch || a.chMult != b.chMult || a.numResBlocks != b.numResBlocks ||
        a.zChannels != b.zChannels || a.embedDim != b.embedDim || a.scaleFactor != b.scaleFactor)
        return "VAE (ch " + std::to_string(b.ch) + " vs " + std::to_string(a.ch) + ")";
    if (vaeOnly)
        return {};
    const nn::ClipTextConfig &t = model.text, &u = other.text;
    if (t.vocabSize != u.vocabSize || t.width != u.width || t.layers != u.layers ||
        t.heads != u.heads || t.mlpWidth != u.mlpWidth)
        return "text encoder (width " + std::to_string(u.width) + " vs " + std::to_string(t.width) +
               ")";
    const nn::UNetConfig &m = model.unet, &n = other.unet;
    if (m.inChannels != n.inChannels || m.outChannels != n.outChannels ||
        m.modelChannels != n.modelChannels || m.channelMult != n.channelMult ||
        m.numResBlocks != n.numResBlocks || m.attentionResolutions != n.attentionResolutions ||
        m.numHeads != n.numHeads || m.transformerDepth != n.transformerDepth ||
        m.contextDim != n.contextDim)
        return "UNet (" + std::to_string(n.modelChannels) + " vs " +
               std::to_string(m.modelChannels) + " channels)";
    return {};
}

void addNote(ModelParts& parts, const std::string& role, const std::string& path,
             const SdFileReport& report) {
    const std::string ignored = ignoredKeysNote(report);
    if (!ignored.empty())
        parts.notes.push_back(role + " " + path + ": " + ignored);
}

void replaceKeys(nn::TensorMap& tensors, const nn::TensorMap& from,
                 bool (*belongs)(const std::string&)) {
    for (auto it = tensors.begin(); it != tensors.end();)
        it = belongs(it->first) ? tensors.erase(it) : std::next(it);
    for (const auto& [key, tensor] : from)
        if (belongs(key))
            tensors[key] = tensor;
}

bool isVaeKey(const std::string& key) {
    return startsWith(key, nn::kVaePrefix);
}

void moveFiles(ModelParts& parts, std::vector<io::WeightFile>& files) {
    for (io::WeightFile& file : files)
        parts.files.push_back(std::move(file));
    files.clear();
}

} // namespace

ModelParts assembleModel(const LoadOptions& options) {
    if (options.model.empty())
        throw std::runtime_error("no model given: choose a DEADiff checkpoint, a Stable "
                                 "Diffusion 1.5 checkpoint or a model folder");
    ModelParts parts;
    // Without a base, the model file supplies the SD parts, so the EMA choice is its.
    OpenedModel model = openModel(options.model, options.base.empty() && options.baseEma);
    parts.config = model.config;
    parts.tokenizerDir = model.folder ? model.tokenizerDir : options.vocabDir;
    parts.textEncoderSource =
        options.model + (options.base.empty() && options.baseEma ? " (EMA)" : "");
    parts.referenceImages = model.report.deadiffParts;
    if (parts.referenceImages)
        checkDeadiffParts(model.tensors, options.model);
    else
        parts.config.unet.imageCrossAttention = false; // CompVis' plain UNetModel
    parts.tensors = std::move(model.tensors);
    addNote(parts, "model", options.model, model.report);
    moveFiles(parts, model.files);

    if (!options.base.empty()) {
        OpenedModel base = openModel(options.base, options.baseEma);
        // A folder says its sizes; a single file's show in its tensors' shapes, which the
        // loader checks key by key.
        const std::string mismatch =
            base.folder ? sizeMismatch(parts.config, base.config, false) : std::string();
        if (!mismatch.empty())
            throw std::runtime_error("the base model " + options.base + " does not fit under " +
                                     options.model + ": its " + mismatch + " has other sizes");
        replaceKeys(parts.tensors, base.tensors, &isBaseModelKey);
        // A base folder brings its own vocabulary; a single file holds none, and its text
        // encoder loads only where its token table has the model's size: the model's own
        // vocabulary (the default CLIP one for real-size files) is then the one it was made for.
        if (base.folder)
            parts.tokenizerDir = base.tokenizerDir;
        parts.textEncoderSource = options.base + (options.baseEma ? " (EMA)" : "");
        addNote(parts, "base", options.base, base.report);
        moveFiles(parts, base.files);
    }

    if (!options.vae.empty()) {
        const std::string configPath = modelConfigPath(options.vae);
        SdWeights vae;
        if (configPath.empty()) {
            vae = readVaeFile(options.vae);
        } else {
            const OpenedModel folder = openModel(options.vae, false);
            const std::string mismatch = sizeMismatch(parts.config, folder.config, true);
            if (!mismatch.empty())
                throw std::runtime_error("the VAE of " + options.vae + " does not fit " +
                                         options.model + ": its " + mismatch + " has other sizes");
            vae.files = folder.files;
            vae.tensors = folder.tensors;
        }
        if (vae.tensors.empty())
            throw std::runtime_error(options.vae + " holds no VAE weights");
        replaceKeys(parts.tensors, vae.tensors, &isVaeKey);
        addNote(parts, "VAE", options.vae, vae.report);
        moveFiles(parts, vae.files);
    }
    parts.sources = options.model;
    if (!options.base.empty())
        parts.sources += " with base " + options.base;
    if (!options.vae.empty())
        parts.sources += (options.base.empty() ? " with VAE " : " and VAE ") + options.vae;
    return parts;
}

void releaseCopiedPages(const ModelParts& parts, const torch::nn::Module& module,
                        const std::string& prefix) {
    std::set<const void*> shared;
    for (const torch::Tensor& parameter : module.parameters())
        shared.insert(parameter.data_ptr());
    for (const torch::Tensor& buffer : module.buffers())
        shared.insert(buffer.data_ptr());
    for (const io::WeightFile& file : parts.files) {
        const std::shared_ptr<io::MappedFile>& mapping = file.mapping();
        if (!mapping)
            continue;
        const std::uint8_t* begin = mapping->data();
        const std::uint8_t* end = begin + mapping->size();
        for (auto it = parts.tensors.lower_bound(prefix);
             it != parts.tensors.end() && startsWith(it->first, prefix); ++it) {
            const auto* data = static_cast<const std::uint8_t*>(it->second.data_ptr());
            if (data >= begin && data < end && shared.count(data) == 0)
                mapping->releasePages(static_cast<std::size_t>(data - begin), it->second.nbytes());
        }
    }
}

} // namespace deadiff::pipeline
