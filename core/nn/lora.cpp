#include "core/nn/lora.h"

#include "core/io/format_error.h"
#include "core/io/weight_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

namespace deadiff::nn {
namespace {

enum class Part { Down, Up, Mid, Alpha };

struct KeyParts {
    std::string module;
    Part part;
};

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Key names come from the file: shorten them and show control bytes as \xNN in messages.
std::string printableKey(const std::string& key) {
    std::string out = "'";
    for (const char c : key.substr(0, 160)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        } else {
            out += c;
        }
    }
    return out + (key.size() > 160 ? "...'" : "'");
}

std::string shapeText(c10::IntArrayRef sizes) {
    std::ostringstream text;
    text << sizes;
    return text.str();
}

// The diffusers attention-processor spelling `…attn1.processor.to_q_lora.down.weight` names
// `…attn1.to_q` in the UNet and `…self_attn.q_proj` in the text encoder.
std::string attentionProcessorModule(std::string module) {
    const bool text = startsWith(module, "text_encoder.");
    static const std::pair<const char*, const char*> unet[] = {{"to_out", "to_out.0"}};
    static const std::pair<const char*, const char*> clip[] = {
        {"self_attn.to_q", "self_attn.q_proj"},
        {"self_attn.to_k", "self_attn.k_proj"},
        {"self_attn.to_v", "self_attn.v_proj"},
        {"self_attn.to_out", "self_attn.out_proj"}};
    if (text) {
        for (const auto& [from, to] : clip)
            if (endsWith(module, from))
                return module.substr(0, module.size() - std::string(from).size()) + to;
        return module;
    }
    for (const auto& [from, to] : unet)
        if (endsWith(module, from))
            return module.substr(0, module.size() - std::string(from).size()) + to;
    return module;
}

std::string withoutProcessor(std::string module) {
    for (std::size_t at; (at = module.find(".processor.")) != std::string::npos;)
        module.erase(at, std::string(".processor").size());
    return module;
}

// Splits a LoRA key into its module name (any spelling of lora_names.h) and part; nullopt for
// a key that is no LoRA/LoCon part.
std::optional<KeyParts> splitKey(const std::string& key) {
    static const std::pair<const char*, Part> suffixes[] = {
        {".lora_down.weight", Part::Down},
        {".lora_up.weight", Part::Up},
        {".lora_mid.weight", Part::Mid},
        {".alpha", Part::Alpha},
        {".lora_A.weight", Part::Down},
        {".lora_B.weight", Part::Up},
        {".lora.down.weight", Part::Down},
        {".lora.up.weight", Part::Up},
        {".lora_linear_layer.down.weight", Part::Down},
        {".lora_linear_layer.up.weight", Part::Up},
    };
    std::optional<KeyParts> parts;
    for (const auto& [suffix, part] : suffixes)
        if (endsWith(key, suffix)) {
            parts = KeyParts{key.substr(0, key.size() - std::string(suffix).size()), part};
            break;
        }
    bool processor = false;
    if (!parts) {
        for (const auto& [suffix, part] :
             {std::pair<const char*, Part>{"_lora.down.weight", Part::Down},
              std::pair<const char*, Part>{"_lora.up.weight", Part::Up}})
            if (endsWith(key, suffix)) {
                parts = KeyParts{key.substr(0, key.size() - std::string(suffix).size()), part};
                processor = true;
                break;
            }
    }
    if (!parts)
        return std::nullopt;
    std::string& module = parts->module;
    const std::string peftRoot = "base_model.model.";
    if (startsWith(module, peftRoot)) {
        module = module.substr(peftRoot.size());
        module = (startsWith(module, "text_model.") ? "text_encoder." : "unet.") + module;
    }
    module = withoutProcessor(module);
    if (processor)
        module = attentionProcessorModule(module);
    return parts;
}

// Keys of LoRA-like methods whose weights are not a plain up·down product.
bool unsupportedMethod(const std::string& key) {
    static const char* parts[] = {"hada_w",       "hada_t",      "lokr_w",
                                  "lokr_t",       "oft_blocks",  "lora_magnitude_vector",
                                  ".lora_A.bias", ".lora_B.bias"};
    static const char* suffixes[] = {".dora_scale", ".diff", ".diff_b", ".on_input"};
    for (const char* part : parts)
        if (contains(key, part))
            return true;
    for (const char* suffix : suffixes)
        if (endsWith(key, suffix))
            return true;
    return false;
}

bool sdxlKey(const std::string& key) {
    static const char* prefixes[] = {"lora_te1_",           "lora_te2_",          "text_encoder_2.",
                                     "lora_unet_label_emb", "unet.add_embedding", "conditioner."};
    for (const char* prefix : prefixes)
        if (startsWith(key, prefix))
            return true;
    return false;
}

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
    throw io::FormatError(path + ": " + what);
}

struct Group {
    torch::Tensor down, up, mid, alpha;
    std::vector<std::string> keys;
};

bool isFloat(const torch::Tensor& tensor) {
    return torch::isFloatingType(tensor.scalar_type());
}

// The shapes a module's factors must have for `target`, or a description of the misfit.
std::string misfit(const LoraTarget& target, const Group& group) {
    const std::vector<std::int64_t>& w = target.shape;
    const torch::Tensor& down = group.down;
    const torch::Tensor& up = group.up;
    const bool conv = w.size() == 4;
    const auto oneByOne = [](const torch::Tensor& t) {
        return t.dim() == 2 || (t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1);
    };
    if ((down.dim() != 2 && down.dim() != 4) || (up.dim() != 2 && up.dim() != 4) || !oneByOne(up))
        return "down and up must be matrices or 1x1 kernels (up)";
    if (down.size(0) < 1 || up.size(0) != w[0] || down.size(1) != w[1])
        return "down/up do not fit the weight";
    if (group.mid.defined()) {
        const torch::Tensor& mid = group.mid;
        if (!conv || mid.dim() != 4 || !oneByOne(down) || mid.size(0) != up.size(1) ||
            mid.size(1) != down.size(0) || mid.size(2) != w[2] || mid.size(3) != w[3])
            return "mid does not fit the weight";
        return {};
    }
    if (up.size(1) != down.size(0))
        return "up's rank differs from down's";
    if (!conv)
        return oneByOne(down) ? std::string() : "a kernel on down for a Linear weight";
    if (down.dim() == 2)
        return w[2] == 1 && w[3] == 1 ? std::string() : "down lacks the kernel";
    return down.size(2) == w[2] && down.size(3) == w[3] ? std::string()
                                                        : "down's kernel differs from the weight's";
}

bool looksLikeSdxlShapes(const LoraTarget& target, const Group& group) {
    // SDXL's cross-attention reads 2048-wide contexts (SD 1.5: 768).
    return (endsWith(target.weightKey, "attn2.to_k.weight") ||
            endsWith(target.weightKey, "attn2.to_v.weight")) &&
           group.down.dim() >= 2 && group.down.size(1) == 2048;
}

} // namespace

bool LoraFile::touchesUNet() const {
    for (const LoraModule& module : modules)
        if (!module.target.textEncoder)
            return true;
    return false;
}

bool LoraFile::touchesTextEncoder() const {
    for (const LoraModule& module : modules)
        if (module.target.textEncoder)
            return true;
    return false;
}

LoraFile readLoraFile(const std::string& path, const LoraTargetNames& names) {
    const io::WeightFile file = io::WeightFile::open(path);
    if (file.tensors().empty())
        refuse(path, "holds no tensors, so it is no LoRA");

    LoraFile result;
    result.path = path;
    std::map<std::string, Group> groups;
    for (const io::TensorInfo& info : file.tensors()) {
        const std::string& key = info.name;
        if (sdxlKey(key))
            refuse(path, "is a LoRA for SDXL (key " + printableKey(key) +
                             "); DEADiff runs on Stable Diffusion 1.5 and cannot use it");
        if (unsupportedMethod(key))
            refuse(path, "uses a LoRA variant that is not supported (key " + printableKey(key) +
                             "); supported: LoRA and LoCon (down/up, optional mid and alpha)");
        const std::optional<KeyParts> parts = splitKey(key);
        if (!parts) {
            result.unmatchedKeys.push_back(key);
            continue;
        }
        const torch::Tensor tensor = file.tensor(key);
        if (!isFloat(tensor))
            refuse(path, "tensor " + printableKey(key) + " is not floating point");
        Group& group = groups[parts->module];
        group.keys.push_back(key);
        torch::Tensor* slot = nullptr;
        switch (parts->part) {
        case Part::Down:
            slot = &group.down;
            break;
        case Part::Up:
            slot = &group.up;
            break;
        case Part::Mid:
            slot = &group.mid;
            break;
        case Part::Alpha:
            slot = &group.alpha;
            break;
        }
        if (slot->defined())
            refuse(path, "names the same part of module " + printableKey(parts->module) +
                             " twice (key " + printableKey(key) + ")");
        *slot = tensor;
    }

    for (const auto& [module, group] : groups) {
        const LoraTarget* target = names.find(module);
        if (target == nullptr) {
            result.unmatchedKeys.insert(result.unmatchedKeys.end(), group.keys.begin(),
                                        group.keys.end());
            continue;
        }
        if (!group.down.defined() || !group.up.defined())
            refuse(path, "module " + printableKey(module) + " has " +
                             (group.down.defined() ? "a down but no up" : "no down") + " weight");
        if (looksLikeSdxlShapes(*target, group))
            refuse(path, "is a LoRA for SDXL (module " + printableKey(module) +
                             " reads 2048-wide text); DEADiff runs on Stable Diffusion 1.5");
        const std::string problem = misfit(*target, group);
        if (!problem.empty()) {
            std::string shapes =
                "down " + shapeText(group.down.sizes()) + ", up " + shapeText(group.up.sizes());
            if (group.mid.defined())
                shapes += ", mid " + shapeText(group.mid.sizes());
            refuse(path, "module " + printableKey(module) + " does not fit " + target->weightKey +
                             " " + shapeText(target->shape) + ": " + problem + " (" + shapes +
                             "); is it a LoRA for another base model?");
        }
        LoraModule entry;
        entry.target = *target;
        entry.down = group.down;
        entry.up = group.up;
        entry.mid = group.mid;
        entry.alpha = static_cast<double>(entry.rank());
        if (group.alpha.defined()) {
            if (group.alpha.numel() != 1)
                refuse(path, "alpha of module " + printableKey(module) + " is not one number");
            const double alpha = group.alpha.to(torch::kDouble).item<double>();
            if (!std::isfinite(alpha))
                refuse(path, "alpha of module " + printableKey(module) + " is not finite");
            // kohya: an alpha of 0 means "no scaling", i.e. alpha = rank.
            if (alpha != 0.0)
                entry.alpha = alpha;
        }
        result.modules.push_back(std::move(entry));
    }
    if (result.modules.empty())
        refuse(path, "no key names a module of this model (" +
                         std::to_string(result.unmatchedKeys.size()) +
                         " keys; first: " + printableKey(result.unmatchedKeys.front()) +
                         "); is it a LoRA for Stable Diffusion 1.5?");
    std::sort(result.modules.begin(), result.modules.end(),
              [](const LoraModule& a, const LoraModule& b) {
                  return a.target.weightKey < b.target.weightKey;
              });
    return result;
}

torch::Tensor loraDelta(const LoraModule& module, double multiplier) {
    const torch::Tensor up = module.up.to(torch::kFloat);
    const torch::Tensor down = module.down.to(torch::kFloat);
    const std::int64_t out = up.size(0);
    const torch::Tensor up2 = up.reshape({out, -1});
    const torch::Tensor down2 = down.reshape({down.size(0), -1});
    torch::Tensor product;
    if (module.mid.defined())
        product = torch::einsum("nmkl,in,mj->ijkl", {module.mid.to(torch::kFloat), up2, down2});
    else
        product = torch::matmul(up2, down2);
    const double scale = module.alpha / static_cast<double>(module.rank());
    return product.reshape(module.target.shape) * (multiplier * scale);
}

std::string describeLora(const LoraFile& file) {
    std::ostringstream text;
    text << std::filesystem::path(file.path).stem().string() << ": " << file.modules.size()
         << " modules (";
    if (file.touchesUNet())
        text << "UNet" << (file.touchesTextEncoder() ? ", " : "");
    if (file.touchesTextEncoder())
        text << "text encoder";
    text << ")";
    if (!file.unmatchedKeys.empty())
        text << ", " << file.unmatchedKeys.size()
             << " keys matched nothing (first: " << printableKey(file.unmatchedKeys.front()) << ")";
    return text.str();
}

LoraMerger::LoraMerger(std::map<std::string, torch::Tensor> parameters)
    : parameters_(std::move(parameters)) {}

void LoraMerger::apply(const std::vector<WeightedLora>& loras) {
    torch::NoGradGuard noGrad;
    std::map<std::string, torch::Tensor> deltas;
    for (const WeightedLora& lora : loras) {
        if (!lora.file || lora.weight == 0.0)
            continue;
        for (const LoraModule& module : lora.file->modules) {
            const std::string& key = module.target.weightKey;
            if (parameters_.count(key) == 0)
                throw std::runtime_error("LoRA " + lora.file->path + " changes " + key +
                                         ", which the model being merged into does not have");
            const torch::Tensor delta = loraDelta(module, lora.weight);
            auto [it, inserted] = deltas.emplace(key, delta);
            if (!inserted)
                it->second = it->second + delta;
        }
    }
    // Back to the base first; the kept originals are the only source of base weights.
    for (const auto& [key, original] : originals_)
        if (deltas.count(key) == 0)
            parameters_.at(key).set_data(original);
    std::map<std::string, torch::Tensor> originals;
    for (const auto& [key, delta] : deltas) {
        torch::Tensor& parameter = parameters_.at(key);
        const auto kept = originals_.find(key);
        const torch::Tensor base = kept != originals_.end() ? kept->second : parameter.detach();
        if (base.sizes() != delta.sizes())
            throw std::runtime_error("LoRA change of " + key + " has shape " +
                                     shapeText(delta.sizes()) + ", the weight " +
                                     shapeText(base.sizes()));
        parameter.set_data((base.to(torch::kFloat) + delta).to(base.scalar_type()));
        originals.emplace(key, base);
    }
    originals_ = std::move(originals);
}

std::map<std::string, torch::Tensor> parametersByKey(torch::nn::Module& module,
                                                     const std::string& prefix) {
    std::map<std::string, torch::Tensor> parameters;
    for (auto& item : module.named_parameters(/*recurse=*/true))
        parameters.emplace(prefix + item.key(), item.value());
    return parameters;
}

} // namespace deadiff::nn
