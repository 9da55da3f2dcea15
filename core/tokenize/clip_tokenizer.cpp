#include "core/tokenize/clip_tokenizer.h"

#include "core/io/format_error.h"
#include "core/tokenize/text_cleaning.h"
#include "core/tokenize/unicode_text.h"
#include "core/tokenize/vocab_files.h"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace deadiff::tokenize {
namespace {

namespace fs = std::filesystem;

const std::string kStartOfText = "<|startoftext|>";
const std::string kEndOfText = "<|endoftext|>";
const std::string kEndOfWord = "</w>";
const std::u32string kStartOfText32 = U"<|startoftext|>";
const std::u32string kEndOfText32 = U"<|endoftext|>";

bool startsWithAt(const std::u32string& text, std::size_t pos, const std::u32string& prefix) {
    return text.compare(pos, prefix.size(), prefix) == 0;
}

// Python's str.split() over ASCII whitespace, enough for merges lines.
std::vector<std::string> splitWords(const std::string& line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])))
            ++i;
        const std::size_t start = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
            ++i;
        if (i > start)
            words.push_back(line.substr(start, i - start));
    }
    return words;
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos)
            return lines;
        start = end + 1;
    }
}

// The CLIP pattern `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|
// [^\s\p{L}\p{N}]+` (IGNORECASE) applied with findall to cleaned, lower-cased text.
std::vector<std::u32string> splitClipWords(const std::u32string& text) {
    std::vector<std::u32string> words;
    const auto isSpace = unicode::isPythonSpace;
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t c = text[i];
        std::size_t length = 0;
        if (startsWithAt(text, i, kStartOfText32)) {
            length = kStartOfText32.size();
        } else if (startsWithAt(text, i, kEndOfText32)) {
            length = kEndOfText32.size();
        } else if (c == U'\'' && i + 1 < text.size()) {
            const char32_t n = text[i + 1];
            const char32_t n2 = i + 2 < text.size() ? text[i + 2] : 0;
            // Under IGNORECASE, 's' also matches U+017F (long s), which lower-casing keeps.
            if (n == U's' || n == 0x017F || n == U't' || n == U'm' || n == U'd')
                length = 2;
            else if ((n == U'r' && n2 == U'e') || (n == U'v' && n2 == U'e') ||
                     (n == U'l' && n2 == U'l'))
                length = 3;
        }
        if (length == 0) {
            if (unicode::isLetter(c)) {
                length = 1;
                while (i + length < text.size() && unicode::isLetter(text[i + length]))
                    ++length;
            } else if (unicode::isNumber(c)) {
                length = 1;
            } else if (!isSpace(c)) {
                length = 1;
                while (i + length < text.size()) {
                    const char32_t d = text[i + length];
                    if (isSpace(d) || unicode::isLetter(d) || unicode::isNumber(d))
                        break;
                    ++length;
                }
            }
        }
        if (length == 0) {
            ++i; // whitespace: no alternative matches here
            continue;
        }
        words.push_back(text.substr(i, length));
        i += length;
    }
    return words;
}

} // namespace

// openai/CLIP bytes_to_unicode(): printable Latin-1 bytes map to themselves, the others to
// U+0100 upwards in byte order. Returned in the dict's order (printable bytes first), which is
// the order of the first 256 vocabulary entries.
std::vector<std::pair<int, char32_t>> clipBytesToUnicode() {
    std::vector<std::pair<int, char32_t>> mapping;
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b)
        printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b)
        printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b)
        printable[b] = true;
    for (int b = 0; b < 256; ++b)
        if (printable[b])
            mapping.emplace_back(b, static_cast<char32_t>(b));
    char32_t next = 256;
    for (int b = 0; b < 256; ++b)
        if (!printable[b])
            mapping.emplace_back(b, next++);
    return mapping;
}

struct ClipTokenizer::Impl {
    std::string source;
    std::array<std::string, 256> byteSymbols; // UTF-8 of the unicode stand-in of each byte
    std::unordered_map<std::string, std::int64_t> encoder;
    std::unordered_map<std::int64_t, std::string> decoder;
    std::unordered_map<std::string, int> mergeRanks; // "first second" -> line order
    std::int64_t startId = 0;
    std::int64_t endId = 0;

    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache;

    Impl() {
        for (const auto& [byte, codePoint] : clipBytesToUnicode()) {
            std::string symbol;
            unicode::appendUtf8(symbol, codePoint);
            byteSymbols[static_cast<std::size_t>(byte)] = symbol;
        }
    }

    void finish(const std::string& fileForErrors) {
        const auto find = [&](const std::string& token) {
            const auto it = encoder.find(token);
            if (it == encoder.end())
                throw io::FormatError(fileForErrors + " lacks the token \"" + token +
                                      "\"; it is not a CLIP vocabulary");
            return it->second;
        };
        startId = find(kStartOfText);
        endId = find(kEndOfText);
        for (const std::string& symbol : byteSymbols) {
            find(symbol);
            find(symbol + kEndOfWord);
        }
        for (const auto& [token, id] : encoder)
            decoder.emplace(id, token);
    }

    // merges: the lines after the header, in rank order. Each must be two symbols.
    void addMerges(const std::vector<std::string>& lines, std::size_t firstLine, std::size_t count,
                   const std::string& path) {
        mergeRanks.reserve(count);
        for (std::size_t k = 0; k < count; ++k) {
            const std::string& line = lines[firstLine + k];
            const std::vector<std::string> parts = splitWords(line);
            if (parts.size() != 2)
                throw io::FormatError(path + " line " + std::to_string(firstLine + k + 1) +
                                      ": expected a merge \"<symbol> <symbol>\", found \"" +
                                      line.substr(0, 80) + "\"");
            mergeRanks.emplace(parts[0] + " " + parts[1], static_cast<int>(k));
        }
    }

    std::vector<std::string> bpe(const std::string& byteEncodedWord,
                                 const std::vector<std::string>& symbolsIn) const {
        if (byteEncodedWord == kStartOfText || byteEncodedWord == kEndOfText)
            return {byteEncodedWord};
        std::vector<std::string> word = symbolsIn;
        word.back() += kEndOfWord;
        while (word.size() > 1) {
            int bestRank = std::numeric_limits<int>::max();
            std::size_t bestIndex = 0;
            for (std::size_t i = 0; i + 1 < word.size(); ++i) {
                const auto it = mergeRanks.find(word[i] + " " + word[i + 1]);
                if (it != mergeRanks.end() && it->second < bestRank) {
                    bestRank = it->second;
                    bestIndex = i;
                }
            }
            if (bestRank == std::numeric_limits<int>::max())
                break;
            const std::string first = word[bestIndex];
            const std::string second = word[bestIndex + 1];
            std::vector<std::string> merged;
            merged.reserve(word.size());
            for (std::size_t i = 0; i < word.size();) {
                if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                    merged.push_back(first + second);
                    i += 2;
                } else {
                    merged.push_back(word[i]);
                    ++i;
                }
            }
            word = std::move(merged);
        }
        return word;
    }

    std::int64_t idOf(const std::string& token) const {
        const auto it = encoder.find(token);
        return it == encoder.end() ? endId : it->second; // HF: unknown -> <|endoftext|>
    }

    // Tokens of one piece of text that holds no special token of the raw prompt.
    void appendTokens(const std::u32string& text, std::vector<std::int64_t>* ids,
                      std::vector<std::string>* tokens) const {
        for (const std::u32string& word : splitClipWords(cleanClipText(text))) {
            const std::string utf8 = unicode::encodeUtf8(word);
            std::vector<std::string> symbols;
            std::string byteEncoded;
            for (const unsigned char byte : utf8) {
                symbols.push_back(byteSymbols[byte]);
                byteEncoded += byteSymbols[byte];
            }
            std::vector<std::int64_t> wordIds;
            {
                std::lock_guard<std::mutex> lock(cacheMutex);
                const auto it = cache.find(byteEncoded);
                if (it != cache.end())
                    wordIds = it->second;
            }
            std::vector<std::string> pieces;
            if (wordIds.empty() || tokens) {
                pieces = bpe(byteEncoded, symbols);
                wordIds.clear();
                for (const std::string& piece : pieces)
                    wordIds.push_back(idOf(piece));
                std::lock_guard<std::mutex> lock(cacheMutex);
                if (cache.size() > 100000)
                    cache.clear(); // bounded memory for long sessions
                cache.emplace(byteEncoded, wordIds);
            }
            if (ids)
                ids->insert(ids->end(), wordIds.begin(), wordIds.end());
            if (tokens)
                tokens->insert(tokens->end(), pieces.begin(), pieces.end());
        }
    }

    // Hugging Face splits the raw prompt on its special tokens first (case-sensitive, before
    // any cleaning) and emits their ids directly; the text between them is tokenized alone.
    void tokenizePrompt(const std::string& prompt, std::vector<std::int64_t>* ids,
                        std::vector<std::string>* tokens) const {
        const std::u32string text = unicode::decodeUtf8(prompt);
        std::size_t start = 0;
        std::size_t pos = 0;
        while (pos < text.size()) {
            const bool isStart = startsWithAt(text, pos, kStartOfText32);
            const bool isEnd = !isStart && startsWithAt(text, pos, kEndOfText32);
            if (!isStart && !isEnd) {
                ++pos;
                continue;
            }
            appendTokens(text.substr(start, pos - start), ids, tokens);
            if (ids)
                ids->push_back(isStart ? startId : endId);
            if (tokens)
                tokens->push_back(isStart ? kStartOfText : kEndOfText);
            pos += isStart ? kStartOfText32.size() : kEndOfText32.size();
            start = pos;
        }
        appendTokens(text.substr(start), ids, tokens);
    }
};

ClipTokenizer::ClipTokenizer(std::shared_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

ClipTokenizer ClipTokenizer::fromBpeArchive(const std::string& gzPath) {
    const std::string text = readGzipFile(gzPath);
    const std::vector<std::string> lines = splitLines(text);
    // openai/CLIP: merges = lines[1 : 49152 - 256 - 2 + 1]
    if (lines.size() < static_cast<std::size_t>(kMergeCount) + 1)
        throw io::FormatError(gzPath + " holds " + std::to_string(lines.size()) +
                              " lines; a CLIP BPE vocabulary has a header and at least " +
                              std::to_string(kMergeCount) + " merges");
    auto impl = std::make_shared<Impl>();
    impl->source = gzPath;
    impl->addMerges(lines, 1, kMergeCount, gzPath);

    std::int64_t nextId = 0;
    std::vector<std::string> orderedBytes;
    for (const auto& [byte, codePoint] : clipBytesToUnicode()) {
        std::string symbol;
        unicode::appendUtf8(symbol, codePoint);
        orderedBytes.push_back(symbol);
    }
    for (const std::string& symbol : orderedBytes)
        impl->encoder.emplace(symbol, nextId++);
    for (const std::string& symbol : orderedBytes)
        impl->encoder.emplace(symbol + kEndOfWord, nextId++);
    for (std::size_t k = 0; k < static_cast<std::size_t>(kMergeCount); ++k) {
        const std::vector<std::string> parts = splitWords(lines[1 + k]);
        // A dict built from a list keeps the last id of a repeated token, as OpenAI's does.
        impl->encoder[parts[0] + parts[1]] = nextId++;
    }
    impl->encoder[kStartOfText] = nextId++;
    impl->encoder[kEndOfText] = nextId++;
    impl->finish(gzPath);
    return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::fromVocabAndMerges(const std::string& vocabJsonPath,
                                                const std::string& mergesPath) {
    auto impl = std::make_shared<Impl>();
    impl->source = vocabJsonPath + " + " + mergesPath;

    nlohmann::json vocab;
    try {
        vocab = nlohmann::json::parse(readVocabFile(vocabJsonPath));
    } catch (const nlohmann::json::exception& e) {
        throw io::FormatError(vocabJsonPath + " is not valid JSON: " + e.what());
    }
    if (!vocab.is_object() || vocab.empty())
        throw io::FormatError(vocabJsonPath +
                              " must be a JSON object mapping each token to its id");
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
            id.get<std::int64_t>() > (1 << 24))
            throw io::FormatError(vocabJsonPath + ": the id of token \"" + token +
                                  "\" is not an integer in [0, 2^24]: " + id.dump());
        impl->encoder.emplace(token, id.get<std::int64_t>());
    }

    std::string merges = readVocabFile(mergesPath);
    // Hugging Face: read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]
    const auto notSpace = [](char c) { return !std::isspace(static_cast<unsigned char>(c)); };
    merges.erase(merges.begin(), std::find_if(merges.begin(), merges.end(), notSpace));
    merges.erase(std::find_if(merges.rbegin(), merges.rend(), notSpace).base(), merges.end());
    const std::vector<std::string> lines = splitLines(merges);
    if (lines.size() < 2)
        throw io::FormatError(mergesPath + " holds no merges (expected a \"#version\" line, "
                                           "then one \"<symbol> <symbol>\" per line)");
    const std::size_t count = std::min(lines.size() - 1, static_cast<std::size_t>(kMergeCount));
    impl->addMerges(lines, 1, count, mergesPath);
    for (std::size_t k = 0; k < count; ++k) {
        const std::vector<std::string> parts = splitWords(lines[1 + k]);
        if (impl->encoder.count(parts[0] + parts[1]) == 0)
            throw io::FormatError(mergesPath + " line " + std::to_string(k + 2) + " makes \"" +
                                  parts[0] + parts[1] + "\", which " + vocabJsonPath +
                                  " lacks: the two files do not belong together");
    }
    impl->finish(vocabJsonPath);
    return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::load(const std::string& path) {
    const fs::path given(path);
    std::error_code ec;
    if (fs::is_directory(given, ec)) {
        const fs::path archive = given / "bpe_simple_vocab_16e6.txt.gz";
        if (fs::is_regular_file(archive, ec))
            return fromBpeArchive(archive.string());
        const std::pair<const char*, const char*> pairs[] = {
            {"vocab.json", "merges.txt"},
            {"tokenizer/vocab.json", "tokenizer/merges.txt"},
            {"clip_vocab.json", "clip_merges.txt"}};
        for (const auto& [vocab, merges] : pairs)
            if (fs::is_regular_file(given / vocab, ec) && fs::is_regular_file(given / merges, ec))
                return fromVocabAndMerges((given / vocab).string(), (given / merges).string());
        throw std::runtime_error(
            "no CLIP vocabulary in " + path +
            ": expected bpe_simple_vocab_16e6.txt.gz, or vocab.json and merges.txt (also in "
            "tokenizer/), or clip_vocab.json and clip_merges.txt");
    }
    if (!fs::is_regular_file(given, ec))
        throw std::runtime_error("CLIP vocabulary not found: " + path);
    const std::string name = given.filename().string();
    const auto endsWith = [&name](const std::string& suffix) {
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (endsWith(".gz"))
        return fromBpeArchive(path);
    if (endsWith(".json")) {
        std::string mergesName = name;
        const std::size_t at = mergesName.rfind("vocab.json");
        if (at != std::string::npos)
            mergesName.replace(at, std::string("vocab.json").size(), "merges.txt");
        fs::path merges = given.parent_path() / mergesName;
        if (!fs::is_regular_file(merges, ec))
            merges = given.parent_path() / "merges.txt";
        if (!fs::is_regular_file(merges, ec))
            throw std::runtime_error("CLIP vocabulary " + path + " has no merges file beside it (" +
                                     mergesName + " or merges.txt)");
        return fromVocabAndMerges(path, merges.string());
    }
    throw std::runtime_error("unrecognised CLIP vocabulary file " + path +
                             ": give bpe_simple_vocab_16e6.txt.gz, a vocab.json with its "
                             "merges.txt, or their folder");
}

ClipEncoding ClipTokenizer::encode(const std::string& utf8Prompt) const {
    std::vector<std::int64_t> tokens;
    impl_->tokenizePrompt(utf8Prompt, &tokens, nullptr);

    ClipEncoding encoding;
    encoding.fullIds.reserve(tokens.size() + 2);
    encoding.fullIds.push_back(impl_->startId);
    encoding.fullIds.insert(encoding.fullIds.end(), tokens.begin(), tokens.end());
    encoding.fullIds.push_back(impl_->endId);

    encoding.truncated = tokens.size() > static_cast<std::size_t>(kMaxPromptTokens);
    const std::size_t kept = std::min(tokens.size(), static_cast<std::size_t>(kMaxPromptTokens));
    encoding.ids.reserve(kContextLength);
    encoding.ids.push_back(impl_->startId);
    encoding.ids.insert(encoding.ids.end(), tokens.begin(),
                        tokens.begin() + static_cast<std::ptrdiff_t>(kept));
    encoding.ids.resize(kContextLength, impl_->endId); // the end token, then padding
    return encoding;
}

std::vector<std::string> ClipTokenizer::tokenize(const std::string& utf8Prompt) const {
    std::vector<std::string> tokens;
    impl_->tokenizePrompt(utf8Prompt, nullptr, &tokens);
    return tokens;
}

std::string ClipTokenizer::decode(const std::vector<std::int64_t>& ids) const {
    std::unordered_map<std::string, unsigned char> symbolBytes;
    for (std::size_t b = 0; b < impl_->byteSymbols.size(); ++b)
        symbolBytes.emplace(impl_->byteSymbols[b], static_cast<unsigned char>(b));
    std::string out;
    for (const std::int64_t id : ids) {
        const auto found = impl_->decoder.find(id);
        if (found == impl_->decoder.end())
            continue;
        std::string token = found->second;
        if (token == kStartOfText || token == kEndOfText) {
            out += token;
            continue;
        }
        bool endOfWord = false;
        if (token.size() >= kEndOfWord.size() &&
            token.compare(token.size() - kEndOfWord.size(), kEndOfWord.size(), kEndOfWord) == 0) {
            token.resize(token.size() - kEndOfWord.size());
            endOfWord = true;
        }
        for (const char32_t c : unicode::decodeUtf8(token)) {
            std::string symbol;
            unicode::appendUtf8(symbol, c);
            const auto it = symbolBytes.find(symbol);
            if (it != symbolBytes.end())
                out.push_back(static_cast<char>(it->second));
        }
        if (endOfWord)
            out.push_back(' ');
    }
    return out;
}

std::int64_t ClipTokenizer::startOfTextId() const {
    return impl_->startId;
}
std::int64_t ClipTokenizer::endOfTextId() const {
    return impl_->endId;
}
std::size_t ClipTokenizer::vocabSize() const {
    return impl_->encoder.size();
}
const std::string& ClipTokenizer::source() const {
    return impl_->source;
}

} // namespace deadiff::tokenize
