// WordPiece, the tokenizer of BERT models (GGUF `tokenizer.ggml.model =
// bert`), in two steps that the Tokenizer joins.
//
// Words: text is cut as BERT's basic tokenizer cuts it for uncased
// vocabularies (bge, all-MiniLM):
// - invalid UTF-8 bytes, NUL, U+FFFD and every code point of the Other
//   categories (Cc, Cf, Cn, Co, Cs) are removed, except that tab, CR and LF
//   are spaces like the Z categories (Zs, Zl, Zp); spaces end a word;
// - each code point is decomposed canonically (NFD, Hangul to jamo), its
//   non-spacing marks (Mn: accents) dropped, and the rest lowercased one code
//   point at a time (no final-sigma rule);
// - punctuation (the P categories and every ASCII symbol !"#$%&'()*+,-./:;
//   <=>?@[\]^_`{|}~) and CJK ideographs are words of one code point.
// Canonical reordering of the marks that are kept (Mc, Me) is not done.
//
// Pieces: a word is split greedily, the longest vocabulary piece first,
// from the left. The vocabulary is in the form llama.cpp writes to GGUF: a
// word-initial piece carries a U+2581 prefix ("▁play"), a continuation is
// bare ("ing", which BERT's own vocabulary writes "##ing"). A word that the
// pieces cannot cover, or that is longer than kMaxWordLength code points,
// becomes the unknown token alone.
//
// Both steps take any bytes, and their work is linear in the text's length.
// Stateless functions; safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace groundline::llm {

// The prefix of a word-initial piece in the vocabulary (U+2581).
inline constexpr std::string_view kWordStart = "\xE2\x96\x81";
// BERT's limit: a longer word is unknown without being split.
inline constexpr size_t kMaxWordLength = 100;

// Calls `word` with each normalised word of `text`, in order, as valid UTF-8
// (never empty).
void for_each_bert_word(std::string_view text, const std::function<void(std::string_view)>& word);

// Appends the ids of `word`'s pieces to `out`, or `unknown` (when >= 0) for a
// word that cannot be split. `longest_piece`: the byte length of the longest
// entry of `ids`, which bounds the search. `word` must be valid UTF-8.
void append_word_pieces(std::string_view word, const std::unordered_map<std::string, int32_t>& ids,
                        size_t longest_piece, int32_t unknown, std::vector<int32_t>& out);

}  // namespace groundline::llm
