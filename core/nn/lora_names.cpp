#include "core/nn/lora_names.h"

#include "core/nn/clip_text.h"
#include "core/nn/unet.h"

#include <algorithm>
#include <stdexcept>

namespace deadiff::nn {
namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

std::string underscored(std::string name) {
    std::replace(name.begin(), name.end(), '.', '_');
    return name;
}

// ResBlock inner names -> diffusers ResnetBlock2D names (diffusers renew_resnet_paths).
std::string resnetInner(const std::string& inner) {
    static const std::pair<const char*, const char*> renames[] = {
        {"in_layers.2", "conv1"},
        {"out_layers.3", "conv2"},
        {"emb_layers.1", "time_emb_proj"},
        {"skip_connection", "conv_shortcut"},
    };
    for (const auto& [ours, theirs] : renames)
        if (inner == ours)
            return theirs;
    return inner;
}

// One layer of a UNet block: our path prefix and the diffusers prefix it maps to.
struct LayerPrefix {
    std::string ours;
    std::string theirs;
    UNetBlockImpl::Kind kind;
};

std::vector<LayerPrefix> unetLayerPrefixes(const UNetModelImpl& unet) {
    const std::int64_t perLevel = unet.config().numResBlocks + 1;
    std::vector<LayerPrefix> prefixes;
    const auto addBlock = [&](const UNetBlockImpl& block, const std::string& ours,
                              const std::string& level, std::int64_t index) {
        for (std::size_t i = 0; i < block.layers.size(); ++i) {
            const UNetBlockImpl::Kind kind = block.layers[i].kind;
            std::string theirs;
            switch (kind) {
            case UNetBlockImpl::Kind::Res:
                theirs = level + ".resnets." + std::to_string(index);
                break;
            case UNetBlockImpl::Kind::Transformer:
                theirs = level + ".attentions." + std::to_string(index);
                break;
            case UNetBlockImpl::Kind::Down:
                theirs = level + ".downsamplers.0";
                break;
            case UNetBlockImpl::Kind::Up:
                theirs = level + ".upsamplers.0";
                break;
            case UNetBlockImpl::Kind::Conv:
                theirs = "conv_in";
                break;
            }
            prefixes.push_back({ours + "." + std::to_string(i), theirs, kind});
        }
    };
    for (std::size_t k = 0; k < unet.input_blocks->size(); ++k) {
        const auto& block = *unet.input_blocks->ptr(k)->as<UNetBlockImpl>();
        const auto position = static_cast<std::int64_t>(k) - 1; // block 0 is conv_in
        addBlock(block, "input_blocks." + std::to_string(k),
                 "down_blocks." + std::to_string(k == 0 ? 0 : position / perLevel),
                 k == 0 ? 0 : position % perLevel);
    }
    const UNetBlockImpl& middle = *unet.middle_block;
    for (std::size_t i = 0; i < middle.layers.size(); ++i) {
        const bool attention = middle.layers[i].kind == UNetBlockImpl::Kind::Transformer;
        prefixes.push_back({"middle_block." + std::to_string(i),
                            attention ? "mid_block.attentions.0"
                                      : "mid_block.resnets." + std::to_string(i == 0 ? 0 : 1),
                            middle.layers[i].kind});
    }
    for (std::size_t k = 0; k < unet.output_blocks->size(); ++k) {
        const auto& block = *unet.output_blocks->ptr(k)->as<UNetBlockImpl>();
        const auto position = static_cast<std::int64_t>(k);
        addBlock(block, "output_blocks." + std::to_string(k),
                 "up_blocks." + std::to_string(position / perLevel), position % perLevel);
    }
    prefixes.push_back({"time_embed.0", "time_embedding.linear_1", UNetBlockImpl::Kind::Conv});
    prefixes.push_back({"time_embed.2", "time_embedding.linear_2", UNetBlockImpl::Kind::Conv});
    prefixes.push_back({"out.2", "conv_out", UNetBlockImpl::Kind::Conv});
    return prefixes;
}

std::string diffusersPathOf(const std::string& ours, const std::vector<LayerPrefix>& prefixes) {
    for (const LayerPrefix& prefix : prefixes) {
        if (ours == prefix.ours)
            return prefix.theirs;
        if (!startsWith(ours, prefix.ours + "."))
            continue;
        const std::string inner = ours.substr(prefix.ours.size() + 1);
        switch (prefix.kind) {
        case UNetBlockImpl::Kind::Res:
            return prefix.theirs + "." + resnetInner(inner);
        case UNetBlockImpl::Kind::Down:
            return prefix.theirs + (inner == "op" ? ".conv" : "." + inner);
        default:
            return prefix.theirs + "." + inner;
        }
    }
    return {};
}

// (path, weight) of every Linear and Conv2d under `module`.
std::vector<std::pair<std::string, torch::Tensor>>
linearAndConvWeights(const torch::nn::Module& module) {
    std::vector<std::pair<std::string, torch::Tensor>> weights;
    for (const auto& item : module.named_modules("", /*include_self=*/false)) {
        const torch::nn::Module& child = *item.value();
        if (const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(&child))
            weights.emplace_back(item.key(), linear->weight);
        else if (const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(&child))
            weights.emplace_back(item.key(), conv->weight);
    }
    return weights;
}

} // namespace

LoraTargetNames::LoraTargetNames(const UNetModelImpl& unet, const ClipTextModelImpl* text) {
    const std::vector<LayerPrefix> prefixes = unetLayerPrefixes(unet);
    const auto add = [&](LoraTarget target, const std::vector<std::string>& spellings) {
        const std::size_t index = targets_.size();
        targets_.push_back(std::move(target));
        for (const std::string& spelling : spellings)
            if (!byName_.emplace(spelling, index).second)
                throw std::logic_error("two LoRA targets spelled '" + spelling + "'");
    };
    for (const auto& [path, weight] : linearAndConvWeights(unet)) {
        const std::string diffusers = diffusersPathOf(path, prefixes);
        if (diffusers.empty())
            throw std::logic_error("no diffusers name for UNet module '" + path + "'");
        diffusersPaths_.emplace(path, diffusers);
        LoraTarget target{kUNetPrefix + path + ".weight", weight.sizes().vec(), false,
                          "lora_unet_" + underscored(diffusers)};
        add(target, {target.kohyaName, "unet." + diffusers, "lora_unet_" + underscored(path)});
    }
    if (text != nullptr) {
        for (const auto& [path, weight] : linearAndConvWeights(*text)) {
            // Our CLIP paths are Hugging Face's CLIPTextModel paths below `text_model.`.
            const std::string hf = "text_model." + path;
            LoraTarget target{kClipTextPrefix + path + ".weight", weight.sizes().vec(), true,
                              "lora_te_" + underscored(hf)};
            add(target, {target.kohyaName, "text_encoder." + hf});
        }
    }
}

const LoraTarget* LoraTargetNames::find(const std::string& moduleName) const {
    const auto it = byName_.find(moduleName);
    return it == byName_.end() ? nullptr : &targets_[it->second];
}

std::string LoraTargetNames::diffusersUNetPath(const std::string& ourPath) const {
    const auto it = diffusersPaths_.find(ourPath);
    return it == diffusersPaths_.end() ? std::string() : it->second;
}

} // namespace deadiff::nn
