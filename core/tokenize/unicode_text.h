// Unicode helpers the tokenizers share. Code points are char32_t; properties come from ICU so
// that categories and normalisation follow the Unicode standard rather than hand tables.
#pragma once

#include <string>

namespace deadiff::tokenize::unicode {

// Decodes UTF-8. Bytes that do not form a valid sequence become U+FFFD each, as Python's
// `errors="replace"` does, so no input is ever rejected or read past its end.
std::u32string decodeUtf8(const std::string& utf8);
std::string encodeUtf8(const std::u32string& text);
void appendUtf8(std::string& out, char32_t codePoint);

std::u32string normalizeNfc(const std::u32string& text);
std::u32string normalizeNfd(const std::u32string& text);
std::u32string normalizeNfkc(const std::u32string& text);

// Python's str.lower(): full case mapping (SpecialCasing, e.g. U+0130 -> "i\u0307") with the
// Final_Sigma rule; ICU's root-locale lower-casing implements the same mapping.
std::u32string toLower(const std::u32string& text);

bool isLetter(char32_t c);              // \p{L}
bool isNumber(char32_t c);              // \p{N}
bool isNonspacingMark(char32_t c);      // Mn
bool isPunctuationCategory(char32_t c); // P*
bool isSpaceSeparator(char32_t c);      // Zs
bool isControlOrFormat(char32_t c);     // Cc or Cf

// Python's str.isspace() (bidi class WS, B or S, or category Zs; the 29 code points of
// Unicode 14-15). Python's `re` `\s`, str.split() and str.strip() use it; it differs from
// ICU's White_Space (it also holds U+001C..U+001F), so it is spelled out.
bool isPythonSpace(char32_t c);

} // namespace deadiff::tokenize::unicode
