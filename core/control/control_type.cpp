#include "core/control/control_type.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace deadiff::control {

ControlType controlTypeFromFileName(const std::string& path) {
    std::string stem = std::filesystem::path(path).filename().string();
    // Only the first dot starts the extension list (control_v11p_sd15_canny.fp16.safetensors).
    stem = stem.substr(0, stem.find('.'));
    std::vector<std::string> words;
    std::string word;
    for (const char c : stem) {
        if (c == '_' || c == '-' || c == ' ') {
            if (!word.empty())
                words.push_back(word);
            word.clear();
        } else {
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    if (!word.empty())
        words.push_back(word);
    const auto has = [&](const char* name) {
        return std::find(words.begin(), words.end(), name) != words.end();
    };
    if (has("lineart") && has("anime"))
        return ControlType::LineartAnime;
    // Several kinds travel under older or descriptive names: hed/pidi (soft edges), normalbae.
    const std::pair<const char*, ControlType> names[] = {
        {"lineartanime", ControlType::LineartAnime},
        {"canny", ControlType::Canny},
        {"depth", ControlType::Depth},
        {"normal", ControlType::Normal},
        {"normalbae", ControlType::Normal},
        {"lineart", ControlType::Lineart},
        {"softedge", ControlType::Softedge},
        {"hed", ControlType::Softedge},
        {"pidi", ControlType::Softedge},
        {"scribble", ControlType::Scribble},
        {"seg", ControlType::Seg},
        {"openpose", ControlType::Openpose},
        {"mlsd", ControlType::Mlsd},
        {"tile", ControlType::Tile},
        {"shuffle", ControlType::Shuffle}};
    for (const auto& [name, type] : names)
        if (has(name))
            return type;
    return ControlType::Given;
}

std::optional<Preprocessor> defaultPreprocessor(ControlType type) {
    switch (type) {
    case ControlType::Canny:
        return Preprocessor::Canny;
    case ControlType::Depth:
        return Preprocessor::DepthMap;
    case ControlType::Lineart:
    case ControlType::LineartAnime:
    case ControlType::Softedge:
        return Preprocessor::Lineart;
    case ControlType::Scribble:
        return Preprocessor::Scribble;
    case ControlType::Tile:
        return Preprocessor::Tile;
    case ControlType::Shuffle:
        return Preprocessor::Shuffle;
    case ControlType::Given:
    case ControlType::Normal:
    case ControlType::Seg:
    case ControlType::Openpose:
    case ControlType::Mlsd:
        break;
    }
    return std::nullopt;
}

PreprocessorSettings preprocessorSettings(Preprocessor preprocessor) {
    switch (preprocessor) {
    case Preprocessor::Canny:
        return {100.0, 200.0, "low threshold", "high threshold"};
    case Preprocessor::Scribble:
        return {127.0, std::nullopt, "threshold", nullptr};
    case Preprocessor::Lineart:
        return {1.5, std::nullopt, "line width (blur sigma, px)", nullptr};
    case Preprocessor::Tile:
        return {4.0, std::nullopt, "down-sampling factor", nullptr};
    case Preprocessor::Shuffle:
        return {0.0, std::nullopt, "seed", nullptr};
    case Preprocessor::None:
    case Preprocessor::DepthMap:
    case Preprocessor::DepthMidas:
        break;
    }
    return {};
}

} // namespace deadiff::control
