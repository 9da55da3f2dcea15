#include "core/tokenize/unicode_text.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace deadiff::tokenize::unicode {
namespace {

icu::UnicodeString toIcu(const std::u32string& text) {
    return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()),
                                         static_cast<int32_t>(text.size()));
}

std::u32string fromIcu(const icu::UnicodeString& text) {
    std::u32string out;
    out.reserve(static_cast<std::size_t>(text.length()));
    for (int32_t i = 0; i < text.length();) {
        const UChar32 c = text.char32At(i);
        out.push_back(static_cast<char32_t>(c));
        i += U16_LENGTH(c);
    }
    return out;
}

std::u32string normalize(const std::u32string& text, const icu::Normalizer2* (*get)(UErrorCode&),
                         const char* name) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* normalizer = get(status);
    if (U_FAILURE(status))
        throw std::runtime_error(std::string("ICU has no ") + name +
                                 " normaliser: " + u_errorName(status));
    const icu::UnicodeString normalized = normalizer->normalize(toIcu(text), status);
    if (U_FAILURE(status))
        throw std::runtime_error(std::string("ICU ") + name +
                                 " normalisation failed: " + u_errorName(status));
    return fromIcu(normalized);
}

bool inMask(char32_t c, uint32_t mask) {
    return (U_GET_GC_MASK(static_cast<UChar32>(c)) & mask) != 0;
}

} // namespace

std::u32string decodeUtf8(const std::string& utf8) {
    std::u32string out;
    out.reserve(utf8.size());
    const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
    const std::size_t size = utf8.size();
    std::size_t i = 0;
    while (i < size) {
        const unsigned char lead = bytes[i];
        if (lead < 0x80) {
            out.push_back(lead);
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t codePoint = 0;
        char32_t minimum = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2, codePoint = lead & 0x1F, minimum = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3, codePoint = lead & 0x0F, minimum = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4, codePoint = lead & 0x07, minimum = 0x10000;
        }
        bool valid = length != 0 && i + length <= size;
        for (std::size_t k = 1; valid && k < length; ++k) {
            if ((bytes[i + k] & 0xC0) != 0x80)
                valid = false;
            else
                codePoint = (codePoint << 6) | (bytes[i + k] & 0x3F);
        }
        if (valid && (codePoint < minimum || codePoint > 0x10FFFF ||
                      (codePoint >= 0xD800 && codePoint <= 0xDFFF)))
            valid = false;
        if (valid) {
            out.push_back(codePoint);
            i += length;
        } else {
            out.push_back(U'\uFFFD');
            ++i;
        }
    }
    return out;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string encodeUtf8(const std::u32string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char32_t c : text)
        appendUtf8(out, c);
    return out;
}

std::u32string normalizeNfc(const std::u32string& text) {
    return normalize(text, &icu::Normalizer2::getNFCInstance, "NFC");
}
std::u32string normalizeNfd(const std::u32string& text) {
    return normalize(text, &icu::Normalizer2::getNFDInstance, "NFD");
}
std::u32string normalizeNfkc(const std::u32string& text) {
    return normalize(text, &icu::Normalizer2::getNFKCInstance, "NFKC");
}

std::u32string toLower(const std::u32string& text) {
    icu::UnicodeString icuText = toIcu(text);
    icuText.toLower(icu::Locale::getRoot());
    return fromIcu(icuText);
}

bool isLetter(char32_t c) {
    return inMask(c, U_GC_L_MASK);
}
bool isNumber(char32_t c) {
    return inMask(c, U_GC_N_MASK);
}
bool isNonspacingMark(char32_t c) {
    return inMask(c, U_GC_MN_MASK);
}
bool isPunctuationCategory(char32_t c) {
    return inMask(c, U_GC_P_MASK);
}
bool isSpaceSeparator(char32_t c) {
    return inMask(c, U_GC_ZS_MASK);
}
bool isControlOrFormat(char32_t c) {
    return inMask(c, U_GC_CC_MASK | U_GC_CF_MASK);
}

bool isPythonSpace(char32_t c) {
    switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x1C:
    case 0x1D:
    case 0x1E:
    case 0x1F:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

} // namespace deadiff::tokenize::unicode
