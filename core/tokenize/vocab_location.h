// Where the bundled tokenizer vocabularies (resources/vocab in the source tree) are found.
#pragma once

#include <string>
#include <vector>

namespace deadiff::tokenize {

// The first folder that exists of: $DEADIFF_VOCAB_DIR, <executable
// dir>/../share/deadiff-studio/vocab (installed layout), DEADIFF_SOURCE_DIR/resources/vocab (build
// tree). Throws std::runtime_error listing the places looked at when none exists.
std::string defaultVocabDir();

// The candidates defaultVocabDir() tries, in order (for messages and tests).
std::vector<std::string> vocabDirCandidates();

} // namespace deadiff::tokenize
