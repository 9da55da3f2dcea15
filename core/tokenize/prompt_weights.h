// Prompt emphasis and long prompts as AUTOMATIC1111's web UI reads them (modules/prompt_parser.py
// parse_prompt_attention, modules/sd_hijack_clip.py tokenize_line, modules/sd_emphasis.py
// "Original"), so prompts written for A1111 mean the same here:
//   (word) ×1.1, ((word)) ×1.21, (word:1.3) ×1.3, [word] ÷1.1, \( \) \[ \] \\ literal characters,
//   unbalanced brackets close at the end, BREAK starts a new 75-token chunk;
//   a prompt of more than 75 tokens becomes several 77-token chunks (start, 75, end), each encoded
//   by CLIP on its own and concatenated: the UNet then reads 77·k text tokens.
// Torch-free (the studio's token counter uses it); the embedding side is applyEmphasis in
// core/pipeline/text_conditioning.h.
#pragma once

#include "core/tokenize/clip_tokenizer.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::tokenize {

// A piece of prompt text and its attention multiplier. A BREAK is the text "BREAK" with weight
// -1 exactly, as A1111 marks it (a BREAK inside brackets gets multiplied and is then plain text,
// as there).
struct WeightedText {
    std::string text;
    double weight = 1.0;

    bool isBreak() const { return weight == -1.0 && text == "BREAK"; }
    bool operator==(const WeightedText& other) const {
        return text == other.text && weight == other.weight;
    }
};

// A weight such as "(word:1.2.3)" that is not a number (A1111 fails on it too).
class PromptSyntaxError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// parse_prompt_attention: the pieces in order, neighbours with equal weights merged; [{"", 1}]
// for an empty prompt. Throws PromptSyntaxError for a weight that is not a number.
std::vector<WeightedText> parsePromptAttention(const std::string& prompt);

// One 77-token chunk: start, 75 prompt or padding tokens, end; a multiplier per token (1 for
// start, end and padding).
struct PromptChunk {
    std::vector<std::int64_t> ids;
    std::vector<double> multipliers;
};

struct WeightedPrompt {
    std::vector<PromptChunk> chunks; // at least one
    // A1111's count: 75 per finished chunk plus the tokens of the last one (what its counter
    // shows against 75·chunks).
    int tokenCount = 0;
    int tokenLimit() const { return static_cast<int>(chunks.size()) * kTokensPerChunk; }

    static constexpr int kTokensPerChunk = ClipTokenizer::kMaxPromptTokens;
};

struct ChunkOptions {
    // A1111's "comma_padding_backtrack" (default 20): when a chunk fills up and its last comma is
    // at most this many tokens back, the words after that comma move to the next chunk; 0: never.
    int commaBacktrack = 20;
    // Keep only the first N chunks (0: all). With N = 1 and no backtracking the one chunk is the
    // plain CLIP encoding cut after 75 tokens (what SD's own FrozenCLIPEmbedder does).
    int maxChunks = 0;
};

// How a model that reads `promptChunks` chunks (ModelFacts::promptChunks; 0: all) lays a prompt
// out: A1111's chunks for 0, else the first N chunks without comma backtracking.
ChunkOptions chunkOptionsFor(int promptChunks);

// tokenize_line: the prompt's pieces tokenized one by one (no start/end, no truncation) and laid
// into chunks with their multipliers. Throws PromptSyntaxError as parsePromptAttention does.
WeightedPrompt weightPrompt(const ClipTokenizer& tokenizer, const std::string& prompt,
                            const ChunkOptions& options = {});

} // namespace deadiff::tokenize
