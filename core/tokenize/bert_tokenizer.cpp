#include "core/tokenize/bert_tokenizer.h"

#include "core/io/format_error.h"
#include "core/tokenize/unicode_text.h"
#include "core/tokenize/vocab_files.h"

#include <filesystem>
#include <stdexcept>
#include <unordered_map>

namespace deadiff::tokenize {
namespace {

namespace fs = std::filesystem;

// BertTokenizer's special tokens plus the [DEC] bos token LAVIS adds; Hugging Face never splits
// them and never lower-cases them.
const std::u32string kSpecialTokens[] = {U"[UNK]", U"[SEP]",  U"[PAD]",
                                         U"[CLS]", U"[MASK]", U"[DEC]"};

bool isBertWhitespace(char32_t c) {
    return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || unicode::isSpaceSeparator(c);
}

bool isBertControl(char32_t c) {
    if (c == U'\t' || c == U'\n' || c == U'\r')
        return false;
    return unicode::isControlOrFormat(c);
}

bool isBertPunctuation(char32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return true;
    return unicode::isPunctuationCategory(c);
}

bool isCjkIdeograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Python's str.split(): runs of non-whitespace.
std::vector<std::u32string> splitOnPythonSpace(const std::u32string& text) {
    std::vector<std::u32string> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && unicode::isPythonSpace(text[i]))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && !unicode::isPythonSpace(text[i]))
            ++i;
        if (i > start)
            words.push_back(text.substr(start, i - start));
    }
    return words;
}

// Hugging Face's tokenize() lower-cases non-special text with the pattern `(special)|(.+?)`, one
// character at a time, so context-dependent mappings (final sigma) never apply.
std::u32string lowerEachCharacter(const std::u32string& word) {
    std::u32string out;
    for (const char32_t c : word)
        out += unicode::toLower(std::u32string(1, c));
    return out;
}

// BasicTokenizer.tokenize for text that holds no special token.
std::vector<std::u32string> basicTokenize(const std::u32string& input) {
    std::u32string cleaned;
    for (const char32_t c : input) {
        if (c == 0 || c == 0xFFFD || isBertControl(c))
            continue;
        if (isBertWhitespace(c)) {
            cleaned.push_back(U' ');
        } else if (isCjkIdeograph(c)) {
            cleaned.push_back(U' ');
            cleaned.push_back(c);
            cleaned.push_back(U' ');
        } else {
            cleaned.push_back(c);
        }
    }
    std::vector<std::u32string> pieces;
    for (const std::u32string& word : splitOnPythonSpace(unicode::normalizeNfc(cleaned))) {
        std::u32string stripped;
        for (const char32_t c : unicode::normalizeNfd(lowerEachCharacter(word)))
            if (!unicode::isNonspacingMark(c))
                stripped.push_back(c);
        std::u32string current;
        for (const char32_t c : stripped) {
            if (isBertPunctuation(c)) {
                if (!current.empty())
                    pieces.push_back(current);
                current.clear();
                pieces.emplace_back(1, c);
            } else {
                current.push_back(c);
            }
        }
        if (!current.empty())
            pieces.push_back(current);
    }
    // whitespace_tokenize(" ".join(split_tokens)): stripping accents can leave a piece that is
    // all whitespace (none in practice) or split on whitespace produced by lower-casing.
    std::vector<std::u32string> tokens;
    for (const std::u32string& piece : pieces)
        for (std::u32string& token : splitOnPythonSpace(piece))
            tokens.push_back(std::move(token));
    return tokens;
}

} // namespace

struct BertTokenizer::Impl {
    std::string source;
    std::unordered_map<std::string, std::int64_t> vocab; // the file's tokens
    std::unordered_map<std::string, std::int64_t> added; // [DEC] when the file lacks it
    std::int64_t unkId = 0;
    std::int64_t clsId = 0;
    std::int64_t sepId = 0;

    void wordPiece(const std::u32string& word, std::vector<std::string>& out) const {
        if (word.size() > static_cast<std::size_t>(kMaxCharsPerWord)) {
            out.emplace_back("[UNK]");
            return;
        }
        std::vector<std::string> pieces;
        std::size_t start = 0;
        while (start < word.size()) {
            std::size_t end = word.size();
            std::string found;
            while (start < end) {
                std::string candidate = unicode::encodeUtf8(word.substr(start, end - start));
                if (start > 0)
                    candidate = "##" + candidate;
                if (vocab.count(candidate)) {
                    found = std::move(candidate);
                    break;
                }
                --end;
            }
            if (found.empty()) {
                out.emplace_back("[UNK]");
                return;
            }
            pieces.push_back(std::move(found));
            start = end;
        }
        out.insert(out.end(), pieces.begin(), pieces.end());
    }

    std::vector<std::string> tokenize(const std::string& utf8Text) const {
        const std::u32string text = unicode::decodeUtf8(utf8Text);
        std::vector<std::string> tokens;
        std::size_t start = 0;
        std::size_t pos = 0;
        const auto flushText = [&](std::size_t end) {
            for (const std::u32string& word : basicTokenize(text.substr(start, end - start)))
                wordPiece(word, tokens);
        };
        while (pos < text.size()) {
            const std::u32string* special = nullptr;
            for (const std::u32string& candidate : kSpecialTokens)
                if (text.compare(pos, candidate.size(), candidate) == 0)
                    special = &candidate;
            if (!special) {
                ++pos;
                continue;
            }
            flushText(pos);
            tokens.push_back(unicode::encodeUtf8(*special));
            pos += special->size();
            start = pos;
        }
        flushText(text.size());
        return tokens;
    }

    std::int64_t idOf(const std::string& token) const {
        if (const auto it = added.find(token); it != added.end())
            return it->second;
        if (const auto it = vocab.find(token); it != vocab.end())
            return it->second;
        return unkId;
    }
};

BertTokenizer::BertTokenizer(std::shared_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

BertTokenizer BertTokenizer::load(const std::string& path) {
    fs::path file(path);
    std::error_code ec;
    if (fs::is_directory(file, ec)) {
        if (fs::is_regular_file(file / "bert-base-uncased-vocab.txt", ec))
            file /= "bert-base-uncased-vocab.txt";
        else if (fs::is_regular_file(file / "vocab.txt", ec))
            file /= "vocab.txt";
        else
            throw std::runtime_error("no BERT vocabulary in " + path +
                                     ": expected bert-base-uncased-vocab.txt or vocab.txt");
    } else if (!fs::is_regular_file(file, ec)) {
        throw std::runtime_error("BERT vocabulary not found: " + path);
    }
    const std::string name = file.string();
    const std::string content = readVocabFile(name);

    auto impl = std::make_shared<Impl>();
    impl->source = name;
    // Hugging Face load_vocab: one token per line with only "\n" stripped; id = line index.
    std::size_t lineStart = 0;
    std::int64_t id = 0;
    while (lineStart < content.size()) {
        std::size_t lineEnd = content.find('\n', lineStart);
        if (lineEnd == std::string::npos)
            lineEnd = content.size();
        const std::string token = content.substr(lineStart, lineEnd - lineStart);
        if (token.find('\0') != std::string::npos)
            throw io::FormatError(name + " line " + std::to_string(id + 1) +
                                  " holds a NUL byte; not a WordPiece vocabulary text file");
        if (!impl->vocab.emplace(token, id).second)
            throw io::FormatError(name + " line " + std::to_string(id + 1) +
                                  " repeats the token \"" + token.substr(0, 80) + "\"");
        ++id;
        lineStart = lineEnd + 1;
    }
    for (const char* required : {"[UNK]", "[CLS]", "[SEP]"})
        if (impl->vocab.count(required) == 0)
            throw io::FormatError(name + " lacks the token " + required +
                                  "; it is not a BERT WordPiece vocabulary");
    impl->unkId = impl->vocab.at("[UNK]");
    impl->clsId = impl->vocab.at("[CLS]");
    impl->sepId = impl->vocab.at("[SEP]");
    if (impl->vocab.count("[DEC]") == 0)
        impl->added.emplace("[DEC]", static_cast<std::int64_t>(impl->vocab.size()));
    return BertTokenizer(std::move(impl));
}

std::vector<std::int64_t> BertTokenizer::encode(const std::string& utf8Text) const {
    std::vector<std::int64_t> ids{impl_->clsId};
    for (const std::string& token : impl_->tokenize(utf8Text))
        ids.push_back(impl_->idOf(token));
    ids.push_back(impl_->sepId);
    return ids;
}

std::vector<std::string> BertTokenizer::tokenize(const std::string& utf8Text) const {
    return impl_->tokenize(utf8Text);
}

std::int64_t BertTokenizer::idOf(const std::string& token) const {
    return impl_->idOf(token);
}
std::size_t BertTokenizer::vocabSize() const {
    return impl_->vocab.size() + impl_->added.size();
}
const std::string& BertTokenizer::source() const {
    return impl_->source;
}

} // namespace deadiff::tokenize
