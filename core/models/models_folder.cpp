#include "core/models/models_folder.h"

#include "core/pipeline/request.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;

const char* const kWeightExtensions[] = {".safetensors", ".ckpt", ".pth", ".pt", ".bin", ".onnx"};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool isWeightFile(const fs::path& path) {
    const std::string extension = lower(path.extension().string());
    for (const char* known : kWeightExtensions)
        if (extension == known)
            return true;
    return false;
}

bool isModelFolder(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path / "model.json", ec);
}

std::uint64_t folderBytes(const fs::path& folder) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(folder, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code sizeError;
        if (it->is_regular_file(sizeError))
            total += it->file_size(sizeError);
    }
    return total;
}

// Lower is preferred among files of one stem: never unpickle what was converted.
int formatRank(const InstalledModel& model) {
    if (model.modelFolder)
        return 1;
    const std::string extension = lower(fs::path(model.path).extension().string());
    if (extension == ".safetensors")
        return 0;
    if (extension == ".onnx")
        return 2;
    return 3;
}

// The folders of `root` in listing order: the kinds first, then folders the user added.
std::vector<std::string> folderOrder(const fs::path& root) {
    std::vector<std::string> order = modelKinds();
    std::vector<std::string> added;
    std::error_code ec;
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        std::error_code typeError;
        const std::string name = it->path().filename().string();
        if (it->is_directory(typeError) && !isModelKind(name) && name.front() != '.')
            added.push_back(name);
    }
    std::sort(added.begin(), added.end());
    order.insert(order.end(), added.begin(), added.end());
    return order;
}

void listFolder(const fs::path& folder, const std::string& kind, ModelsListing& listing) {
    std::vector<InstalledModel> models;
    std::error_code ec;
    for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const fs::path path = it->path();
        const std::string fileName = path.filename().string();
        std::error_code typeError;
        if (fileName.empty() || fileName.front() == '.')
            continue;
        if (it->is_directory(typeError)) {
            if (isModelFolder(path))
                models.push_back({fileName, kind, path.string(), folderBytes(path), true});
            continue;
        }
        if (!it->is_regular_file(typeError))
            continue;
        const std::uint64_t bytes = it->file_size(typeError);
        const std::string suffix = kPartSuffix;
        if (fileName.size() > suffix.size() &&
            fileName.compare(fileName.size() - suffix.size(), suffix.size(), suffix) == 0) {
            listing.partial.push_back(
                {kind, fileName.substr(0, fileName.size() - suffix.size()), path.string(), bytes});
            continue;
        }
        if (isWeightFile(path))
            models.push_back({path.stem().string(), kind, path.string(), bytes, false});
    }
    std::sort(models.begin(), models.end(), [](const InstalledModel& a, const InstalledModel& b) {
        return a.name != b.name ? a.name < b.name : a.path < b.path;
    });
    listing.models.insert(listing.models.end(), models.begin(), models.end());
}

// The best model of `kind`'s folder named `name` (file name or stem); null when none.
const InstalledModel* bestMatch(const std::vector<InstalledModel>& models, const std::string& kind,
                                const std::string& name) {
    const InstalledModel* best = nullptr;
    for (const InstalledModel& model : models) {
        if (model.kind != kind)
            continue;
        const bool matches = model.name == name || fs::path(model.path).filename().string() == name;
        if (matches && (best == nullptr || formatRank(model) < formatRank(*best)))
            best = &model;
    }
    return best;
}

} // namespace

const char* const kPartSuffix = ".part";

const std::vector<std::string>& modelKinds() {
    static const std::vector<std::string> kinds = {"deadiff", "base",  "vae",  "controlnet",
                                                   "lora",    "taesd", "depth"};
    return kinds;
}

bool isModelKind(const std::string& kind) {
    const auto& kinds = modelKinds();
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string modelsRoot() {
    // The XDG base directory rules: a relative XDG_DATA_HOME is invalid and ignored.
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    if (dataHome != nullptr && dataHome[0] == '/')
        return (fs::path(dataHome) / "deadiff" / "models").string();
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] != '\0')
        return (fs::path(home) / ".local" / "share" / "deadiff" / "models").string();
    return {};
}

ModelsListing listModels(const std::string& root) {
    ModelsListing listing;
    listing.root = root;
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root, ec))
        return listing;
    for (const std::string& folder : folderOrder(root))
        listFolder(fs::path(root) / folder, folder, listing);
    return listing;
}

std::string resolveModel(const std::string& value, const std::string& preferredKind,
                         const std::string& root) {
    std::error_code ec;
    if (value.empty() || fs::exists(value, ec) || root.empty())
        return value;
    const ModelsListing listing = listModels(root);
    // "kind/name": that folder only.
    if (const std::size_t slash = value.find('/'); slash != std::string::npos) {
        if (value.find('/', slash + 1) != std::string::npos)
            return value;
        const InstalledModel* model =
            bestMatch(listing.models, value.substr(0, slash), value.substr(slash + 1));
        return model != nullptr ? model->path : value;
    }
    if (const InstalledModel* model = bestMatch(listing.models, preferredKind, value))
        return model->path;
    std::vector<const InstalledModel*> others;
    std::vector<std::string> seenKinds;
    for (const InstalledModel& candidate : listing.models) {
        if (candidate.kind == preferredKind ||
            std::find(seenKinds.begin(), seenKinds.end(), candidate.kind) != seenKinds.end())
            continue;
        if (const InstalledModel* model = bestMatch(listing.models, candidate.kind, value)) {
            others.push_back(model);
            seenKinds.push_back(candidate.kind);
        }
    }
    if (others.empty())
        return value;
    if (others.size() > 1) {
        std::string where;
        for (const InstalledModel* model : others)
            where += (where.empty() ? "" : ", ") + model->kind + "/" + value;
        throw AmbiguousModelName("the model name '" + value + "' matches " + where + " in " + root +
                                 "; write one of those");
    }
    return others.front()->path;
}

void resolveModelNames(GenerationRequest& request, const std::string& root) {
    request.model = resolveModel(request.model, "deadiff", root);
    request.base = resolveModel(request.base, "base", root);
    request.vae = resolveModel(request.vae, "vae", root);
    for (control::ControlUnit& unit : request.controls) {
        unit.model = resolveModel(unit.model, "controlnet", root);
        unit.preprocessModel = resolveModel(unit.preprocessModel, "depth", root);
    }
}

bool isPickleFile(const std::string& path) {
    const std::string extension = lower(fs::path(path).extension().string());
    return extension == ".ckpt" || extension == ".pth" || extension == ".pt" || extension == ".bin";
}

bool isSafetensorsFile(const std::string& path) {
    return lower(fs::path(path).extension().string()) == ".safetensors";
}

std::string convertedPath(const std::string& path) {
    return fs::path(path).replace_extension(".safetensors").string();
}

} // namespace deadiff::models
