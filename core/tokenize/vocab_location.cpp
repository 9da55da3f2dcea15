#include "core/tokenize/vocab_location.h"

#include "core/runtime/data_dirs.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace deadiff::tokenize {
namespace fs = std::filesystem;

std::vector<std::string> vocabDirCandidates() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("DEADIFF_VOCAB_DIR"); env && *env)
        candidates.emplace_back(env);
    for (std::string& bundled : bundledDataCandidates("vocab"))
        candidates.push_back(std::move(bundled));
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
