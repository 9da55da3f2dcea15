#include "core/tokenize/text_cleaning.h"

#include "core/tokenize/unicode_text.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace deadiff::tokenize {
namespace {

struct HtmlEntity {
    const char* name; // "&name;"
    const char* text; // UTF-8
};

const HtmlEntity kHtmlEntities[] = {
#include "core/tokenize/html_entities.inc"
};

// Windows-1252 for bytes 0x80..0x9F; ftfy's "sloppy" variant and Python's html.unescape keep
// the five undefined bytes as the C1 code point itself.
const char32_t kWindows1252C1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

bool isAsciiAlnum(char32_t c) {
    return (c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}

bool isAsciiDigit(char32_t c) {
    return c >= U'0' && c <= U'9';
}

int hexValue(char32_t c) {
    if (c >= U'0' && c <= U'9')
        return static_cast<int>(c - U'0');
    if (c >= U'a' && c <= U'f')
        return static_cast<int>(c - U'a' + 10);
    if (c >= U'A' && c <= U'F')
        return static_cast<int>(c - U'A' + 10);
    return -1;
}

// Python's html.unescape for a complete numeric reference: the replacement text.
std::u32string numericCharref(unsigned long long value) {
    if (value == 0)
        return U"\uFFFD";
    if (value == 0x0D)
        return U"\r";
    if (value >= 0x80 && value <= 0x9F)
        return std::u32string(1, kWindows1252C1[value - 0x80]);
    if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
        return U"\uFFFD";
    const auto c = static_cast<char32_t>(value);
    const bool invalid = (c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
                         (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
                         (c & 0xFFFE) == 0xFFFE;
    if (invalid)
        return U"";
    return std::u32string(1, c);
}

// ftfy's _unescape_fixup for one match of `&#?[0-9A-Za-z]{1,24};`; false = leave it as is.
bool unescapeEntity(const std::u32string& entity, std::u32string& replacement) {
    const std::string ascii = unicode::encodeUtf8(entity); // all ASCII by construction
    const auto* end = std::end(kHtmlEntities);
    const auto* found = std::lower_bound(std::begin(kHtmlEntities), end, ascii,
                                         [](const HtmlEntity& e, const std::string& key) {
                                             return std::strcmp(e.name, key.c_str()) < 0;
                                         });
    if (found != end && ascii == found->name) {
        replacement = unicode::decodeUtf8(found->text);
        return true;
    }
    if (entity.size() < 4 || entity[1] != U'#')
        return false;
    // Only a reference html.unescape consumes up to the ';' is decoded: ftfy keeps the entity
    // when a ';' survives unescaping.
    const std::u32string body = entity.substr(2, entity.size() - 3);
    unsigned long long value = 0;
    const auto saturatingAdd = [&value](unsigned base, int digit) {
        value = value > 0x10FFFFull * 16 ? value : value * base + static_cast<unsigned>(digit);
    };
    if (body[0] == U'x' || body[0] == U'X') {
        if (body.size() < 2)
            return false;
        for (std::size_t i = 1; i < body.size(); ++i) {
            const int digit = hexValue(body[i]);
            if (digit < 0)
                return false;
            saturatingAdd(16, digit);
        }
    } else {
        for (const char32_t c : body) {
            if (!isAsciiDigit(c))
                return false;
            saturatingAdd(10, static_cast<int>(c - U'0'));
        }
    }
    replacement = numericCharref(value);
    return replacement.find(U';') == std::u32string::npos;
}

std::u32string unescapeHtml(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == U'&') {
            std::size_t j = i + 1;
            if (j < text.size() && text[j] == U'#')
                ++j;
            std::size_t k = j;
            while (k < text.size() && k - j < 25 && isAsciiAlnum(text[k]))
                ++k;
            const std::size_t runLength = k - j;
            if (runLength >= 1 && runLength <= 24 && k < text.size() && text[k] == U';') {
                const std::u32string entity = text.substr(i, k + 1 - i);
                std::u32string replacement;
                out += unescapeEntity(entity, replacement) ? replacement : entity;
                i = k + 1;
                continue;
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

std::u32string fixC1Controls(const std::u32string& text) {
    std::u32string out = text;
    for (char32_t& c : out)
        if (c >= 0x80 && c <= 0x9F)
            c = kWindows1252C1[c - 0x80];
    return out;
}

std::u32string fixLatinLigatures(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    for (const char32_t c : text) {
        switch (c) {
        case 0x0132:
            out += U"IJ";
            break;
        case 0x0133:
            out += U"ij";
            break;
        case 0x0149:
            out += U"\u02BCn";
            break;
        case 0x01F1:
            out += U"DZ";
            break;
        case 0x01F2:
            out += U"Dz";
            break;
        case 0x01F3:
            out += U"dz";
            break;
        case 0x01C4:
            out += U"D\u017D";
            break;
        case 0x01C5:
            out += U"D\u017E";
            break;
        case 0x01C6:
            out += U"d\u017E";
            break;
        case 0x01C7:
            out += U"LJ";
            break;
        case 0x01C8:
            out += U"Lj";
            break;
        case 0x01C9:
            out += U"lj";
            break;
        case 0x01CA:
            out += U"NJ";
            break;
        case 0x01CB:
            out += U"Nj";
            break;
        case 0x01CC:
            out += U"nj";
            break;
        case 0xFB00:
            out += U"ff";
            break;
        case 0xFB01:
            out += U"fi";
            break;
        case 0xFB02:
            out += U"fl";
            break;
        case 0xFB03:
            out += U"ffi";
            break;
        case 0xFB04:
            out += U"ffl";
            break;
        case 0xFB05:
            out += U"\u017Ft";
            break;
        case 0xFB06:
            out += U"st";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

std::u32string fixCharacterWidth(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    for (const char32_t c : text) {
        if (c == 0x3000)
            out.push_back(U' ');
        else if (c >= 0xFF01 && c < 0xFFF0)
            out += unicode::normalizeNfkc(std::u32string(1, c));
        else
            out.push_back(c);
    }
    return out;
}

std::u32string uncurlQuotes(const std::u32string& text) {
    std::u32string out = text;
    for (char32_t& c : out) {
        if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B))
            c = U'\'';
        else if (c >= 0x201C && c <= 0x201F)
            c = U'"';
    }
    return out;
}

std::u32string fixLineBreaks(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char32_t c = text[i];
        if (c == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n')
            continue; // the '\n' follows
        out.push_back(c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85 ? U'\n' : c);
    }
    return out;
}

// `\033\[((?:\d|;)*)([a-zA-Z])` -> ""; `\d` is any Unicode decimal digit, as in Python's re.
std::u32string removeTerminalEscapes(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == U'[') {
            std::size_t k = i + 2;
            while (k < text.size() && (text[k] == U';' || u_charType(static_cast<UChar32>(
                                                              text[k])) == U_DECIMAL_DIGIT_NUMBER))
                ++k;
            if (k < text.size() && text[k] < 0x80 &&
                ((text[k] >= U'a' && text[k] <= U'z') || (text[k] >= U'A' && text[k] <= U'Z'))) {
                i = k + 1;
                continue;
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

std::u32string removeControlChars(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    for (const char32_t c : text) {
        const bool control = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
                             (c >= 0x206A && c <= 0x206F) || c == 0xFEFF ||
                             (c >= 0xFFF9 && c <= 0xFFFC);
        if (!control)
            out.push_back(c);
    }
    return out;
}

// ftfy's fix_and_explain for one segment (fix_encoding excepted, see the header).
std::u32string fixSegment(std::u32string text, bool unescape) {
    while (true) {
        const std::u32string original = text;
        if (unescape)
            text = unescapeHtml(text);
        text = fixC1Controls(text);
        text = fixLatinLigatures(text);
        text = fixCharacterWidth(text);
        text = uncurlQuotes(text);
        text = fixLineBreaks(text);
        text = removeTerminalEscapes(text);
        text = removeControlChars(text);
        text = unicode::normalizeNfc(text);
        if (text == original)
            return text;
    }
}

} // namespace

std::u32string fixText(const std::u32string& text) {
    constexpr std::size_t kMaxDecodeLength = 1000000; // ftfy's max_decode_length
    std::u32string out;
    bool unescape = true; // "auto", until a line contains '<'
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t newline = text.find(U'\n', pos);
        std::size_t textBreak = newline == std::u32string::npos ? text.size() : newline + 1;
        if (textBreak - pos > kMaxDecodeLength)
            textBreak = pos + kMaxDecodeLength;
        const std::u32string segment = text.substr(pos, textBreak - pos);
        if (unescape && segment.find(U'<') != std::u32string::npos)
            unescape = false;
        out += fixSegment(segment, unescape);
        pos = textBreak;
    }
    return out;
}

std::u32string collapseWhitespace(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (const char32_t c : text) {
        if (unicode::isPythonSpace(c)) {
            pendingSpace = true;
            continue;
        }
        if (pendingSpace && !out.empty())
            out.push_back(U' ');
        pendingSpace = false;
        out.push_back(c);
    }
    return out;
}

std::u32string cleanClipText(const std::u32string& text) {
    return unicode::toLower(collapseWhitespace(fixText(text)));
}

} // namespace deadiff::tokenize
