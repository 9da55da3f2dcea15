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

namespace {

std::string existingFile(const char* variable, const std::string& defaultName) {
    std::string path;
    if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') {
        path = env;
    } else if (const char* home = std::getenv("HOME")) {
        path = std::string(home) + "/.cache/deadiff/oracle/" + defaultName;
    }
    std::error_code error;
    return !path.empty() && std::filesystem::is_regular_file(path, error) ? path : std::string();
}

} // namespace

std::string oracleCheckpoint() {
    return existingFile("DEADIFF_ORACLE_CKPT", "deadiff_random_s2024.safetensors");
}

std::string oracleControlNetCheckpoint() {
    return existingFile("DEADIFF_ORACLE_CONTROL_CKPT", "control_random_s2024.safetensors");
}

std::string oracleBaseCheckpoint() {
    return existingFile("DEADIFF_ORACLE_BASE_CKPT", "sd15_base_random_s7.safetensors");
}

std::string oracleCheckpointRecipe() {
    return "mkdir -p ~/.cache/deadiff/oracle && cd " + sharedDir() +
           "/oracle && /usr/bin/python3 make_weights.py manifest.json 2024 "
           "~/.cache/deadiff/oracle/deadiff_random_s2024.safetensors";
}

} // namespace deadiff::test
