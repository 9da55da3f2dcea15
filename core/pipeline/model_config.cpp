#include "core/pipeline/model_config.h"

#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/sample/schedule.h"

#include <filesystem>
#include <stdexcept>

namespace deadiff::pipeline {
namespace fs = std::filesystem;

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
