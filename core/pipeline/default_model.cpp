#include "core/pipeline/default_model.h"

#include "core/build_config.h"
#include "core/pipeline/model_config.h"

#include <cstdlib>
#include <filesystem>

namespace deadiff::pipeline {

std::vector<std::string> bundledModelCandidates() {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates;
    const char* env = std::getenv("DEADIFF_DEMO_MODEL");
    if (env && std::string(env) == "none")
        return candidates; // the bundled model switched off
    if (env && *env)
        candidates.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        candidates.push_back((exe.parent_path() / ".." / "share" / "deadiff-studio" / "demo-model")
                                 .lexically_normal()
                                 .string());
    candidates.emplace_back(DEADIFF_SOURCE_DIR "/resources/demo-model");
    return candidates;
}

std::string bundledModelFile(const std::string& fileName) {
    namespace fs = std::filesystem;
    for (const std::string& candidate : bundledModelCandidates()) {
        std::error_code ec;
        const fs::path file = fs::path(candidate) / fileName;
        if (fs::is_regular_file(file, ec))
            return file.string();
    }
    return {};
}

std::string bundledModelDir() {
    const std::string json = bundledModelFile("model.json");
    return json.empty() ? std::string() : std::filesystem::path(json).parent_path().string();
}

} // namespace deadiff::pipeline
