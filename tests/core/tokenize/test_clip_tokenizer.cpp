#include "core/tokenize/clip_tokenizer.h"

#include "core/build_config.h"
#include "core/io/format_error.h"
#include "core/io/safetensors.h"
#include "core/tokenize/vocab_location.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;
using deadiff::tokenize::ClipTokenizer;

const std::string kBundledVocab = DEADIFF_SOURCE_DIR "/resources/vocab";
const std::string kFixture = DEADIFF_SOURCE_DIR "/tests/fixtures/tokenize/clip_expected.json";
const std::string kNegativePrompt =
    "over-exposure, under-exposure, saturated, duplicate, out of frame, lowres, cropped, worst "
    "quality, low quality, jpeg artifacts, morbid, mutilated, out of frame, ugly, bad anatomy, "
    "bad proportions, deformed, blurry, duplicate";

const ClipTokenizer& bundled() {
    static const ClipTokenizer tokenizer = ClipTokenizer::load(kBundledVocab);
    return tokenizer;
}

std::vector<std::int64_t> repeat(std::int64_t id, std::size_t n) {
    return std::vector<std::int64_t>(n, id);
}

std::vector<std::int64_t> concat(std::vector<std::int64_t> a, const std::vector<std::int64_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<std::int64_t> oracleIds(const deadiff::io::SafetensorsFile& file,
                                    const std::string& name) {
    const torch::Tensor ids = file.tensor(name);
    EXPECT_EQ(ids.scalar_type(), torch::kInt64) << name;
    EXPECT_EQ(ids.sizes(), torch::IntArrayRef({1, 77})) << name;
    const torch::Tensor flat = ids.reshape({-1}).contiguous();
    return std::vector<std::int64_t>(flat.data_ptr<std::int64_t>(),
                                     flat.data_ptr<std::int64_t>() + flat.numel());
}

// A scratch folder removed at the end of the test.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        path = fs::temp_directory_path() /
               ("deadiff_tokenize_" +
                std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return (path / name).string();
    }
};

std::string readAll(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class Error, class F> std::string errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no exception";
    return {};
}

// The oracle's ids come from the official Hugging Face tokenizer (README: prompt ids
// 49406 320 20795 268 27202 1876 then 49407 x71; empty: 49406 then 49407 x76).
TEST(ClipTokenizer, MatchesOracleIdsOfOfficialTokenizer) {
    const auto file =
        deadiff::io::SafetensorsFile::open(deadiff::test::oracleRef("text_encoder.safetensors"));
    const auto prompt = oracleIds(file, "prompt_ids");
    EXPECT_EQ(prompt, concat({49406, 320, 20795, 268, 27202, 1876}, repeat(49407, 71)));
    EXPECT_EQ(bundled().encode("A curly-haired boy").ids, prompt);
    EXPECT_EQ(bundled().encode("").ids, oracleIds(file, "empty_ids"));
    const auto negative = bundled().encode(kNegativePrompt);
    EXPECT_EQ(negative.ids, oracleIds(file, "negative_ids"));
    EXPECT_EQ(negative.fullIds.size(), 57u + 2u); // README: 57 BPE tokens + BOS/EOS
    EXPECT_FALSE(negative.truncated);
}

void expectFixtureCases(const ClipTokenizer& tokenizer) {
    const nlohmann::json fixture = nlohmann::json::parse(readAll(kFixture));
    ASSERT_GE(fixture.at("cases").size(), 20u);
    for (const auto& testCase : fixture.at("cases")) {
        const std::string prompt = testCase.at("prompt").get<std::string>();
        const auto encoding = tokenizer.encode(prompt);
        EXPECT_EQ(encoding.ids, testCase.at("ids").get<std::vector<std::int64_t>>()) << prompt;
        EXPECT_EQ(encoding.fullIds, testCase.at("full_ids").get<std::vector<std::int64_t>>())
            << prompt;
        EXPECT_EQ(encoding.truncated, testCase.at("truncated").get<bool>()) << prompt;
    }
}

// Expected ids from tests/fixtures/tokenize/clip_reference.py, an independent Python
// implementation of openai/CLIP's tokenizer with Hugging Face's text path.
TEST(ClipTokenizer, MatchesIndependentReferenceFromBpeArchive) {
    expectFixtureCases(bundled());
}

TEST(ClipTokenizer, MatchesIndependentReferenceFromVocabJsonAndMerges) {
    const std::string vocab = deadiff::test::sharedDir() + "/vocab";
    const auto tokenizer =
        ClipTokenizer::fromVocabAndMerges(vocab + "/clip_vocab.json", vocab + "/clip_merges.txt");
    EXPECT_EQ(tokenizer.vocabSize(), 49408u);
    expectFixtureCases(tokenizer);
    EXPECT_EQ(ClipTokenizer::load(vocab + "/clip_vocab.json").vocabSize(), 49408u);
}

TEST(ClipTokenizer, DerivesTheFullVocabularyFromTheArchive) {
    EXPECT_EQ(bundled().vocabSize(), 49408u);
    EXPECT_EQ(bundled().startOfTextId(), 49406);
    EXPECT_EQ(bundled().endOfTextId(), 49407);
}

TEST(ClipTokenizer, TruncatesTo75TokensWithEndTokenLast) {
    std::string prompt;
    for (int i = 0; i < 80; ++i)
        prompt += "a ";
    const auto encoding = bundled().encode(prompt);
    ASSERT_EQ(encoding.ids.size(), 77u);
    EXPECT_TRUE(encoding.truncated);
    EXPECT_EQ(encoding.ids, concat(concat({49406}, repeat(320, 75)), {49407}));
    EXPECT_EQ(encoding.fullIds, concat(concat({49406}, repeat(320, 80)), {49407}));
    EXPECT_EQ(bundled().decode({encoding.fullIds.begin() + 76, encoding.fullIds.end() - 1}),
              "a a a a a ");
}

TEST(ClipTokenizer, FtfyFixesChangeTheTokensLikeTheirFixedText) {
    const auto ids = [](const std::string& text) { return bundled().encode(text).ids; };
    EXPECT_EQ(ids("\u201cquoted\u201d it\u2019s"), ids("\"quoted\" it's"));
    EXPECT_EQ(ids("\ufb01ne \ufb02owers"), ids("fine flowers"));
    EXPECT_EQ(ids("\uff21\uff22\uff23 \uff11\uff12"), ids("abc 12"));
    EXPECT_EQ(ids("salt &amp; pepper"), ids("salt & pepper"));
    EXPECT_EQ(ids("cafe\u0301"), ids("caf\u00e9"));
    EXPECT_NE(ids("salt &amp; pepper"), ids("salt amp pepper"));
}

TEST(ClipTokenizer, SplitsSpecialTokensOfTheRawPromptFirst) {
    // Hugging Face cuts "<|endoftext|>" out before the split pattern runs, so "!" stays alone;
    // the pattern alone would have produced the punctuation run "!<|".
    const auto tokens = bundled().tokenize("wow!<|endoftext|>");
    EXPECT_EQ(tokens, (std::vector<std::string>{"wow</w>", "!</w>", "<|endoftext|>"}));
}

TEST(ClipTokenizer, TokenizeAndDecodeRoundTrip) {
    EXPECT_EQ(bundled().tokenize("A curly-haired boy"),
              (std::vector<std::string>{"a</w>", "curly</w>", "-</w>", "haired</w>", "boy</w>"}));
    EXPECT_EQ(bundled().decode(bundled().encode("A curly-haired boy").fullIds),
              "<|startoftext|>a curly - haired boy <|endoftext|>");
    EXPECT_EQ(bundled().decode(bundled().encode("caf\u00e9 \U0001f431").fullIds),
              "<|startoftext|>caf\u00e9 \U0001f431 <|endoftext|>");
}

TEST(ClipTokenizer, IsSafeToShareBetweenThreads) {
    const auto expected = bundled().encode(kNegativePrompt).ids;
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i)
                if (bundled().encode(kNegativePrompt).ids != expected)
                    ++mismatches;
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(mismatches.load(), 0);
}

// Arbitrary bytes (invalid UTF-8, half entities, escapes, quotes) must give well-formed ids.
TEST(ClipTokenizer, ArbitraryBytesGiveWellFormedIds) {
    std::mt19937 random(2024);
    const std::string interesting = "&#;<|>'\x1b[mx \t\n\xc3\xa9\xe2\x80\x9c\xf0\x9f\x90\xb1";
    for (int round = 0; round < 300; ++round) {
        std::string text(random() % 200, '\0');
        for (char& c : text)
            c = random() % 2 ? interesting[random() % interesting.size()]
                             : static_cast<char>(random() % 256);
        const auto encoding = bundled().encode(text);
        ASSERT_EQ(encoding.ids.size(), 77u);
        EXPECT_EQ(encoding.ids.front(), 49406);
        EXPECT_EQ(encoding.fullIds.front(), 49406);
        EXPECT_EQ(encoding.fullIds.back(), 49407);
        EXPECT_EQ(encoding.truncated, encoding.fullIds.size() > 77u);
        if (!encoding.truncated) {
            EXPECT_EQ(encoding.ids[encoding.fullIds.size() - 1], 49407);
        }
        for (const std::int64_t id : encoding.fullIds)
            ASSERT_TRUE(id >= 0 && id < 49408) << id;
    }
}

TEST(ClipTokenizerErrors, MissingVocabularyNamesThePath) {
    const std::string missing = "/nonexistent/deadiff/vocab";
    EXPECT_NE(errorOf<std::runtime_error>([&] { ClipTokenizer::load(missing); }).find(missing),
              std::string::npos);
    ScratchDir dir;
    const std::string message =
        errorOf<std::runtime_error>([&] { ClipTokenizer::load(dir.path.string()); });
    EXPECT_NE(message.find(dir.path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("bpe_simple_vocab_16e6.txt.gz"), std::string::npos) << message;
}

TEST(ClipTokenizerErrors, CorruptArchivesNameTheFile) {
    ScratchDir dir;
    const std::string notGzip = dir.write("bpe_simple_vocab_16e6.txt.gz", "plain text, not gzip");
    std::string message =
        errorOf<deadiff::io::FormatError>([&] { ClipTokenizer::load(dir.path.string()); });
    EXPECT_NE(message.find(notGzip), std::string::npos) << message;

    const std::string real = readAll(kBundledVocab + "/bpe_simple_vocab_16e6.txt.gz");
    const std::string truncated = dir.write("truncated.gz", real.substr(0, real.size() / 2));
    message = errorOf<deadiff::io::FormatError>([&] { ClipTokenizer::fromBpeArchive(truncated); });
    EXPECT_NE(message.find(truncated), std::string::npos) << message;

    std::string flipped = real;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x55);
    const std::string corrupt = dir.write("corrupt.gz", flipped);
    message = errorOf<deadiff::io::FormatError>([&] { ClipTokenizer::fromBpeArchive(corrupt); });
    EXPECT_NE(message.find(corrupt), std::string::npos) << message;
}

TEST(ClipTokenizerErrors, MalformedVocabJsonNamesTheFile) {
    ScratchDir dir;
    const std::string merges = dir.write("merges.txt", "#version: 0.2\na b\n");
    for (const std::string& content :
         {std::string("{\"a\": 1,"), std::string("[1, 2]"), std::string("{\"a\": \"one\"}"),
          std::string("{\"a\": 0, \"b\": 1, \"ab\": 2}")}) {
        const std::string vocab = dir.write("vocab.json", content);
        const std::string message = errorOf<deadiff::io::FormatError>(
            [&] { ClipTokenizer::fromVocabAndMerges(vocab, merges); });
        EXPECT_NE(message.find(vocab), std::string::npos) << content << ": " << message;
    }
}

TEST(ClipTokenizerErrors, MergesThatDoNotFitTheVocabularyNameTheFile) {
    ScratchDir dir;
    const std::string shared = deadiff::test::sharedDir() + "/vocab";
    const std::string vocab = shared + "/clip_vocab.json";
    std::string badLine = "#version: 0.2\ni n\nt h e\n";
    const std::string threeParts = dir.write("merges.txt", badLine);
    std::string message = errorOf<deadiff::io::FormatError>(
        [&] { ClipTokenizer::fromVocabAndMerges(vocab, threeParts); });
    EXPECT_NE(message.find(threeParts), std::string::npos) << message;
    EXPECT_NE(message.find("line 3"), std::string::npos) << message;

    const std::string foreign = dir.write("merges2.txt", "#version: 0.2\nq zzzz\n");
    message = errorOf<deadiff::io::FormatError>(
        [&] { ClipTokenizer::fromVocabAndMerges(vocab, foreign); });
    EXPECT_NE(message.find(foreign), std::string::npos) << message;
}

TEST(VocabLocation, EnvironmentOverrideComesFirst) {
    ScratchDir dir;
    ::setenv("DEADIFF_VOCAB_DIR", dir.path.c_str(), 1);
    const std::string chosen = deadiff::tokenize::defaultVocabDir();
    ::unsetenv("DEADIFF_VOCAB_DIR");
    EXPECT_EQ(chosen, dir.path.string());
}

TEST(VocabLocation, FallsBackToTheSourceTreeAndItsFilesLoad) {
    ::unsetenv("DEADIFF_VOCAB_DIR");
    const auto candidates = deadiff::tokenize::vocabDirCandidates();
    ASSERT_EQ(candidates.size(), 2u);
    EXPECT_EQ(candidates.back(), kBundledVocab);
    const std::string dir = deadiff::tokenize::defaultVocabDir();
    EXPECT_EQ(ClipTokenizer::load(dir).vocabSize(), 49408u);
    EXPECT_TRUE(fs::exists(fs::path(dir) / "LICENSE.openai-CLIP.txt"));
    EXPECT_TRUE(fs::exists(fs::path(dir) / "bert-base-uncased-vocab.txt"));
}

} // namespace
