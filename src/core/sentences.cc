#include "core/sentences.h"

#include <string>
#include <unordered_set>

#include "core/utf8.h"

namespace groundline::core {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}
bool is_closer(char c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == '*' || c == '_';
}
bool is_lower_ascii(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper_ascii(char c) {
  return c >= 'A' && c <= 'Z';
}

// The word right before the period at `dot` (letters and inner periods).
std::string_view word_before(std::string_view text, size_t dot) {
  size_t begin = dot;
  while (begin > 0) {
    char c = text[begin - 1];
    if (is_space(c) || c == '(' || c == '"' || c == '[') break;
    --begin;
  }
  return text.substr(begin, dot - begin);
}

bool is_abbreviation(std::string_view word) {
  static const std::unordered_set<std::string> kAbbreviations = {
      "e.g",  "i.e", "mr",  "mrs", "ms",  "dr",   "prof", "sr",   "jr",  "vs",   "approx", "fig",
      "cf",   "al",  "st",  "no",  "nos", "vol",  "ref",  "dept", "est", "min",  "max",    "incl",
      "excl", "jan", "feb", "mar", "apr", "jun",  "jul",  "aug",  "sep", "sept", "oct",    "nov",
      "dec",  "u.s", "a.m", "p.m", "ca",  "resp", "corp", "ltd",  "co"};
  if (word.empty()) return false;
  if (word.size() == 1 && is_upper_ascii(word[0])) return true;  // an initial: "J. Smith"
  return kAbbreviations.count(to_lower(word)) != 0;
}

// Whether the terminator at `at` ends a sentence; `next` gets the offset
// just past the terminator and its closers.
bool ends_sentence(std::string_view text, size_t at, size_t& next) {
  char terminator = text[at];
  next = at + 1;
  while (next < text.size() && (text[next] == terminator || text[next] == '.')) ++next;
  while (next < text.size() && is_closer(text[next])) ++next;
  if (next >= text.size()) return true;
  if (!is_space(text[next])) return false;
  size_t start = next;
  while (start < text.size() && is_space(text[start])) ++start;
  if (start >= text.size()) return true;
  if (is_lower_ascii(text[start])) return false;
  if (terminator == '.' && next == at + 1 && is_abbreviation(word_before(text, at))) return false;
  return true;
}

void push_trimmed(std::string_view text, size_t begin, size_t end, std::vector<TextSpan>& out) {
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  if (begin < end) out.push_back({begin, end});
}

}  // namespace

std::vector<TextSpan> split_sentences(std::string_view text) {
  std::vector<TextSpan> sentences;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '.' && c != '!' && c != '?') continue;
    size_t next = 0;
    if (ends_sentence(text, i, next)) {
      push_trimmed(text, start, next, sentences);
      start = next;
    }
    i = next - 1;
  }
  push_trimmed(text, start, text.size(), sentences);
  return sentences;
}

}  // namespace groundline::core
