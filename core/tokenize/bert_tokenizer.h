// The Q-Former's text tokenizer: Hugging Face BertTokenizer("bert-base-uncased") (basic
// tokenizer: clean text, space around CJK ideographs, NFC, lower-case, strip accents, split
// punctuation; then greedy longest-match WordPiece with "##" continuations), plus `[DEC]`
// appended as the next id, as LAVIS's Blip2Base.init_tokenizer does. Output:
// `[CLS] ... [SEP]`, no truncation, no padding (DEADiff passes "style" and "content").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::tokenize {

class BertTokenizer {
public:
    static constexpr int kMaxCharsPerWord = 100; // longer words become [UNK]

    // `path` is a vocab .txt (one token per line, id = line number) or a folder holding
    // bert-base-uncased-vocab.txt or vocab.txt. `[DEC]` is appended when the file lacks it.
    // Throws std::runtime_error when nothing is found, io::FormatError naming the file when it
    // is malformed (empty, no [CLS]/[SEP]/[UNK], a repeated token).
    static BertTokenizer load(const std::string& path);

    // [CLS], the WordPiece ids of the text, [SEP].
    std::vector<std::int64_t> encode(const std::string& utf8Text) const;
    // The WordPiece tokens without [CLS]/[SEP], e.g. "un", "##aff", "##able".
    std::vector<std::string> tokenize(const std::string& utf8Text) const;

    std::int64_t idOf(const std::string& token) const; // [UNK]'s id when unknown
    std::size_t vocabSize() const;                     // including [DEC]
    const std::string& source() const;

private:
    struct Impl;
    explicit BertTokenizer(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

} // namespace deadiff::tokenize
