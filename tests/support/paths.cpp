#include "tests/support/paths.h"

#include <cstdlib>
#include <filesystem>

namespace deadiff::test {

std::string sharedDir() {
    if (const char* env = std::getenv("DEADIFF_SHARED_DIR"))
        return env;
    return DEADIFF_SHARED_DIR;
}

std::string oracleRef(const std::string& name) {
    return sharedDir() + "/oracle/ref/" + name;
}

std::string oracleCheckpoint() {
    std::string path;
    if (const char* env = std::getenv("DEADIFF_ORACLE_CKPT"); env != nullptr && *env != '\0') {
        path = env;
    } else if (const char* home = std::getenv("HOME")) {
        path = std::string(home) + "/.cache/deadiff/oracle/deadiff_random_s2024.safetensors";
    }
    std::error_code error;
    return !path.empty() && std::filesystem::is_regular_file(path, error) ? path : std::string();
}

std::string oracleCheckpointRecipe() {
    return "mkdir -p ~/.cache/deadiff/oracle && cd " + sharedDir() +
           "/oracle && /usr/bin/python3 make_weights.py manifest.json 2024 "
           "~/.cache/deadiff/oracle/deadiff_random_s2024.safetensors";
}

} // namespace deadiff::test
