// Words, index terms and token counts: the one definition of "a word" that
// ingestion, the full-text index and queries share, so that what is indexed
// is exactly what a query can match.
//
// A word is a run of letters, digits and combining marks; digits joined by
// '.' or ',' stay one word ("4.2.1", "99.95", "1,000"), and so does a code
// such as "E402". An index term is the lowercased word, stemmed (Snowball
// English) unless it holds a digit; stop words have no term.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace groundline::core {

// True for letters, digits and combining marks.
bool is_word_char(int32_t code_point);

// Calls fn(word, begin, end) for every word of `text`; offsets are bytes.
template <class Fn>
void for_each_word(std::string_view text, Fn&& fn);

bool is_stopword(std::string_view lower_word);

// Lowercased and stemmed form of one word, or "" for a stop word.
// Thread-safe (each thread keeps its own stemmer and cache).
std::string index_term(std::string_view word);

// The text's words, lowercased, each followed by one space and the whole
// preceded by one: " the cap is 25 gb ". A phrase is in a text when its
// spaced words are a substring of the text's.
std::string spaced_words(std::string_view text);

// Tokens a chunk of this text costs: a word-piece approximation used when no
// model tokenizer is configured. Short words are one token, long words and
// numbers several, every punctuation character one.
size_t approx_token_count(std::string_view text);

namespace detail {
size_t next_word(std::string_view text, size_t pos, size_t& begin);
}

template <class Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  size_t pos = 0, begin = 0;
  while ((pos = detail::next_word(text, pos, begin)) != std::string_view::npos) {
    fn(text.substr(begin, pos - begin), begin, pos);
  }
}

}  // namespace groundline::core
