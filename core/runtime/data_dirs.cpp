#include "core/runtime/data_dirs.h"

#include "core/build_config.h"

#include <filesystem>

namespace deadiff {

std::string executableDir() {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

std::vector<std::string> bundledDataCandidates(const std::string& name) {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates;
    if (const std::string exeDir = executableDir(); !exeDir.empty())
        candidates.push_back((fs::path(exeDir) / ".." / "share" / "deadiff-studio" / name)
                                 .lexically_normal()
                                 .string());
    candidates.push_back((fs::path(DEADIFF_SOURCE_DIR) / "resources" / name).string());
    return candidates;
}

} // namespace deadiff
