#include "core/words.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <array>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "core/utf8.h"

namespace groundline::core {

namespace {

constexpr bool is_ascii_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Word character at pos (advancing pos), or false (pos advanced too).
bool take_word_char(std::string_view text, size_t& pos) {
  unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) {
    ++pos;
    return is_ascii_word_byte(c);
  }
  int32_t cp = decode_utf8(text, pos);
  return cp >= 0 && is_word_char(cp);
}

}  // namespace

bool is_word_char(int32_t cp) {
  if (cp < 0x80) return is_ascii_word_byte(static_cast<unsigned char>(cp));
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

namespace detail {

namespace {

// What an ASCII byte is to the word scanner; bytes from 0x80 start a code
// point that is looked up.
enum ByteClass : uint8_t { kOther, kWordByte, kSeparator, kMultibyte };

constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if (c >= 0x80)
      table[c] = kMultibyte;
    else if (is_ascii_word_byte(static_cast<unsigned char>(c)))
      table[c] = kWordByte;
    else if (c == '.' || c == ',')
      table[c] = kSeparator;
  }
  return table;
}();

uint8_t byte_class(std::string_view text, size_t pos) {
  return kByteClass[static_cast<unsigned char>(text[pos])];
}

}  // namespace

// What extend_word saw of a word: a digit in it, a character beyond ASCII.
struct WordShape {
  bool digit = false, multibyte = false;
};

// The end of the word whose first character ends at `pos`: over word
// characters and digit separators. Notes the word's shape when asked.
size_t extend_word(std::string_view text, size_t pos, WordShape* shape = nullptr) {
  while (pos < text.size()) {
    uint8_t cls = byte_class(text, pos);
    if (cls == kWordByte) {
      if (shape && is_digit(text[pos])) shape->digit = true;
      ++pos;
    } else if (cls == kSeparator) {
      if (!(is_digit(text[pos - 1]) && pos + 1 < text.size() && is_digit(text[pos + 1]))) break;
      if (shape) shape->digit = true;
      pos += 2;
    } else if (cls == kMultibyte) {
      size_t at = pos;
      if (!take_word_char(text, pos)) return at;
      if (shape) shape->multibyte = true;
    } else {
      break;
    }
  }
  return pos;
}

size_t next_word(std::string_view text, size_t pos, size_t& begin) {
  // Skip to the first word character.
  for (;;) {
    while (pos < text.size() && byte_class(text, pos) < kWordByte) ++pos;
    while (pos < text.size() && byte_class(text, pos) == kSeparator) ++pos;
    if (pos >= text.size()) return std::string_view::npos;
    uint8_t cls = byte_class(text, pos);
    if (cls == kWordByte) {
      begin = pos++;
      break;
    }
    if (cls == kMultibyte) {
      size_t at = pos;
      if (take_word_char(text, pos)) {
        begin = at;
        break;
      }
    }
  }
  return extend_word(text, pos);
}

}  // namespace detail

bool is_stopword(std::string_view w) {
  static const std::unordered_set<std::string_view> kStopwords = {
      "a",        "an",         "and",       "are",        "as",      "at",      "be",    "been",   "but",
      "by",       "can",        "could",     "did",        "do",      "does",    "doing", "for",    "from",
      "had",      "has",        "have",      "having",     "he",      "her",     "here",  "hers",   "him",
      "his",      "how",        "i",         "if",         "in",      "into",    "is",    "it",     "its",
      "itself",   "me",         "my",        "myself",     "of",      "on",      "or",    "our",    "ours",
      "she",      "should",     "so",        "than",       "that",    "the",     "their", "theirs", "them",
      "then",     "there",      "these",     "they",       "this",    "those",   "to",    "too",    "us",
      "was",      "we",         "were",      "what",       "when",    "where",   "which", "while",  "who",
      "whom",     "why",        "will",      "with",       "would",   "you",     "your",  "yours",  "s",
      "t",        "d",          "ll",        "m",          "re",      "ve",      "am",    "about",  "also",
      "just",     "very",       "any",       "some",       "such",    "each",    "other", "own",    "same",
      "only",     "once",       "again",     "further",    "being",   "both",    "few",   "more",   "most",
      "nor",      "off",        "out",       "over",       "under",   "until",   "up",    "down",   "own",
      "yourself", "yourselves", "ourselves", "themselves", "himself", "herself", "im",    "dont",   "doesnt",
      "cant",     "please",     "hi",        "hello",      "thanks",  "thank",   "get",   "got"};
  return kStopwords.count(w) != 0;
}

namespace {

// One Snowball English stemmer per thread with a cache of stems: the
// vocabulary of a corpus is small, so most words are stemmed once.
class StemCache {
 public:
  StemCache() : stemmer_(sb_stemmer_new("english", "UTF_8"), &sb_stemmer_delete) {}

  const std::string& stem(const std::string& word) {
    auto it = cache_.find(word);
    if (it != cache_.end()) return it->second;
    if (cache_.size() > kMaxEntries) cache_.clear();
    const sb_symbol* out = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                           static_cast<int>(word.size()));
    std::string stemmed = out ? std::string(reinterpret_cast<const char*>(out),
                                            static_cast<size_t>(sb_stemmer_length(stemmer_.get())))
                              : word;
    return cache_.emplace(word, std::move(stemmed)).first->second;
  }

 private:
  static constexpr size_t kMaxEntries = 500'000;
  std::unique_ptr<sb_stemmer, decltype(&sb_stemmer_delete)> stemmer_;
  std::unordered_map<std::string, std::string> cache_;
};

bool has_digit(std::string_view w) {
  for (char c : w)
    if (is_digit(c)) return true;
  return false;
}

}  // namespace

std::string index_term(std::string_view word) {
  std::string lower = to_lower(word);
  if (is_stopword(lower)) return {};
  if (has_digit(lower) || lower.size() < 3) return lower;
  thread_local StemCache cache;
  return cache.stem(lower);
}

size_t approx_token_count(std::string_view text) {
  size_t tokens = 0, pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    const uint8_t cls = detail::byte_class(text, pos);
    size_t begin = pos;
    if (cls == detail::kWordByte) {
      ++pos;
    } else if (cls != detail::kMultibyte || !take_word_char(text, pos)) {
      // Punctuation: one token a code point; a code point that failed to
      // be a word character has been passed over already.
      if (cls != detail::kMultibyte) ++pos;
      if (c != ' ' && c != '\n' && (static_cast<unsigned char>(c) & 0xC0) != 0x80) ++tokens;
      continue;
    }
    // The word, its length in code points and whether it holds a digit.
    detail::WordShape shape{is_digit(c), cls == detail::kMultibyte};
    pos = detail::extend_word(text, pos, &shape);
    size_t length = shape.multibyte ? utf8_length(text.substr(begin, pos - begin)) : pos - begin;
    tokens += shape.digit ? 1 + (length - 1) / 4 : 1 + (length - 1) / 8;
  }
  return tokens;
}

std::string spaced_words(std::string_view text) {
  std::string out = " ";
  for_each_word(text, [&](std::string_view w, size_t, size_t) { out += to_lower(w) + " "; });
  return out;
}

}  // namespace groundline::core
