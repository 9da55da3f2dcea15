// The CLIP byte-level BPE tokenizer exactly as SD 1.5's FrozenCLIPEmbedder uses it (Hugging Face
// slow CLIPTokenizer, openai/clip-vit-large-patch14, ftfy installed): ftfy text fixing,
// whitespace collapse, lower-casing, the CLIP split pattern, byte-to-unicode mapping, BPE with
// "</w>" on each word's last symbol, then `<|startoftext|>` + at most 75 tokens +
// `<|endoftext|>`, padded to 77 with `<|endoftext|>`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::tokenize {

struct ClipEncoding {
    // Always kContextLength ids: start, at most 75 tokens, end, then end-of-text padding.
    std::vector<std::int64_t> ids;
    // Start, every token of the prompt, end: no truncation and no padding.
    std::vector<std::int64_t> fullIds;
    // The prompt has more than 75 tokens, so the model ignores its tail (fullIds[76..]).
    bool truncated = false;
};

// openai/CLIP bytes_to_unicode(): (byte, the code point standing for it in the vocabulary), in
// the dict's order, which is the order of CLIP's first 256 vocabulary entries.
std::vector<std::pair<int, char32_t>> clipBytesToUnicode();

class ClipTokenizer {
public:
    static constexpr int kContextLength = 77;
    static constexpr int kMaxPromptTokens = kContextLength - 2;
    // The number of merges every CLIP tokenizer uses (49152 - 256 - 2): the vocabulary is 256
    // bytes, the same with "</w>", one token per merge and the two special tokens = 49408.
    static constexpr int kMergeCount = 48894;

    // `path` is a folder holding bpe_simple_vocab_16e6.txt.gz, or vocab.json + merges.txt
    // (also in a tokenizer/ subfolder, as diffusers lays a model out, or named clip_vocab.json +
    // clip_merges.txt), or the path of the .gz or of the vocab .json itself.
    // Throws std::runtime_error naming what was looked for when nothing is found, and
    // io::FormatError naming the file when a file is malformed.
    static ClipTokenizer load(const std::string& path);
    // OpenAI's bpe_simple_vocab_16e6.txt.gz; the vocabulary is derived from the merges as
    // openai/CLIP's SimpleTokenizer does.
    static ClipTokenizer fromBpeArchive(const std::string& gzPath);
    // Hugging Face's vocab.json (token -> id) and merges.txt ("#version" line, then merges).
    static ClipTokenizer fromVocabAndMerges(const std::string& vocabJsonPath,
                                            const std::string& mergesPath);

    ClipEncoding encode(const std::string& utf8Prompt) const;
    // The BPE tokens of a prompt without start/end, e.g. "a</w>", "curly</w>".
    std::vector<std::string> tokenize(const std::string& utf8Prompt) const;
    // Token ids back to text ("</w>" becomes a space), for showing what was cut off.
    std::string decode(const std::vector<std::int64_t>& ids) const;

    std::int64_t startOfTextId() const;
    std::int64_t endOfTextId() const;
    std::size_t vocabSize() const;
    // The file(s) the vocabulary came from, for messages.
    const std::string& source() const;

private:
    struct Impl;
    explicit ClipTokenizer(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

} // namespace deadiff::tokenize
