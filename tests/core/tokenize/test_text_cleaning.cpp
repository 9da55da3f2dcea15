// ftfy behaviour: the expected strings are ftfy 6.1's own documented examples (docstrings of
// ftfy.fix_text and ftfy.fixes) or follow from its source as cited.
#include "core/tokenize/text_cleaning.h"
#include "core/tokenize/unicode_text.h"

#include <gtest/gtest.h>

namespace {

using deadiff::tokenize::cleanClipText;
using deadiff::tokenize::collapseWhitespace;
namespace unicode = deadiff::tokenize::unicode;

std::string fix(const std::string& utf8) {
    return unicode::encodeUtf8(deadiff::tokenize::fixText(unicode::decodeUtf8(utf8)));
}

TEST(TextCleaning, UncurlsQuotesAsFtfyDocuments) {
    EXPECT_EQ(fix("\u201chere\u2019s a test\u201d"), "\"here's a test\"");
    EXPECT_EQ(fix("don\u02bct \u201a\u201b \u201e\u201f"), "don't '' \"\"");
}

TEST(TextCleaning, UnescapesHtmlEntitiesAsFtfyDocuments) {
    EXPECT_EQ(fix("&lt;tag&gt;"), "<tag>");
    EXPECT_EQ(fix("P&eacute;rez"), "P\u00e9rez");
    EXPECT_EQ(fix("P&EACUTE;REZ"), "P\u00c9REZ");
    EXPECT_EQ(fix("BUNDESSTRA&SZLIG;E"), "BUNDESSTRASSE");
    EXPECT_EQ(fix("&ntilde; &Ntilde; &NTILDE; &nTILDE;"), "\u00f1 \u00d1 \u00d1 &nTILDE;");
    EXPECT_EQ(fix("&Jscr;ohn &HilbertSpace;ancock"), "\U0001d4a5ohn \u210bancock");
    EXPECT_EQ(fix("&checkmark;"), "\u2713");
    // fix_text's docstring: everything repeats until nothing changes.
    EXPECT_EQ(fix("&amp;amp;"), "&");
}

TEST(TextCleaning, NumericEntitiesFollowPythonHtmlUnescape) {
    EXPECT_EQ(fix("&#65;&#x42;&#X43;"), "ABC");
    EXPECT_EQ(fix("&#x2019;s"), "'s");  // decoded, then uncurled in the same pass
    EXPECT_EQ(fix("&#150;"), "\u2013"); // HTML5: 0x80..0x9F are Windows-1252
    EXPECT_EQ(fix("&#59;"), "&#59;");   // a ';' survives, so ftfy keeps the entity
    EXPECT_EQ(fix("&#12ab;"), "&#12ab;");
    EXPECT_EQ(fix("&#99999999999999999999;"), "\ufffd");
    EXPECT_EQ(fix("&nosuchentity;"), "&nosuchentity;");
    EXPECT_EQ(fix("&amp"), "&amp"); // no ';'
}

TEST(TextCleaning, KeepsEntitiesFromTheFirstLineWithAngleBracketOn) {
    // unescape_html="auto": off as soon as a line holds '<', for that line and all after it.
    EXPECT_EQ(fix("a &amp; b\n<i> &amp;\nc &amp; d"), "a & b\n<i> &amp;\nc &amp; d");
    EXPECT_EQ(fix("<b>&amp;</b>"), "<b>&amp;</b>");
}

TEST(TextCleaning, SplitsLigaturesAsFtfyDocuments) {
    EXPECT_EQ(fix("\ufb02u\ufb03e\ufb06"), "fluffiest");
    EXPECT_EQ(fix("\u0133 \u01c6"), "ij d\u017e");
    EXPECT_EQ(fix("\u00e6"), "\u00e6"); // kept: often intentional
}

TEST(TextCleaning, NarrowsFullAndHalfWidthFormsAsFtfyDocuments) {
    EXPECT_EQ(fix("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33"),
              "LOUD NOISES");
    EXPECT_EQ(fix("\uff35\uff80\uff70\uff9d"), "U\u30bf\u30fc\u30f3");
}

TEST(TextCleaning, RemovesTerminalEscapesAsFtfyDocuments) {
    EXPECT_EQ(fix("\x1b[36;44mI'm blue, da ba dee da ba doo...\x1b[0m"),
              "I'm blue, da ba dee da ba doo...");
}

TEST(TextCleaning, FixesLineBreaksAsFtfyDocuments) {
    EXPECT_EQ(fix("This string is made of two things:\u2029 1. Unicode\u2028 2. Spite"),
              "This string is made of two things:\n 1. Unicode\n 2. Spite");
    EXPECT_EQ(fix("a\r\nb\rc"), "a\nb\nc");
}

TEST(TextCleaning, ReadsC1ControlsAsWindows1252BeforeLineBreaks) {
    // fix_c1_controls runs before fix_line_breaks, so U+0085 becomes an ellipsis.
    EXPECT_EQ(fix("\u0093quoted\u0094 \u0085"), "\"quoted\" \u2026");
    EXPECT_EQ(fix("\u0080"), "\u20ac");
}

TEST(TextCleaning, RemovesInvisibleControlCharacters) {
    EXPECT_EQ(fix("\ufeffhe\x07llo\x0b \u206a!"), "hello !");
    EXPECT_EQ(fix("tab\tform\x0c"), "tab\tform\x0c");     // whitespace controls stay
    EXPECT_EQ(fix("zero\u200bwidth"), "zero\u200bwidth"); // not in ftfy's list
}

TEST(TextCleaning, NormalisesToNfc) {
    EXPECT_EQ(fix("cafe\u0301"), "caf\u00e9");
    EXPECT_EQ(fix("\u212b"), "\u00c5"); // Angstrom sign: canonical singleton
    EXPECT_EQ(fix("\u2460"), "\u2460"); // NFKC would make it "1"; NFC keeps it
}

TEST(TextCleaning, ReplacesInvalidUtf8WithReplacementCharacter) {
    EXPECT_EQ(unicode::encodeUtf8(unicode::decodeUtf8(std::string("a\xff\xc3(b", 5))),
              "a\ufffd\ufffd(b");
    EXPECT_EQ(unicode::encodeUtf8(unicode::decodeUtf8(std::string("\xe2\x82", 2))), "\ufffd\ufffd");
}

TEST(TextCleaning, CollapsesPythonWhitespaceAndLowerCases) {
    EXPECT_EQ(unicode::encodeUtf8(collapseWhitespace(U"  a \t\n b\u3000\u00a0c\u001f ")), "a b c");
    EXPECT_EQ(unicode::encodeUtf8(cleanClipText(unicode::decodeUtf8("  Hello   WORLD  "))),
              "hello world");
    // Python's str.lower(): U+0130 -> "i" + combining dot; final sigma.
    EXPECT_EQ(
        unicode::encodeUtf8(cleanClipText(unicode::decodeUtf8("\u0130 \u039f\u0394\u039f\u03a3"))),
        "i\u0307 \u03bf\u03b4\u03bf\u03c2");
}

} // namespace
