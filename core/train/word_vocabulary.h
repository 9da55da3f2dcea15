// A word-level vocabulary for the demo model's small text encoder, written in the CLIP
// tokenizer's own format (vocab.json + merges.txt) so that the ordinary CLIP BPE tokenizer reads
// it unchanged.
//
// Why merges are needed: CLIP's BPE starts every word as single characters (the last one with
// "</w>") and only joins symbols through merges, lowest rank first. A vocabulary entry
// "circle</w>" with no merges is never reached: "circle" would come out as six character tokens.
// So the vocabulary is CLIP's 512 byte symbols (every text stays encodable, as in real CLIP), then
// one token per merge, then <|startoftext|> and <|endoftext|>, laid out exactly like CLIP's; and
// the merges are learned from the word list so that the standard algorithm rebuilds every word
// into ONE token.
//
// How the merges are learned (and why it always works): repeat { run the standard BPE on every
// word with the merges so far; stop when each word is one symbol; else append the most frequent
// adjacent pair of the results as the next merge (ties: the smaller "first second" string) }.
// A new merge has the highest rank, so the standard algorithm applies it only after every
// earlier merge is exhausted, i.e. exactly on the state it was learned from: each round strictly
// lowers the total symbol count and ends with one symbol per word.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace deadiff::train {

struct ClipWordVocabulary {
    // Token strings in id order, in CLIP's byte-to-unicode alphabet: 256 byte symbols, the same
    // with "</w>", the merge results in rank order, then the two special tokens.
    std::vector<std::string> tokens;
    // In rank order.
    std::vector<std::pair<std::string, std::string>> merges;

    // Ids of the special tokens and of a word (throws std::runtime_error when it is not one token).
    int startOfTextId() const;
    int endOfTextId() const;
    int wordId(const std::string& word) const;
};

// `words`: lower-case ASCII letters only (what CLIP's pre-tokenizer keeps as one piece; captions
// are lower-cased by the tokenizer anyway). Duplicates are ignored. Throws std::runtime_error
// naming the first offending word.
ClipWordVocabulary buildClipWordVocabulary(const std::vector<std::string>& words);

// The standard CLIP BPE of one word (characters, "</w>" on the last, lowest-rank merge first,
// all its occurrences left to right), as Hugging Face's CLIPTokenizer.bpe does it.
std::vector<std::string> clipBpe(const std::vector<std::pair<std::string, std::string>>& merges,
                                 const std::string& word);

// Writes `directory`/vocab.json (token -> id, UTF-8) and `directory`/merges.txt ("#version: 0.2",
// then one "first second" per line), creating the directory. Atomic per file; throws
// std::runtime_error naming the path.
void writeClipWordVocabulary(const ClipWordVocabulary& vocabulary, const std::string& directory);

} // namespace deadiff::train
