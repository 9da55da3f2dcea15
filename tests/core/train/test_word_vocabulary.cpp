#include "core/tokenize/clip_tokenizer.h"
#include "core/train/synthetic_dataset.h"
#include "core/train/word_vocabulary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace deadiff::train {
namespace {

using Merges = std::vector<std::pair<std::string, std::string>>;

// The CLIP BPE loop written again from the reference (openai/CLIP simple_tokenizer.py bpe()),
// independent of the code under test: characters, "</w>" on the last, then repeatedly merge
// every occurrence of the lowest-ranked adjacent pair.
std::vector<std::string> referenceBpe(const Merges& merges, const std::string& word) {
    std::map<std::pair<std::string, std::string>, std::size_t> ranks;
    for (std::size_t i = 0; i < merges.size(); ++i)
        ranks[merges[i]] = i; // Python's dict(zip(...)): a later duplicate would win
    std::vector<std::string> symbols;
    for (std::size_t i = 0; i < word.size(); ++i)
        symbols.push_back(word.substr(i, 1) + (i + 1 == word.size() ? "</w>" : ""));
    for (;;) {
        const std::pair<std::string, std::string>* best = nullptr;
        std::size_t bestRank = 0;
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            const auto it = ranks.find({symbols[i], symbols[i + 1]});
            if (it != ranks.end() && (!best || it->second < bestRank)) {
                best = &it->first;
                bestRank = it->second;
            }
        }
        if (!best)
            return symbols;
        std::vector<std::string> next;
        std::size_t i = 0;
        while (i < symbols.size()) {
            const auto j = std::find(symbols.begin() + static_cast<std::ptrdiff_t>(i),
                                     symbols.end(), best->first);
            if (j == symbols.end()) {
                next.insert(next.end(), symbols.begin() + static_cast<std::ptrdiff_t>(i),
                            symbols.end());
                break;
            }
            next.insert(next.end(), symbols.begin() + static_cast<std::ptrdiff_t>(i), j);
            i = static_cast<std::size_t>(j - symbols.begin());
            if (i + 1 < symbols.size() && symbols[i + 1] == best->second) {
                next.push_back(best->first + best->second);
                i += 2;
            } else {
                next.push_back(symbols[i]);
                i += 1;
            }
        }
        symbols = std::move(next);
    }
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(WordVocabulary, EveryCaptionWordBecomesExactlyOneToken) {
    const std::vector<std::string> words = captionWords();
    const ClipWordVocabulary vocabulary = buildClipWordVocabulary(words);
    for (const std::string& word : words) {
        const std::vector<std::string> tokens = referenceBpe(vocabulary.merges, word);
        ASSERT_EQ(tokens.size(), 1u) << word;
        EXPECT_EQ(tokens.front(), word + "</w>");
        EXPECT_NE(std::find(vocabulary.tokens.begin(), vocabulary.tokens.end(), tokens.front()),
                  vocabulary.tokens.end())
            << word;
        EXPECT_EQ(clipBpe(vocabulary.merges, word), tokens);
    }
    // "in" is a prefix of "ink": both stay whole.
    EXPECT_NE(vocabulary.wordId("in"), vocabulary.wordId("ink"));
    EXPECT_THROW(vocabulary.wordId("dog"), std::runtime_error);
}

TEST(WordVocabulary, LaysOutIdsLikeClip) {
    const ClipWordVocabulary vocabulary = buildClipWordVocabulary({"star", "neon"});
    // openai/CLIP: "!" is id 0, "a" is 64, "a</w>" is 256 + 64; byte 0 maps to U+0100 ("Ā").
    EXPECT_EQ(vocabulary.tokens[0], "!");
    EXPECT_EQ(vocabulary.tokens[64], "a");
    EXPECT_EQ(vocabulary.tokens[320], "a</w>");
    EXPECT_EQ(vocabulary.tokens[188], "\xC4\x80");
    EXPECT_EQ(vocabulary.tokens[511], "\xC5\x83</w>");
    const int count = static_cast<int>(vocabulary.tokens.size());
    EXPECT_EQ(vocabulary.startOfTextId(), count - 2);
    EXPECT_EQ(vocabulary.endOfTextId(), count - 1);
    EXPECT_EQ(vocabulary.tokens[static_cast<std::size_t>(count - 2)], "<|startoftext|>");
    // Every merge result is a token, and tokens are unique.
    std::set<std::string> unique(vocabulary.tokens.begin(), vocabulary.tokens.end());
    EXPECT_EQ(unique.size(), vocabulary.tokens.size());
    for (const auto& [first, second] : vocabulary.merges)
        EXPECT_EQ(unique.count(first + second), 1u) << first << " " << second;
}

TEST(WordVocabulary, AnyWordListIsRebuiltWordByWord) {
    // Random words over a small alphabet share many prefixes, suffixes and inner pairs.
    std::mt19937 random(7);
    std::vector<std::string> words;
    for (int i = 0; i < 120; ++i) {
        std::string word;
        const int length = 1 + static_cast<int>(random() % 9);
        for (int k = 0; k < length; ++k)
            word += static_cast<char>('a' + random() % 4);
        words.push_back(word);
    }
    const ClipWordVocabulary vocabulary = buildClipWordVocabulary(words);
    for (const std::string& word : words)
        EXPECT_EQ(referenceBpe(vocabulary.merges, word), std::vector<std::string>{word + "</w>"});
}

TEST(WordVocabulary, RejectsWordsThatClipWouldSplit) {
    EXPECT_THROW(buildClipWordVocabulary({"star", "Star"}), std::runtime_error);
    EXPECT_THROW(buildClipWordVocabulary({"two words"}), std::runtime_error);
    EXPECT_THROW(buildClipWordVocabulary({""}), std::runtime_error);
    EXPECT_THROW(buildClipWordVocabulary({"r2d2"}), std::runtime_error);
}

TEST(WordVocabulary, WrittenFilesEncodeCaptionsOneIdPerWord) {
    const auto directory = std::filesystem::temp_directory_path() /
                           ("deadiff_word_vocab_" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    writeClipWordVocabulary(buildClipWordVocabulary(captionWords()), directory.string());

    const nlohmann::json vocab = nlohmann::json::parse(readFile(directory / "vocab.json"));
    ASSERT_TRUE(vocab.is_object());
    std::set<int> ids;
    for (const auto& [token, id] : vocab.items())
        ids.insert(id.get<int>());
    EXPECT_EQ(ids.size(), vocab.size());
    EXPECT_EQ(*ids.begin(), 0);
    EXPECT_EQ(*ids.rbegin(), static_cast<int>(vocab.size()) - 1);
    EXPECT_EQ(vocab.at("<|endoftext|>").get<int>(), static_cast<int>(vocab.size()) - 1);

    std::istringstream lines(readFile(directory / "merges.txt"));
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "#version: 0.2");
    Merges merges;
    while (std::getline(lines, line)) {
        const auto space = line.find(' ');
        ASSERT_NE(space, std::string::npos) << line;
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
        EXPECT_TRUE(vocab.contains(merges.back().first + merges.back().second)) << line;
    }
    EXPECT_FALSE(merges.empty());

    // "star in pastel stripes style": five words, five ids, all distinct and none a byte symbol.
    const std::string text = caption(subjectIndex("star"), styleIndex("pastel stripes"));
    std::istringstream split(text);
    std::vector<int> encoded;
    for (std::string word; split >> word;) {
        const auto tokens = referenceBpe(merges, word);
        ASSERT_EQ(tokens.size(), 1u) << word;
        encoded.push_back(vocab.at(tokens.front()).get<int>());
    }
    ASSERT_EQ(encoded.size(), 5u);
    EXPECT_EQ(std::set<int>(encoded.begin(), encoded.end()).size(), 5u);
    for (int id : encoded)
        EXPECT_GE(id, 512);
    std::filesystem::remove_all(directory);
}

// The real CLIP tokenizer (core/tokenize) reads the written files unchanged and maps every
// caption word to exactly the one id the vocabulary gives it.
TEST(WordVocabulary, TheClipTokenizerEncodesEveryCaptionWordAsOneId) {
    const auto directory = std::filesystem::temp_directory_path() /
                           ("deadiff_word_vocab_clip_" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    const ClipWordVocabulary vocabulary = buildClipWordVocabulary(captionWords());
    writeClipWordVocabulary(vocabulary, directory.string());
    const tokenize::ClipTokenizer tokenizer = tokenize::ClipTokenizer::fromVocabAndMerges(
        (directory / "vocab.json").string(), (directory / "merges.txt").string());
    EXPECT_EQ(tokenizer.vocabSize(), vocabulary.tokens.size());
    EXPECT_EQ(tokenizer.startOfTextId(), vocabulary.startOfTextId());
    EXPECT_EQ(tokenizer.endOfTextId(), vocabulary.endOfTextId());

    std::vector<std::string> texts;
    for (int subject = 0; subject < subjectCount(); ++subject) {
        texts.push_back(subjectCaption(subject));
        for (int style = 0; style < styleCount(); ++style)
            texts.push_back(caption(subject, style));
    }
    for (const std::string& text : texts) {
        std::vector<std::int64_t> expected{vocabulary.startOfTextId()};
        std::istringstream split(text);
        for (std::string word; split >> word;)
            expected.push_back(vocabulary.wordId(word));
        expected.push_back(vocabulary.endOfTextId());
        EXPECT_EQ(tokenizer.encode(text).fullIds, expected) << text;
    }
    // The tokenizer lower-cases and collapses whitespace first, so users may type freely.
    EXPECT_EQ(tokenizer.encode("  Star IN  Neon style ").fullIds,
              tokenizer.encode("star in neon style").fullIds);
    // A word outside the list still encodes, as characters (no <|endoftext|> stand-ins).
    const std::vector<std::string> dog = tokenizer.tokenize("dog");
    EXPECT_EQ(dog, (std::vector<std::string>{"d", "o", "g</w>"}));
    std::filesystem::remove_all(directory);
}

} // namespace
} // namespace deadiff::train
