// Prompt emphasis and 75-token chunks against an independent transcription of A1111
// (tests/fixtures/prompt/a1111_prompt_reference.py: parse_prompt_attention, tokenize_line,
// EmphasisOriginal), whose outputs are committed in a1111_expected.json.
#include "core/pipeline/text_conditioning.h"
#include "core/tokenize/prompt_weights.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace deadiff::tokenize {
namespace {

const std::string kFixtureDir = DEADIFF_TEST_FIXTURES_DIR "/prompt";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const nlohmann::json& expected() {
    static const nlohmann::json json =
        nlohmann::json::parse(readFile(kFixtureDir + "/a1111_expected.json"));
    return json;
}

const ClipTokenizer& clip() {
    static const ClipTokenizer tokenizer =
        ClipTokenizer::load(DEADIFF_SOURCE_DIR "/resources/vocab");
    return tokenizer;
}

TEST(PromptWeights, ParsesAsTheA1111Transcription) {
    ASSERT_GE(expected().at("parse").size(), 20u);
    for (const auto& entry : expected().at("parse")) {
        const std::string prompt = entry.at("prompt");
        SCOPED_TRACE(prompt);
        if (entry.contains("error")) {
            EXPECT_THROW(parsePromptAttention(prompt), PromptSyntaxError);
            continue;
        }
        std::vector<WeightedText> want;
        for (const auto& piece : entry.at("pieces"))
            want.push_back({piece.at(0).get<std::string>(), piece.at(1).get<double>()});
        // The same products in the same order: the weights agree to the last bit.
        EXPECT_EQ(parsePromptAttention(prompt), want);
    }
}

TEST(PromptWeights, ChunksAsTheA1111Transcription) {
    ASSERT_GE(expected().at("chunks").size(), 10u);
    for (const auto& entry : expected().at("chunks")) {
        const std::string prompt = entry.at("prompt");
        SCOPED_TRACE(prompt);
        const WeightedPrompt weighted = weightPrompt(clip(), prompt);
        EXPECT_EQ(weighted.tokenCount, entry.at("token_count").get<int>());
        ASSERT_EQ(weighted.chunks.size(), entry.at("chunks").size());
        for (std::size_t i = 0; i < weighted.chunks.size(); ++i) {
            EXPECT_EQ(weighted.chunks[i].ids,
                      entry.at("chunks")[i].at("ids").get<std::vector<std::int64_t>>());
            EXPECT_EQ(weighted.chunks[i].multipliers,
                      entry.at("chunks")[i].at("multipliers").get<std::vector<double>>());
        }
    }
}

TEST(PromptWeights, PlainShortPromptIsTheTokenizersOwnEncoding) {
    for (const std::string prompt : {"a lighthouse on a cliff at dusk", "", "x, y, z"}) {
        const WeightedPrompt weighted = weightPrompt(clip(), prompt);
        ASSERT_EQ(weighted.chunks.size(), 1u);
        EXPECT_EQ(weighted.chunks[0].ids, clip().encode(prompt).ids);
        EXPECT_EQ(weighted.chunks[0].multipliers, std::vector<double>(77, 1.0));
        EXPECT_EQ(weighted.tokenLimit(), 75);
    }
    // Over 75 tokens nothing is cut: the second chunk holds the rest.
    const WeightedPrompt longer = weightPrompt(clip(), std::string(300, 'x') + " tail");
    EXPECT_EQ(longer.chunks.size(), 2u);
    EXPECT_EQ(longer.tokenLimit(), 150);
    EXPECT_GT(longer.tokenCount, 75);
}

// EmphasisOriginal on the transcription's synthetic z (exact in float32): scaled per token,
// then rescaled to the original mean.
TEST(PromptWeights, EmphasisMovesTheEmbeddingsAsTheTranscriptionSays) {
    const int channels = expected().at("emphasis_channels");
    ASSERT_GE(expected().at("emphasis").size(), 3u);
    for (const auto& entry : expected().at("emphasis")) {
        const auto multipliers = entry.at("multipliers").get<std::vector<double>>();
        const auto tokens = static_cast<std::int64_t>(multipliers.size());
        torch::Tensor z = torch::empty({1, tokens, channels});
        for (std::int64_t t = 0; t < tokens; ++t)
            for (std::int64_t c = 0; c < channels; ++c)
                z[0][t][c] = static_cast<double>((t * 7 + c * 13) % 17 - 5) / 8.0;
        const torch::Tensor ours = pipeline::applyEmphasis(z, multipliers);
        const auto want = entry.at("z").get<std::vector<std::vector<double>>>();
        torch::Tensor reference = torch::empty({1, tokens, channels}, torch::kDouble);
        for (std::int64_t t = 0; t < tokens; ++t)
            for (std::int64_t c = 0; c < channels; ++c)
                reference[0][t][c] = want[static_cast<std::size_t>(t)][static_cast<std::size_t>(c)];
        const double scale = reference.abs().max().item<double>();
        EXPECT_LT((ours.to(torch::kDouble) - reference).abs().max().item<double>() / scale, 1e-6);
        // Emphasis moved the weighted tokens away from the unweighted z.
        EXPECT_GT((ours - z).abs().max().item<double>(), 1e-3);
    }
    const torch::Tensor plain = torch::randn({1, 77, 4});
    EXPECT_TRUE(torch::equal(pipeline::applyEmphasis(plain, std::vector<double>(77, 1.0)), plain));
    EXPECT_THROW(pipeline::applyEmphasis(plain, {1.0, 1.1}), std::invalid_argument);
}

// The committed fixture is what the transcription prints (run when python3 has `regex`).
TEST(PromptWeights, FixtureIsTheTranscriptionsOutput) {
    if (std::system("python3 -c 'import regex' > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "python3 with the regex module (apt-get install python3-regex) is needed "
                        "to rerun tests/fixtures/prompt/a1111_prompt_reference.py";
    const test::ProcessResult run =
        test::runProcess({"/usr/bin/env", "python3", kFixtureDir + "/a1111_prompt_reference.py",
                          test::sharedDir() + "/vocab/bpe_simple_vocab_16e6.txt.gz"});
    ASSERT_EQ(run.exitCode, 0) << run.err;
    EXPECT_EQ(nlohmann::json::parse(run.out), expected());
}

} // namespace
} // namespace deadiff::tokenize
