#include "core/pipeline/model_memory.h"

#include "core/io/weight_file.h"
#include "core/nn/blip2_qformer.h"
#include "core/nn/clip_text.h"
#include "core/nn/proj_layer.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/reference_encoder.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;

bool startsWith(const std::string& text, const char* prefix) {
    return text.rfind(prefix, 0) == 0;
}

std::uint64_t numel(const io::TensorInfo& tensor) {
    std::uint64_t count = 1;
    for (const std::int64_t dim : tensor.shape)
        count *= static_cast<std::uint64_t>(dim);
    return count;
}

} // namespace

ModelMemoryFacts modelMemoryFacts(const std::string& modelPath, ComputeDtype dtype) {
    ModelConfig config;
    std::vector<std::string> files = {modelPath};
    const std::string configPath = modelConfigPath(modelPath);
    if (!configPath.empty()) {
        config = readModelConfig(configPath);
        const fs::path folder = fs::path(configPath).parent_path();
        files = {(folder / config.weights).string()};
        for (const std::string& overlay : config.weightOverlays)
            files.push_back((folder / overlay).string());
    }
    ModelMemoryFacts facts;
    facts.computeBytes =
        resolveComputeDtype(dtype, config.autoDtype) == ComputeDtype::BFloat16 ? 2 : 4;
    facts.nativeImageSize = static_cast<int>(config.defaultImageSize);
    facts.latentFactor = static_cast<int>(config.latentFactor());
    facts.latentChannels = static_cast<int>(config.latentChannels());
    facts.unetChannels = static_cast<int>(config.unet.modelChannels);
    facts.unetMult.assign(config.unet.channelMult.begin(), config.unet.channelMult.end());
    facts.unetResBlocks = static_cast<int>(config.unet.numResBlocks);
    facts.vaeChannels = static_cast<int>(config.vae.ch);
    facts.vaeMult.assign(config.vae.chMult.begin(), config.vae.chMult.end());

    // Element counts of the tensors the pipeline loads (an overlay replaces by name).
    std::map<std::string, std::uint64_t> counts;
    std::set<std::string> float16; // kept as stored by ReferenceEncoder::load
    for (const std::string& file : files) {
        // Named: tensors() refers into the file, which a temporary would free mid-loop.
        const io::WeightFile weights = io::WeightFile::open(file);
        for (const io::TensorInfo& tensor : weights.tensors()) {
            counts[tensor.name] = numel(tensor);
            if (tensor.dtype == io::DType::F16 && keepsFloat16AsStored(tensor.name))
                float16.insert(tensor.name);
            else
                float16.erase(tensor.name);
        }
    }
    std::uint64_t converted = 0; // UNet and VAE: copied, then converted to the compute dtype
    std::uint64_t largestConverted = 0;
    std::uint64_t unet = 0, vae = 0, kept = 0; // kept: the encoders stay float32
    std::uint64_t keptFloat16 = 0;             // ... but for the ViTs' float16 weights
    for (const auto& [name, count] : counts) {
        if (startsWith(name, nn::kUNetPrefix))
            unet += count;
        else if (startsWith(name, nn::kVaePrefix))
            vae += count;
        else if (startsWith(name, nn::kClipTextPrefix) || startsWith(name, nn::kStyleBlipPrefix) ||
                 startsWith(name, nn::kContentBlipPrefix) ||
                 startsWith(name, nn::kStyleProjPrefix) || startsWith(name, nn::kContentProjPrefix))
            (float16.count(name) ? keptFloat16 : kept) += count;
    }
    converted = (unet + vae) * static_cast<std::uint64_t>(facts.computeBytes);
    largestConverted = std::max(unet, vae);
    facts.weightBytes = kept * 4 + keptFloat16 * 2 + converted;
    // While loading, a network's float32 copy and its converted copy coexist.
    facts.loadPeakBytes = facts.weightBytes + (facts.computeBytes < 4 ? largestConverted * 4 : 0);
    return facts;
}

void addControlNetMemory(ModelMemoryFacts& facts, const std::string& controlNetPath) {
    std::uint64_t count = 0;
    const io::WeightFile weights = io::WeightFile::open(controlNetPath);
    for (const io::TensorInfo& tensor : weights.tensors())
        if (startsWith(tensor.name, "control_model."))
            count += numel(tensor);
    facts.controlNetBytes = count * static_cast<std::uint64_t>(facts.computeBytes);
}

RequestShape requestShape(const GenerationRequest& request) {
    RequestShape shape;
    shape.width = request.width;
    shape.height = request.height;
    shape.batch = request.batch;
    shape.guidance = request.cfg != 1.0;
    shape.controlNet =
        std::any_of(request.controls.begin(), request.controls.end(),
                    [](const control::ControlUnit& unit) { return unit.scale != 0.0; });
    return shape;
}

void checkRequestsFit(const ModelMemoryFacts& facts, const std::vector<GenerationRequest>& requests,
                      bool modelLoaded, const MemoryLimits& limits) {
    std::map<std::string, std::uint64_t> controlNetBytes; // by path, each file read once
    std::optional<std::pair<ModelMemoryFacts, RequestShape>> largest;
    std::uint64_t largestPeak = 0;
    for (const GenerationRequest& request : requests) {
        const RequestShape shape = requestShape(request);
        ModelMemoryFacts used = facts;
        if (shape.controlNet) {
            // Every ControlNet that acts stays loaded for the whole generation.
            std::set<std::string> acting;
            for (const control::ControlUnit& unit : request.controls)
                if (unit.scale != 0.0)
                    acting.insert(unit.model);
            used.controlNetBytes = 0;
            for (const std::string& path : acting) {
                if (controlNetBytes.count(path) == 0) {
                    ModelMemoryFacts one = facts;
                    addControlNetMemory(one, path);
                    controlNetBytes[path] = one.controlNetBytes;
                }
                used.controlNetBytes += controlNetBytes[path];
            }
        }
        const std::uint64_t peak = estimateRequestMemory(used, shape, modelLoaded).peak();
        if (!largest || peak > largestPeak) {
            largest.emplace(used, shape);
            largestPeak = peak;
        }
    }
    if (largest)
        checkRequestFits(largest->first, largest->second, modelLoaded, limits);
}

void checkRequestsFitBeforeLoad(const std::string& modelPath, ComputeDtype dtype,
                                const std::vector<GenerationRequest>& requests, bool widthGiven,
                                bool heightGiven, const MemoryLimits& limits) {
    std::optional<ModelMemoryFacts> facts;
    try {
        facts = modelMemoryFacts(modelPath, dtype);
    } catch (const std::exception&) {
        return;
    }
    ModelFacts sizes;
    sizes.nativeImageSize = facts->nativeImageSize;
    std::vector<GenerationRequest> sized = requests;
    for (GenerationRequest& request : sized)
        applyNativeSize(request, sizes, widthGiven, heightGiven);
    checkRequestsFit(*facts, sized, false, limits);
}

} // namespace deadiff::pipeline
