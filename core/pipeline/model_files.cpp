#include "core/pipeline/model_files.h"

#include "core/io/file_hash.h"
#include "core/models/models_folder.h"
#include "core/pipeline/model_config.h"

#include <filesystem>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;

std::string folderHash(const std::string& configPath) {
    const ModelConfig config = readModelConfig(configPath);
    const fs::path folder = fs::path(configPath).parent_path();
    std::vector<fs::path> files{fs::path(configPath), folder / config.weights};
    for (const std::string& overlay : config.weightOverlays)
        files.push_back(folder / overlay);
    std::string lines;
    for (const fs::path& file : files)
        lines += file.filename().string() + " " +
                 io::FileHashCache::shared().sha256(file.string()) + "\n";
    return io::sha256Hex(lines.data(), lines.size());
}

} // namespace

std::string modelFileHash(const std::string& path) {
    if (path.empty())
        return {};
    try {
        const std::string configPath = modelConfigPath(path);
        return configPath.empty() ? io::FileHashCache::shared().sha256(path)
                                  : folderHash(configPath);
    } catch (const std::exception&) {
        return {};
    }
}

std::string taesdDecoderPath(const std::string& modelPath) {
    std::error_code error;
    const std::string configPath = modelPath.empty() ? std::string() : modelConfigPath(modelPath);
    if (!configPath.empty()) {
        const fs::path own = fs::path(configPath).parent_path() / kTaesdDecoderFile;
        if (fs::is_regular_file(own, error))
            return own.string();
    }
    const std::string root = models::modelsRoot();
    if (!root.empty()) {
        const fs::path shared = fs::path(root) / "taesd" / kTaesdDecoderFile;
        if (fs::is_regular_file(shared, error))
            return shared.string();
    }
    return {};
}

std::string loraFileHash(const std::string& path) {
    if (path.empty())
        return {};
    try {
        return models::isSafetensorsFile(path)
                   ? io::FileHashCache::shared().safetensorsDataSha256(path)
                   : io::FileHashCache::shared().sha256(path);
    } catch (const std::exception&) {
        return {};
    }
}

std::string locateModelFile(const std::string& recordedPath, const std::string& sha256,
                            const std::vector<std::string>& folders, FileHasher hashOf) {
    if (recordedPath.empty())
        return {};
    std::error_code error;
    const auto fits = [&](const fs::path& candidate) {
        if (!fs::exists(candidate, error))
            return false;
        return sha256.empty() || hashOf(candidate.string()) == sha256;
    };
    if (fits(recordedPath))
        return recordedPath;
    fs::path name = fs::path(recordedPath);
    if (!name.has_filename())
        name = name.parent_path();
    for (const std::string& folder : folders) {
        const fs::path candidate = fs::path(folder) / name.filename();
        if (fits(candidate))
            return candidate.string();
    }
    return {};
}

} // namespace deadiff::pipeline
