// Both tokenizers on arbitrary bytes as prompts (invalid UTF-8, controls, combining marks,
// huge words): the CLIP BPE tokenizer (ftfy-style cleaning, NFC, the split pattern) and the
// Q-Former's BERT WordPiece tokenizer, with the shipped vocabularies. Nothing may throw: every
// prompt is tokenized.
#include "core/tokenize/bert_tokenizer.h"
#include "core/tokenize/clip_tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

std::optional<deadiff::tokenize::ClipTokenizer> clip;
std::optional<deadiff::tokenize::BertTokenizer> bert;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    clip = deadiff::tokenize::ClipTokenizer::load(DEADIFF_FUZZ_VOCAB_DIR);
    bert = deadiff::tokenize::BertTokenizer::load(DEADIFF_FUZZ_VOCAB_DIR
                                                  "/bert-base-uncased-vocab.txt");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string prompt(reinterpret_cast<const char*>(data), size);
    const deadiff::tokenize::ClipEncoding encoding = clip->encode(prompt);
    if (encoding.ids.size() != deadiff::tokenize::ClipTokenizer::kContextLength ||
        encoding.fullIds.size() < 2)
        std::abort();
    for (const std::int64_t id : encoding.fullIds)
        if (id < 0 || static_cast<std::size_t>(id) >= clip->vocabSize())
            std::abort();
    (void)clip->decode(encoding.fullIds);
    const std::vector<std::int64_t> ids = bert->encode(prompt);
    if (ids.size() < 2)
        std::abort();
    for (const std::int64_t id : ids)
        if (id < 0 || static_cast<std::size_t>(id) >= bert->vocabSize())
            std::abort();
    return 0;
}
