#include "core/tokenize/prompt_weights.h"

#include "core/tokenize/unicode_text.h"

#include <cstdlib>
#include <optional>

namespace deadiff::tokenize {
namespace {

constexpr double kRoundBracketMultiplier = 1.1;
constexpr double kSquareBracketMultiplier = 1 / 1.1;

// One match of A1111's `re_attention` alternation, tried in its order at each position; the
// alternatives cover every character, so the matches tile the prompt.
struct AttentionToken {
    std::string text;
    std::optional<std::string> weight; // the number of ":1.3)"
};

bool isDigitOrDot(char c) {
    return (c >= '0' && c <= '9') || c == '.';
}

bool isSpecial(char c) {
    return c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ':';
}

AttentionToken nextToken(const std::string& text, std::size_t& at) {
    const std::size_t start = at;
    const char c = text[at];
    if (c == '\\') {
        const bool escapes = at + 1 < text.size() &&
                             (text[at + 1] == '(' || text[at + 1] == ')' || text[at + 1] == '[' ||
                              text[at + 1] == ']' || text[at + 1] == '\\');
        at += escapes ? 2 : 1;
        return {text.substr(start, at - start), std::nullopt};
    }
    if (c == '(' || c == '[' || c == ')' || c == ']') {
        ++at;
        return {std::string(1, c), std::nullopt};
    }
    if (c == ':') {
        // `:([+-]?[.\d]+)\)`: the run of digits and dots must be followed by ')'.
        std::size_t end = at + 1;
        if (end < text.size() && (text[end] == '+' || text[end] == '-'))
            ++end;
        const std::size_t numberStart = end;
        while (end < text.size() && isDigitOrDot(text[end]))
            ++end;
        if (end > numberStart && end < text.size() && text[end] == ')') {
            at = end + 1;
            return {text.substr(start, at - start), text.substr(start + 1, end - start - 1)};
        }
        ++at;
        return {":", std::nullopt};
    }
    while (at < text.size() && !isSpecial(text[at]))
        ++at;
    return {text.substr(start, at - start), std::nullopt};
}

// Python's `\w` on str patterns: letters, digits and other numerics, and the underscore.
bool isWordCharacter(char32_t c) {
    return c == U'_' || unicode::isLetter(c) || unicode::isNumber(c);
}

// re.split(r"\s*\bBREAK\b\s*", text): the pieces between BREAK keywords (with the whitespace
// around each keyword).
std::vector<std::string> splitAtBreaks(const std::string& utf8) {
    const std::u32string text = unicode::decodeUtf8(utf8);
    static const std::u32string keyword = U"BREAK";
    std::vector<std::string> parts;
    std::size_t pieceStart = 0;
    std::size_t search = 0;
    while (search < text.size()) {
        const std::size_t found = text.find(keyword, search);
        if (found == std::u32string::npos)
            break;
        const std::size_t after = found + keyword.size();
        const bool boundaryBefore = found == 0 || !isWordCharacter(text[found - 1]);
        const bool boundaryAfter = after == text.size() || !isWordCharacter(text[after]);
        if (!boundaryBefore || !boundaryAfter) {
            search = found + 1;
            continue;
        }
        // The match starts where the whitespace run before the keyword starts, but not before
        // the end of the previous match (the leftmost match a regex search finds).
        std::size_t matchStart = found;
        while (matchStart > pieceStart && unicode::isPythonSpace(text[matchStart - 1]))
            --matchStart;
        std::size_t matchEnd = after;
        while (matchEnd < text.size() && unicode::isPythonSpace(text[matchEnd]))
            ++matchEnd;
        parts.push_back(unicode::encodeUtf8(text.substr(pieceStart, matchStart - pieceStart)));
        pieceStart = matchEnd;
        search = matchEnd;
    }
    parts.push_back(unicode::encodeUtf8(text.substr(pieceStart)));
    return parts;
}

double parseWeight(const std::string& number) {
    // Python's float() on `[+-]?[.\d]+`: strtod agrees wherever float() succeeds; "1.2.3" and "."
    // are rejected by both.
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size())
        throw PromptSyntaxError("the emphasis weight '" + number + "' is not a number");
    return value;
}

} // namespace

std::vector<WeightedText> parsePromptAttention(const std::string& prompt) {
    std::vector<WeightedText> result;
    std::vector<std::size_t> roundBrackets;
    std::vector<std::size_t> squareBrackets;
    const auto multiplyRange = [&](std::size_t start, double multiplier) {
        for (std::size_t p = start; p < result.size(); ++p)
            result[p].weight *= multiplier;
    };

    std::size_t at = 0;
    while (at < prompt.size()) {
        const AttentionToken token = nextToken(prompt, at);
        if (token.text[0] == '\\') {
            result.push_back({token.text.substr(1), 1.0});
        } else if (token.text == "(") {
            roundBrackets.push_back(result.size());
        } else if (token.text == "[") {
            squareBrackets.push_back(result.size());
        } else if (token.weight && !roundBrackets.empty()) {
            const double weight = parseWeight(*token.weight);
            multiplyRange(roundBrackets.back(), weight);
            roundBrackets.pop_back();
        } else if (token.text == ")" && !roundBrackets.empty()) {
            multiplyRange(roundBrackets.back(), kRoundBracketMultiplier);
            roundBrackets.pop_back();
        } else if (token.text == "]" && !squareBrackets.empty()) {
            multiplyRange(squareBrackets.back(), kSquareBracketMultiplier);
            squareBrackets.pop_back();
        } else {
            const std::vector<std::string> parts = splitAtBreaks(token.text);
            for (std::size_t i = 0; i < parts.size(); ++i) {
                if (i > 0)
                    result.push_back({"BREAK", -1.0});
                result.push_back({parts[i], 1.0});
            }
        }
    }
    for (const std::size_t position : roundBrackets)
        multiplyRange(position, kRoundBracketMultiplier);
    for (const std::size_t position : squareBrackets)
        multiplyRange(position, kSquareBracketMultiplier);

    if (result.empty())
        result.push_back({"", 1.0});
    for (std::size_t i = 0; i + 1 < result.size();) {
        if (result[i].weight == result[i + 1].weight) {
            result[i].text += result[i + 1].text;
            result.erase(result.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        } else {
            ++i;
        }
    }
    return result;
}

ChunkOptions chunkOptionsFor(int promptChunks) {
    ChunkOptions options;
    if (promptChunks > 0) {
        options.commaBacktrack = 0;
        options.maxChunks = promptChunks;
    }
    return options;
}

WeightedPrompt weightPrompt(const ClipTokenizer& tokenizer, const std::string& prompt,
                            const ChunkOptions& options) {
    constexpr std::size_t kChunk = WeightedPrompt::kTokensPerChunk;
    const std::int64_t start = tokenizer.startOfTextId();
    const std::int64_t end = tokenizer.endOfTextId();
    // The comma A1111 backtracks to is the vocabulary's ",</w>"; a small vocabulary may lack it.
    std::optional<std::int64_t> comma;
    if (tokenizer.tokenize(",") == std::vector<std::string>{",</w>"})
        comma = tokenizer.encode(",").fullIds.at(1);

    WeightedPrompt result;
    PromptChunk chunk;
    int lastComma = -1;
    const auto nextChunk = [&](bool isLast) {
        result.tokenCount += isLast ? static_cast<int>(chunk.ids.size()) : static_cast<int>(kChunk);
        chunk.ids.resize(kChunk, end);
        chunk.multipliers.resize(kChunk, 1.0);
        chunk.ids.insert(chunk.ids.begin(), start);
        chunk.ids.push_back(end);
        chunk.multipliers.insert(chunk.multipliers.begin(), 1.0);
        chunk.multipliers.push_back(1.0);
        lastComma = -1;
        result.chunks.push_back(std::move(chunk));
        chunk = PromptChunk();
    };

    for (const WeightedText& piece : parsePromptAttention(prompt)) {
        if (piece.isBreak()) {
            nextChunk(false);
            continue;
        }
        const std::vector<std::int64_t> full = tokenizer.encode(piece.text).fullIds;
        for (std::size_t position = 1; position + 1 < full.size(); ++position) {
            const std::int64_t token = full[position];
            if (comma && token == *comma) {
                lastComma = static_cast<int>(chunk.ids.size());
            } else if (options.commaBacktrack != 0 && chunk.ids.size() == kChunk &&
                       lastComma != -1 &&
                       static_cast<int>(chunk.ids.size()) - lastComma <= options.commaBacktrack) {
                const auto breakAt = static_cast<std::ptrdiff_t>(lastComma + 1);
                PromptChunk moved;
                moved.ids.assign(chunk.ids.begin() + breakAt, chunk.ids.end());
                moved.multipliers.assign(chunk.multipliers.begin() + breakAt,
                                         chunk.multipliers.end());
                chunk.ids.resize(static_cast<std::size_t>(breakAt));
                chunk.multipliers.resize(static_cast<std::size_t>(breakAt));
                nextChunk(false);
                chunk = std::move(moved);
            }
            if (chunk.ids.size() == kChunk)
                nextChunk(false);
            chunk.ids.push_back(token);
            chunk.multipliers.push_back(piece.weight);
        }
    }
    if (!chunk.ids.empty() || result.chunks.empty())
        nextChunk(true);
    if (options.maxChunks > 0 && result.chunks.size() > static_cast<std::size_t>(options.maxChunks))
        result.chunks.resize(static_cast<std::size_t>(options.maxChunks));
    return result;
}

} // namespace deadiff::tokenize
