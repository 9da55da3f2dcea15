// Expected ids are line numbers (0-based) of bert-base-uncased-vocab.txt, looked up by hand:
// style 2806, content 4180, cafe 7668, "," 1010, naive 15743, "!" 999, zurich 10204, ode 24040,
// ##s 2015 ("odes" is absent), it 2009, "'" 1005, s 1055, ο 1169, ##δ 29722, ##ο 29730,
// ##σ 29733 (no longer piece of "οδοσ" exists), [UNK] 100, [CLS] 101, [SEP] 102.
#include "core/tokenize/bert_tokenizer.h"

#include "core/build_config.h"
#include "core/io/format_error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace {

namespace fs = std::filesystem;
using deadiff::tokenize::BertTokenizer;
using Ids = std::vector<std::int64_t>;

const BertTokenizer& bert() {
    static const BertTokenizer tokenizer =
        BertTokenizer::load(DEADIFF_SOURCE_DIR "/resources/vocab");
    return tokenizer;
}

TEST(BertTokenizer, QFormerPromptsMatchTheSpec) {
    EXPECT_EQ(bert().encode("style"), (Ids{101, 2806, 102}));
    EXPECT_EQ(bert().encode("content"), (Ids{101, 4180, 102}));
}

TEST(BertTokenizer, AppendsDecAsId30522) {
    EXPECT_EQ(bert().vocabSize(), 30523u);
    EXPECT_EQ(bert().idOf("[DEC]"), 30522);
    EXPECT_EQ(bert().encode("[DEC] style"), (Ids{101, 30522, 2806, 102}));
}

TEST(BertTokenizer, LowerCasesStripsAccentsAndSplitsPunctuation) {
    EXPECT_EQ(bert().encode("Caf\u00e9, NA\u00cfVE!"), (Ids{101, 7668, 1010, 15743, 999, 102}));
    EXPECT_EQ(bert().encode("Zu\u0308rich"), (Ids{101, 10204, 102}));
    EXPECT_EQ(bert().encode("it's"), (Ids{101, 2009, 1005, 1055, 102}));
}

TEST(BertTokenizer, UsesGreedyLongestWordPieces) {
    EXPECT_EQ(bert().tokenize("odes"), (std::vector<std::string>{"ode", "##s"}));
    EXPECT_EQ(bert().encode("odes"), (Ids{101, 24040, 2015, 102}));
    // Hugging Face lower-cases one character at a time: no final sigma.
    EXPECT_EQ(bert().encode("\u039f\u0394\u039f\u03a3"),
              (Ids{101, 1169, 29722, 29730, 29733, 102}));
}

TEST(BertTokenizer, UnknownAndOverlongWordsBecomeUnk) {
    EXPECT_EQ(bert().encode("\u732b"), (Ids{101, 100, 102})); // CJK char absent from the vocab
    EXPECT_EQ(bert().encode(std::string(101, 'a')), (Ids{101, 100, 102}));
    EXPECT_EQ(bert().encode("style\u732bcontent"), (Ids{101, 2806, 100, 4180, 102}));
}

TEST(BertTokenizer, DropsControlCharactersAndNoTruncation) {
    EXPECT_EQ(bert().encode(std::string("style\0\t\x07 content", 16)), (Ids{101, 2806, 4180, 102}));
    std::string many;
    for (int i = 0; i < 600; ++i)
        many += "style ";
    EXPECT_EQ(bert().encode(many).size(), 602u);
    EXPECT_EQ(bert().encode(""), (Ids{101, 102}));
}

TEST(BertTokenizer, ArbitraryBytesGiveWellFormedIds) {
    std::mt19937 random(7);
    for (int round = 0; round < 300; ++round) {
        std::string text(random() % 200, '\0');
        for (char& c : text)
            c = static_cast<char>(random() % 256);
        const Ids ids = bert().encode(text);
        ASSERT_GE(ids.size(), 2u);
        EXPECT_EQ(ids.front(), 101);
        EXPECT_EQ(ids.back(), 102);
        for (const std::int64_t id : ids)
            ASSERT_TRUE(id >= 0 && id < 30523) << id;
    }
}

TEST(BertTokenizerErrors, MissingOrMalformedVocabularyNamesTheFile) {
    const fs::path dir = fs::temp_directory_path() / "deadiff_bert_vocab_errors";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto messageOf = [](const std::string& path) -> std::string {
        try {
            BertTokenizer::load(path);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "no exception";
    };
    const std::string missing = (dir / "absent.txt").string();
    EXPECT_NE(messageOf(missing).find(missing), std::string::npos);
    EXPECT_NE(messageOf(dir.string()).find(dir.string()), std::string::npos);

    const std::string noCls = (dir / "no_cls.txt").string();
    std::ofstream(noCls) << "[PAD]\n[UNK]\n[SEP]\nstyle\n";
    EXPECT_NE(messageOf(noCls).find(noCls), std::string::npos);
    EXPECT_NE(messageOf(noCls).find("[CLS]"), std::string::npos);

    const std::string repeated = (dir / "repeated.txt").string();
    std::ofstream(repeated) << "[UNK]\n[CLS]\n[SEP]\nstyle\nstyle\n";
    EXPECT_NE(messageOf(repeated).find(repeated + " line 5"), std::string::npos)
        << messageOf(repeated);

    const std::string binary = (dir / "binary.txt").string();
    std::ofstream(binary, std::ios::binary) << std::string("[UNK]\n\0\0\n", 9);
    EXPECT_NE(messageOf(binary).find(binary), std::string::npos);
    fs::remove_all(dir);
}

} // namespace
