// Prompt text cleaning as SD 1.5's tokenizer does it (Hugging Face slow CLIPTokenizer with ftfy
// installed): ftfy.fix_text with its default configuration, then whitespace collapse and strip,
// then lower-casing.
//
// Replicated from ftfy 6.1 fix_text (defaults): line-by-line processing, HTML entity decoding
// ("auto": off from the first line that contains '<' on), C1 control characters read as
// Windows-1252, Latin ligatures and digraphs split, full/half-width forms and U+3000 narrowed
// (NFKC on U+FF01..U+FFEF only), curly quotes and U+02BC straightened, line breaks unified,
// ANSI terminal escapes and invisible control characters removed, NFC, all repeated until
// nothing changes.
//
// Not replicated: ftfy's mojibake repair (fix_encoding: re-decoding text that looks like UTF-8
// read as a single-byte code page, e.g. "cafÃ©" -> "café"). ftfy applies it only to text its
// badness heuristic flags, which typed prompts practically never are; such text is tokenized
// as it stands. fix_surrogates has nothing to do: decoded UTF-8 holds no surrogates.
//
// Unicode data comes from ICU (Debian 12: ICU 72, Unicode 15.0); the oracle's Python had
// Unicode 14.0. Only characters new in 15.0 (a few thousand rare ideographs and symbols) could
// be categorised differently.
#pragma once

#include <string>

namespace deadiff::tokenize {

// ftfy.fix_text(text) with ftfy 6.1's defaults, as far as described above.
std::u32string fixText(const std::u32string& text);

// `re.sub(r"\s+", " ", text).strip()` with Python's notion of whitespace (str.isspace). Hugging
// Face runs the `regex` module, whose `\s` lacks U+001C..U+001F; fixText has removed those, so
// on cleaned text the two agree.
std::u32string collapseWhitespace(const std::u32string& text);

// What the CLIP tokenizer splits: collapseWhitespace(fixText(text)), lower-cased.
std::u32string cleanClipText(const std::u32string& text);

} // namespace deadiff::tokenize
