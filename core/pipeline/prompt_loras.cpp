#include "core/pipeline/prompt_loras.h"

#include "core/models/models_folder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace deadiff::pipeline {
namespace {

constexpr const char* kOpen = "<lora:";

struct Tag {
    std::size_t begin = 0, end = 0; // [begin, end) of "<lora:…>"
    std::string body;               // between "<lora:" and ">"
};

std::vector<Tag> tagsOf(const std::string& prompt) {
    std::vector<Tag> tags;
    std::size_t at = 0;
    while ((at = prompt.find(kOpen, at)) != std::string::npos) {
        const std::size_t close = prompt.find('>', at);
        if (close == std::string::npos)
            break; // an unclosed tag is text
        tags.push_back({at, close + 1, prompt.substr(at + 6, close - at - 6)});
        at = close + 1;
    }
    return tags;
}

std::string trimmed(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

} // namespace

std::vector<PromptLora> findPromptLoras(const std::string& prompt) {
    std::vector<PromptLora> loras;
    for (const Tag& tag : tagsOf(prompt)) {
        PromptLora lora;
        // NAME[:WEIGHT]: the weight is what follows the last colon when it is a number, so a
        // name may hold colons only when a weight follows.
        const std::size_t colon = tag.body.rfind(':');
        lora.name = trimmed(colon == std::string::npos ? tag.body : tag.body.substr(0, colon));
        if (colon != std::string::npos) {
            const std::string weight = trimmed(tag.body.substr(colon + 1));
            char* end = nullptr;
            lora.weight = std::strtod(weight.c_str(), &end);
            if (weight.empty() || end != weight.c_str() + weight.size())
                throw RequestError("prompt", "<lora:" + tag.body + ">: the weight '" + weight +
                                                 "' is not a number (write <lora:NAME:0.8>)");
            if (!(std::abs(lora.weight) <= kMaxLoraWeight))
                throw RequestError("prompt",
                                   "<lora:" + tag.body + ">: the weight must lie in [-" +
                                       std::to_string(static_cast<int>(kMaxLoraWeight)) + ", " +
                                       std::to_string(static_cast<int>(kMaxLoraWeight)) + "]");
        }
        if (lora.name.empty())
            throw RequestError("prompt", "<lora:" + tag.body + "> names no LoRA");
        loras.push_back(lora);
    }
    return loras;
}

std::string withoutPromptLoras(const std::string& prompt) {
    std::string text;
    std::size_t from = 0;
    for (const Tag& tag : tagsOf(prompt)) {
        text += prompt.substr(from, tag.begin - from);
        from = tag.end;
    }
    return text + prompt.substr(from);
}

void addPromptLoras(GenerationRequest& request, const std::string& modelsRoot) {
    namespace fs = std::filesystem;
    for (const PromptLora& lora : findPromptLoras(request.prompt)) {
        std::string path = models::resolveModel(lora.name, "lora", modelsRoot);
        std::error_code error;
        // Else a LoRA made for the model, in its folder's lora/ (the demo model's LCM-LoRA).
        if (!fs::is_regular_file(path, error) && !request.model.empty() &&
            fs::is_directory(request.model, error))
            for (const std::string& file : {lora.name + ".safetensors", lora.name}) {
                const fs::path own = fs::path(request.model) / "lora" / file;
                if (fs::path(file).filename() == file && fs::is_regular_file(own, error)) {
                    path = own.string();
                    break;
                }
            }
        if (!fs::is_regular_file(path, error))
            throw RequestError("prompt", "<lora:" + lora.name + "> is neither a LoRA in " +
                                             (modelsRoot.empty() ? std::string("the models folder")
                                                                 : modelsRoot + "/lora") +
                                             " nor a file");
        const bool listed =
            std::any_of(request.loras.begin(), request.loras.end(), [&](const LoraChoice& known) {
                return fs::weakly_canonical(known.path, error) == fs::weakly_canonical(path, error);
            });
        if (!listed)
            request.loras.push_back({path, lora.weight, {}});
    }
}

} // namespace deadiff::pipeline
