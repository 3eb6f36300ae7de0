// Sentence splitting for English prose. A sentence ends at '.', '!' or '?'
// (after any closing quotes or brackets) followed by whitespace and a
// character that can start a sentence. Not an end: decimals and versions
// (3.5, 2.3.1), URLs and file names (no space follows), common
// abbreviations (e.g., i.e., Dr., vs.), single initials, and a period
// followed by a lowercase word.
#pragma once

#include <string_view>
#include <vector>

namespace groundline::core {

struct TextSpan {
  size_t begin = 0;  // byte offsets into the text given
  size_t end = 0;
};

// Sentences of `text` with surrounding whitespace trimmed; empty text gives
// none. Every non-space byte belongs to exactly one sentence.
std::vector<TextSpan> split_sentences(std::string_view text);

}  // namespace groundline::core
