#include "core/pipeline/model_config.h"

#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/sample/schedule.h"

#include "core/common/json_fields.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;
using json = deadiff::json::Value;

// Reads optional fields of one JSON object into existing values, so a missing field keeps the
// config struct's default; a present field of the wrong type is an error naming the file and
// "section.field".
class Section {
public:
    Section(const json& object, std::string path, const std::string& file)
        : object_(object)
        , path_(std::move(path))
        , file_(file) {
        if (!object_.is_object())
            throw std::runtime_error(file_ + ": '" + (path_.empty() ? "the top level" : path_) +
                                     "' must be an object");
    }

    Section child(const std::string& key) const {
        static const json empty = json::object();
        const auto it = object_.find(key);
        return Section(it == object_.end() ? empty : *it, name(key), file_);
    }

    void read(const std::string& key, std::int64_t& value) const {
        readWith(key, value, deadiff::json::asInteger);
    }
    void read(const std::string& key, int& value) const {
        readWith(key, value, deadiff::json::asInt);
    }
    void read(const std::string& key, double& value) const {
        readWith(key, value, deadiff::json::asNumber);
    }
    void read(const std::string& key, std::string& value) const {
        readWith(key, value, deadiff::json::asString);
    }
    void read(const std::string& key, std::vector<std::string>& value) const {
        readWith(key, value, deadiff::json::asStrings);
    }
    void read(const std::string& key, std::vector<std::int64_t>& value) const {
        readWith(key, value, deadiff::json::asIntegers);
    }

    // A positive size check, named like the field.
    void requirePositive(const std::string& key, std::int64_t value) const {
        if (value < 1)
            throw std::runtime_error(file_ + ": '" + name(key) + "' must be >= 1, got " +
                                     std::to_string(value));
    }

private:
    template <typename T, typename Reader>
    void readWith(const std::string& key, T& value, Reader reader) const {
        const auto it = object_.find(key);
        if (it == object_.end())
            return;
        try {
            value = reader(*it, name(key));
        } catch (const deadiff::json::FieldError& error) {
            throw std::runtime_error(file_ + ": " + error.what());
        }
    }
    std::string name(const std::string& key) const { return deadiff::json::fieldName(path_, key); }

    const json& object_;
    std::string path_;
    const std::string& file_;
};

void readText(const Section& s, nn::ClipTextConfig& c) {
    s.read("vocab_size", c.vocabSize);
    s.read("max_positions", c.maxPositions);
    s.read("width", c.width);
    s.read("layers", c.layers);
    s.read("heads", c.heads);
    s.read("mlp_width", c.mlpWidth);
    s.read("layer_norm_eps", c.layerNormEps);
    for (const auto& [key, value] :
         {std::pair<const char*, std::int64_t>{"vocab_size", c.vocabSize},
          {"width", c.width},
          {"heads", c.heads},
          {"mlp_width", c.mlpWidth}})
        s.requirePositive(key, value);
    // The CLIP tokenizer always yields 77 ids (start, 75 tokens, end, padding).
    if (c.maxPositions != 77)
        throw std::runtime_error("model config: 'text_encoder.max_positions' must be 77 (the "
                                 "CLIP tokenizer's context length), got " +
                                 std::to_string(c.maxPositions));
}

void readUNet(const Section& s, nn::UNetConfig& c) {
    s.read("in_channels", c.inChannels);
    s.read("out_channels", c.outChannels);
    s.read("model_channels", c.modelChannels);
    s.read("channel_mult", c.channelMult);
    s.read("num_res_blocks", c.numResBlocks);
    s.read("attention_resolutions", c.attentionResolutions);
    s.read("num_heads", c.numHeads);
    s.read("transformer_depth", c.transformerDepth);
    s.read("context_dim", c.contextDim);
    s.read("content_layers", c.contentLayers);
    s.read("image_tokens", c.imageTokens);
    for (const auto& [key, value] :
         {std::pair<const char*, std::int64_t>{"model_channels", c.modelChannels},
          {"num_res_blocks", c.numResBlocks},
          {"num_heads", c.numHeads},
          {"context_dim", c.contextDim},
          {"image_tokens", c.imageTokens}})
        s.requirePositive(key, value);
}

void readVae(const Section& s, nn::VaeConfig& c) {
    s.read("ch", c.ch);
    s.read("ch_mult", c.chMult);
    s.read("num_res_blocks", c.numResBlocks);
    s.read("in_channels", c.inChannels);
    s.read("out_channels", c.outChannels);
    s.read("z_channels", c.zChannels);
    s.read("embed_dim", c.embedDim);
    s.read("scale_factor", c.scaleFactor);
    s.requirePositive("ch", c.ch);
    s.requirePositive("embed_dim", c.embedDim);
    if (c.chMult.empty())
        throw std::runtime_error("model config: 'vae.ch_mult' must not be empty");
}

void readReference(const Section& s, ReferenceEncoderConfig& c) {
    const Section vision = s.child("vision");
    nn::ClipVisionConfig& v = c.blip.vision;
    vision.read("image_size", v.imageSize);
    vision.read("patch_size", v.patchSize);
    vision.read("channels", v.channels);
    vision.read("width", v.width);
    vision.read("layers", v.layers);
    vision.read("heads", v.heads);
    vision.read("mlp_width", v.mlpWidth);
    vision.read("layer_norm_eps", v.layerNormEps);
    vision.requirePositive("patch_size", v.patchSize);
    if (v.imageSize % v.patchSize != 0)
        throw std::runtime_error(
            "model config: 'reference.vision.image_size' (" + std::to_string(v.imageSize) +
            ") must be a multiple of 'patch_size' (" + std::to_string(v.patchSize) + ")");

    const Section qformer = s.child("qformer");
    nn::QFormerConfig& q = c.blip.qformer;
    qformer.read("vocab_size", q.vocabSize);
    qformer.read("hidden", q.hidden);
    qformer.read("layers", q.layers);
    qformer.read("heads", q.heads);
    qformer.read("intermediate", q.intermediate);
    qformer.read("max_positions", q.maxPositions);
    qformer.read("encoder_width", q.encoderWidth);
    qformer.read("cross_attention_frequency", q.crossAttentionFrequency);
    qformer.read("layer_norm_eps", q.layerNormEps);

    s.read("query_tokens", c.blip.queryTokens);
    s.read("vision_layer_norm_eps", c.blip.visionLayerNormEps);

    const Section proj = s.child("proj");
    proj.read("width", c.proj.width);
    proj.read("hidden", c.proj.hidden);
    proj.read("layer_norm_eps", c.proj.layerNormEps);

    s.read("style_text_ids", c.styleTextIds);
    s.read("content_text_ids", c.contentTextIds);
    for (const auto* ids : {&c.styleTextIds, &c.contentTextIds})
        for (const std::int64_t id : *ids)
            if (id < 0 || id >= q.vocabSize)
                throw std::runtime_error(
                    "model config: 'reference.style_text_ids'/'content_text_ids' hold id " +
                    std::to_string(id) + ", outside the Q-Former vocabulary of " +
                    std::to_string(q.vocabSize));
}

// Sizes that must agree between networks; the module constructors would fail later with a
// message that does not name model.json.
void checkConsistency(const ModelConfig& c, const std::string& file) {
    const auto mismatch = [&](const std::string& what, std::int64_t a, std::int64_t b) {
        if (a != b)
            throw std::runtime_error(file + ": " + what + " (" + std::to_string(a) + " vs " +
                                     std::to_string(b) + ")");
    };
    mismatch("'unet.context_dim' must equal 'text_encoder.width'", c.unet.contextDim, c.text.width);
    mismatch("'unet.context_dim' must equal 'reference.proj.width'", c.unet.contextDim,
             c.reference.proj.width);
    mismatch("'reference.qformer.hidden' must equal 'reference.proj.width'",
             c.reference.blip.qformer.hidden, c.reference.proj.width);
    mismatch("'reference.qformer.encoder_width' must equal 'reference.vision.width'",
             c.reference.blip.qformer.encoderWidth, c.reference.blip.vision.width);
    mismatch("'unet.image_tokens' must equal 'reference.query_tokens'", c.unet.imageTokens,
             c.reference.blip.queryTokens);
    mismatch("'unet.in_channels' must equal 'vae.embed_dim'", c.unet.inChannels, c.vae.embedDim);
    if (c.defaultImageSize < 64 || c.defaultImageSize % 64 != 0)
        throw std::runtime_error(file + ": 'default_image_size' must be a multiple of 64, got " +
                                 std::to_string(c.defaultImageSize));
}

// model.json is written with sorted keys, as it always was.
using SortedJson = nlohmann::json;

SortedJson intArray(const std::vector<std::int64_t>& values) {
    SortedJson array = SortedJson::array();
    for (const std::int64_t value : values)
        array.push_back(value);
    return array;
}

} // namespace

std::int64_t ModelConfig::latentFactor() const {
    return std::int64_t{1} << (vae.chMult.size() - 1);
}

std::string modelConfigPath(const std::string& path) {
    std::error_code error;
    if (fs::is_directory(path, error))
        return (fs::path(path) / kModelConfigName).string();
    if (fs::path(path).extension() == ".json")
        return path;
    return {};
}

ModelCard modelCard(const std::string& modelPath) {
    const std::string json = modelConfigPath(modelPath);
    std::error_code ec;
    if (json.empty() || !fs::is_regular_file(json, ec))
        return {};
    return readModelConfig(json).card;
}

ModelConfig readModelConfig(const std::string& jsonPath) {
    std::ifstream in(jsonPath, std::ios::binary);
    if (!in)
        throw std::runtime_error(jsonPath + ": cannot open the model config (a model folder "
                                            "needs a model.json)");
    json root;
    try {
        root = json::parse(in);
    } catch (const json::parse_error& error) {
        throw std::runtime_error(jsonPath + ": not valid JSON: " + error.what());
    }
    const Section top(root, "", jsonPath);
    std::string format;
    top.read("format", format);
    if (format != kModelFormat)
        throw std::runtime_error(jsonPath + ": 'format' must be \"" + kModelFormat + "\", got \"" +
                                 format + "\"");
    std::int64_t version = 1;
    top.read("version", version);
    if (version != 1)
        throw std::runtime_error(jsonPath + ": 'version' " + std::to_string(version) +
                                 " is newer than this program understands (1)");

    ModelConfig config;
    top.read("weights", config.weights);
    top.read("weight_overlays", config.weightOverlays);
    top.read("tokenizer", config.tokenizer);
    top.read("default_image_size", config.defaultImageSize);
    std::string autoDtype;
    top.read("auto_dtype", autoDtype);
    if (!autoDtype.empty()) {
        const auto parsed = enumFromName<ComputeDtype>(autoDtype);
        if (!parsed || *parsed == ComputeDtype::Auto)
            throw std::runtime_error(
                jsonPath + ": 'auto_dtype' must be float32 or bfloat16, got '" + autoDtype + "'");
        config.autoDtype = *parsed;
    }
    try {
        readText(top.child("text_encoder"), config.text);
        readUNet(top.child("unet"), config.unet);
        readVae(top.child("vae"), config.vae);
        readReference(top.child("reference"), config.reference);
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        // The field readers name the file already; the cross-field checks say "model config".
        if (message.rfind(jsonPath, 0) == 0)
            throw;
        throw std::runtime_error(jsonPath + ": " + message.substr(message.find(": ") + 2));
    }
    const Section schedule = top.child("schedule");
    schedule.read("linear_start", config.schedule.linearStart);
    schedule.read("linear_end", config.schedule.linearEnd);
    const Section card = top.child("trained_on");
    card.read("subjects", config.card.subjects);
    card.read("styles", config.card.styles);
    card.read("words", config.card.words);
    checkConsistency(config, jsonPath);
    return config;
}

std::string modelConfigToJson(const ModelConfig& c) {
    const nn::ClipVisionConfig& v = c.reference.blip.vision;
    const nn::QFormerConfig& q = c.reference.blip.qformer;
    SortedJson root = {
        {"format", kModelFormat},
        {"version", 1},
        {"weights", c.weights},
        {"weight_overlays", c.weightOverlays},
        {"tokenizer", c.tokenizer},
        {"default_image_size", c.defaultImageSize},
        {"text_encoder",
         {{"vocab_size", c.text.vocabSize},
          {"max_positions", c.text.maxPositions},
          {"width", c.text.width},
          {"layers", c.text.layers},
          {"heads", c.text.heads},
          {"mlp_width", c.text.mlpWidth},
          {"layer_norm_eps", c.text.layerNormEps}}},
        {"unet",
         {{"in_channels", c.unet.inChannels},
          {"out_channels", c.unet.outChannels},
          {"model_channels", c.unet.modelChannels},
          {"channel_mult", intArray(c.unet.channelMult)},
          {"num_res_blocks", c.unet.numResBlocks},
          {"attention_resolutions", intArray(c.unet.attentionResolutions)},
          {"num_heads", c.unet.numHeads},
          {"transformer_depth", c.unet.transformerDepth},
          {"context_dim", c.unet.contextDim},
          {"content_layers", intArray(c.unet.contentLayers)},
          {"image_tokens", c.unet.imageTokens}}},
        {"vae",
         {{"ch", c.vae.ch},
          {"ch_mult", intArray(c.vae.chMult)},
          {"num_res_blocks", c.vae.numResBlocks},
          {"in_channels", c.vae.inChannels},
          {"out_channels", c.vae.outChannels},
          {"z_channels", c.vae.zChannels},
          {"embed_dim", c.vae.embedDim},
          {"scale_factor", c.vae.scaleFactor}}},
        {"reference",
         {{"vision",
           {{"image_size", v.imageSize},
            {"patch_size", v.patchSize},
            {"channels", v.channels},
            {"width", v.width},
            {"layers", v.layers},
            {"heads", v.heads},
            {"mlp_width", v.mlpWidth},
            {"layer_norm_eps", v.layerNormEps}}},
          {"qformer",
           {{"vocab_size", q.vocabSize},
            {"hidden", q.hidden},
            {"layers", q.layers},
            {"heads", q.heads},
            {"intermediate", q.intermediate},
            {"max_positions", q.maxPositions},
            {"encoder_width", q.encoderWidth},
            {"cross_attention_frequency", q.crossAttentionFrequency},
            {"layer_norm_eps", q.layerNormEps}}},
          {"query_tokens", c.reference.blip.queryTokens},
          {"vision_layer_norm_eps", c.reference.blip.visionLayerNormEps},
          {"proj",
           {{"width", c.reference.proj.width},
            {"hidden", c.reference.proj.hidden},
            {"layer_norm_eps", c.reference.proj.layerNormEps}}},
          {"style_text_ids", intArray(c.reference.styleTextIds)},
          {"content_text_ids", intArray(c.reference.contentTextIds)}}},
        {"schedule",
         {{"linear_start", c.schedule.linearStart}, {"linear_end", c.schedule.linearEnd}}}};
    if (c.autoDtype != ComputeDtype::Auto)
        root["auto_dtype"] = nameOf(c.autoDtype);
    if (!c.card.empty())
        root["trained_on"] = {
            {"subjects", c.card.subjects}, {"styles", c.card.styles}, {"words", c.card.words}};
    return root.dump(2) + "\n";
}

nn::TensorMap modelTensors(const nn::ClipTextModel& text, const nn::UNetModel& unet,
                           const nn::AutoencoderKL& vae, ReferenceEncoder& references,
                           const torch::Tensor& alphasCumprod) {
    nn::TensorMap tensors;
    const auto add = [&tensors](const torch::nn::Module& module, const std::string& prefix) {
        for (auto& [key, tensor] : nn::stateDictOf(module, prefix))
            tensors.emplace(key, tensor);
    };
    add(*text, nn::kClipTextPrefix);
    add(*unet, nn::kUNetPrefix);
    add(*vae, nn::kVaePrefix);
    add(*references.blip(ReferenceBranch::Style), nn::kStyleBlipPrefix);
    add(*references.blip(ReferenceBranch::Content), nn::kContentBlipPrefix);
    add(*references.proj(ReferenceBranch::Style), nn::kStyleProjPrefix);
    add(*references.proj(ReferenceBranch::Content), nn::kContentProjPrefix);
    if (alphasCumprod.defined())
        tensors.emplace("alphas_cumprod", alphasCumprod.to(torch::kFloat));
    return tensors;
}

torch::Tensor modelAlphasCumprod(const nn::TensorMap& tensors, const ModelConfig& config) {
    const auto stored = tensors.find("alphas_cumprod");
    if (stored != tensors.end())
        return sample::alphasCumprodOrDefault(stored->second.clone());
    return sample::scaledLinearAlphasCumprod(sample::kTrainTimesteps, config.schedule.linearStart,
                                             config.schedule.linearEnd);
}

ModelWeights openModelWeights(const std::string& jsonPath, const ModelConfig& config) {
    const fs::path folder = fs::path(jsonPath).parent_path();
    ModelWeights weights;
    weights.files.push_back(io::WeightFile::open((folder / config.weights).string()));
    weights.tensors = nn::tensorsOf(weights.files.back());
    for (const std::string& overlay : config.weightOverlays) {
        weights.files.push_back(io::WeightFile::open((folder / overlay).string()));
        for (auto& [key, tensor] : nn::tensorsOf(weights.files.back())) {
            if (weights.tensors.count(key) == 0)
                throw std::runtime_error((folder / overlay).string() + ": tensor '" + key +
                                         "' is not in " + (folder / config.weights).string() +
                                         " (an overlay only replaces tensors)");
            weights.tensors[key] = tensor;
        }
    }
    return weights;
}

namespace {

torch::Tensor storedForm(const std::string& key, const torch::Tensor& tensor, bool half) {
    const bool convert = half && tensor.scalar_type() == torch::kFloat && key != "alphas_cumprod";
    return (convert ? tensor.to(torch::kHalf) : tensor).detach().contiguous();
}

void writeConfigFile(const std::string& folder, const ModelConfig& config) {
    const std::string text = modelConfigToJson(config);
    io::AtomicFile file((fs::path(folder) / kModelConfigName).string());
    file.write(text.data(), text.size());
    file.commit();
}

} // namespace

void writeModelOverlay(const std::string& folder, ModelConfig config, const nn::TensorMap& tensors,
                       const std::string& baseFolder, bool half) {
    const std::string baseJson = modelConfigPath(baseFolder);
    if (baseJson.empty())
        throw std::runtime_error(baseFolder + " is not a model folder (no model.json)");
    const ModelConfig base = readModelConfig(baseJson);
    if (!base.weightOverlays.empty())
        throw std::runtime_error(baseFolder + " is itself an overlay; give its base folder");
    const ModelWeights baseWeights = openModelWeights(baseJson, base);
    std::vector<std::pair<std::string, torch::Tensor>> entries;
    for (const auto& [key, tensor] : tensors) {
        const auto known = baseWeights.tensors.find(key);
        if (known == baseWeights.tensors.end())
            throw std::runtime_error("tensor '" + key + "' is not in the base model " + baseFolder);
        const torch::Tensor stored = storedForm(key, tensor, half);
        if (!(known->second.scalar_type() == stored.scalar_type() &&
              known->second.sizes() == stored.sizes() && torch::equal(known->second, stored)))
            entries.emplace_back(key, stored);
    }
    std::error_code error;
    fs::create_directories(folder, error);
    if (error)
        throw std::runtime_error("cannot create the model folder " + folder + ": " +
                                 error.message());
    const fs::path baseDir = fs::path(baseJson).parent_path();
    const fs::path here = fs::absolute(folder);
    config.weights = fs::relative(fs::absolute(baseDir / base.weights), here).generic_string();
    config.tokenizer = fs::relative(fs::absolute(baseDir / base.tokenizer), here).generic_string();
    config.weightOverlays = {"overlay.safetensors"};
    io::writeSafetensors((fs::path(folder) / config.weightOverlays[0]).string(), entries,
                         {{"format", kModelFormat}});
    writeConfigFile(folder, config);
}

void writeModelFolder(const std::string& folder, const ModelConfig& config,
                      const nn::TensorMap& tensors, bool half) {
    std::error_code error;
    fs::create_directories(folder, error);
    if (error)
        throw std::runtime_error("cannot create the model folder " + folder + ": " +
                                 error.message());
    std::vector<std::pair<std::string, torch::Tensor>> entries;
    for (const auto& [key, tensor] : tensors)
        entries.emplace_back(key, storedForm(key, tensor, half));
    io::writeSafetensors((fs::path(folder) / config.weights).string(), entries,
                         {{"format", kModelFormat}});
    writeConfigFile(folder, config);
}

} // namespace deadiff::pipeline
