#include "core/train/word_vocabulary.h"

#include "core/io/atomic_file.h"
#include "core/tokenize/clip_tokenizer.h"
#include "core/tokenize/unicode_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

namespace deadiff::train {
namespace {

const std::string kEndOfWord = "</w>";
const std::string kStartOfText = "<|startoftext|>";
const std::string kEndOfText = "<|endoftext|>";

// openai/CLIP's bytes_to_unicode(), in its order: printable bytes stand for themselves, the rest
// map to 256 + n. The order is the order of CLIP's first 256 vocabulary entries.
std::vector<std::string> byteSymbolsInVocabularyOrder() {
    std::vector<std::string> symbols;
    for (const auto& [byte, codePoint] : tokenize::clipBytesToUnicode()) {
        std::string symbol;
        tokenize::unicode::appendUtf8(symbol, codePoint);
        symbols.push_back(symbol);
    }
    return symbols;
}

void checkWord(const std::string& word) {
    const bool letters = !word.empty() && std::all_of(word.begin(), word.end(),
                                                      [](char c) { return c >= 'a' && c <= 'z'; });
    if (!letters)
        throw std::runtime_error("word vocabulary: \"" + word +
                                 "\" is not a word of lower-case ASCII letters; CLIP's "
                                 "pre-tokenizer would split it or change it");
}

void writeText(const std::string& path, const std::string& text) {
    io::AtomicFile file(path);
    file.write(text.data(), text.size());
    file.commit();
}

} // namespace

std::vector<std::string> clipBpe(const std::vector<std::pair<std::string, std::string>>& merges,
                                 const std::string& word) {
    std::vector<std::string> symbols;
    for (std::size_t i = 0; i < word.size(); ++i)
        symbols.push_back(std::string(1, word[i]) + (i + 1 == word.size() ? kEndOfWord : ""));
    std::map<std::pair<std::string, std::string>, std::size_t> ranks;
    for (std::size_t r = 0; r < merges.size(); ++r)
        ranks.emplace(merges[r], r); // learned merges never repeat a pair
    while (symbols.size() > 1) {
        std::size_t bestRank = merges.size();
        std::pair<std::string, std::string> best;
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            const auto it = ranks.find({symbols[i], symbols[i + 1]});
            if (it != ranks.end() && it->second < bestRank) {
                bestRank = it->second;
                best = it->first;
            }
        }
        if (bestRank == merges.size())
            break;
        std::vector<std::string> merged;
        for (std::size_t i = 0; i < symbols.size();) {
            if (i + 1 < symbols.size() && symbols[i] == best.first &&
                symbols[i + 1] == best.second) {
                merged.push_back(best.first + best.second);
                i += 2;
            } else {
                merged.push_back(symbols[i]);
                i += 1;
            }
        }
        symbols = std::move(merged);
    }
    return symbols;
}

ClipWordVocabulary buildClipWordVocabulary(const std::vector<std::string>& words) {
    const std::set<std::string> unique(words.begin(), words.end());
    for (const std::string& word : unique)
        checkWord(word);

    ClipWordVocabulary vocabulary;
    for (;;) {
        std::map<std::pair<std::string, std::string>, int> pairCounts;
        for (const std::string& word : unique) {
            const std::vector<std::string> symbols = clipBpe(vocabulary.merges, word);
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
                ++pairCounts[{symbols[i], symbols[i + 1]}];
        }
        if (pairCounts.empty())
            break;
        // std::map iterates in ascending order, so the first maximum is the smallest pair.
        auto best = pairCounts.begin();
        for (auto it = pairCounts.begin(); it != pairCounts.end(); ++it)
            if (it->second > best->second)
                best = it;
        vocabulary.merges.push_back(best->first);
    }

    const std::vector<std::string> bytes = byteSymbolsInVocabularyOrder();
    vocabulary.tokens = bytes;
    for (const std::string& symbol : bytes)
        vocabulary.tokens.push_back(symbol + kEndOfWord);
    std::set<std::string> seen(vocabulary.tokens.begin(), vocabulary.tokens.end());
    for (const auto& [first, second] : vocabulary.merges)
        if (seen.insert(first + second).second)
            vocabulary.tokens.push_back(first + second);
    vocabulary.tokens.push_back(kStartOfText);
    vocabulary.tokens.push_back(kEndOfText);
    return vocabulary;
}

namespace {
int tokenId(const std::vector<std::string>& tokens, const std::string& token) {
    const auto it = std::find(tokens.begin(), tokens.end(), token);
    if (it == tokens.end())
        throw std::runtime_error("word vocabulary: no token \"" + token + "\"");
    return static_cast<int>(it - tokens.begin());
}
} // namespace

int ClipWordVocabulary::startOfTextId() const {
    return tokenId(tokens, kStartOfText);
}
int ClipWordVocabulary::endOfTextId() const {
    return tokenId(tokens, kEndOfText);
}

int ClipWordVocabulary::wordId(const std::string& word) const {
    const std::vector<std::string> symbols = clipBpe(merges, word);
    if (symbols.size() != 1)
        throw std::runtime_error("word vocabulary: \"" + word + "\" is " +
                                 std::to_string(symbols.size()) +
                                 " tokens, not one; it is not in the word list");
    return tokenId(tokens, symbols.front());
}

void writeClipWordVocabulary(const ClipWordVocabulary& vocabulary, const std::string& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        throw std::runtime_error("word vocabulary: cannot create " + directory + ": " +
                                 error.message());
    nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
    for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id)
        vocab[vocabulary.tokens[id]] = id;
    writeText((std::filesystem::path(directory) / "vocab.json").string(), vocab.dump() + "\n");
    std::string merges = "#version: 0.2\n";
    for (const auto& [first, second] : vocabulary.merges)
        merges += first + " " + second + "\n";
    writeText((std::filesystem::path(directory) / "merges.txt").string(), merges);
}

} // namespace deadiff::train
