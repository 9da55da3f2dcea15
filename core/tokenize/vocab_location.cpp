#include "core/tokenize/vocab_location.h"

#include "core/build_config.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace deadiff::tokenize {
namespace {

namespace fs = std::filesystem;

fs::path executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

} // namespace

std::vector<std::string> vocabDirCandidates() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("DEADIFF_VOCAB_DIR"); env && *env)
        candidates.emplace_back(env);
    if (const fs::path exeDir = executableDir(); !exeDir.empty())
        candidates.push_back(
            (exeDir / ".." / "share" / "deadiff-studio" / "vocab").lexically_normal().string());
    candidates.emplace_back(DEADIFF_SOURCE_DIR "/resources/vocab");
    return candidates;
}

std::string defaultVocabDir() {
    const std::vector<std::string> candidates = vocabDirCandidates();
    std::string looked;
    for (const std::string& candidate : candidates) {
        std::error_code ec;
        if (fs::is_directory(candidate, ec))
            return candidate;
        looked += (looked.empty() ? "" : ", ") + candidate;
    }
    throw std::runtime_error("tokenizer vocabulary folder not found (looked in: " + looked +
                             "); set DEADIFF_VOCAB_DIR to a folder holding "
                             "bpe_simple_vocab_16e6.txt.gz and bert-base-uncased-vocab.txt");
}

} // namespace deadiff::tokenize
