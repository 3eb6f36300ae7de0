#include "answer/citations.h"

#include <algorithm>
#include <cctype>

#include "core/sentences.h"

namespace groundline::answer {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void skip_spaces(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
}

// A positive number of at most 7 digits at `pos`; 0 when there is none.
int read_number(std::string_view text, size_t& pos) {
  size_t begin = pos;
  int value = 0;
  while (pos < text.size() && is_digit(text[pos]) && pos - begin < 7)
    value = value * 10 + (text[pos++] - '0');
  if (pos == begin || (pos < text.size() && is_digit(text[pos]))) return 0;
  return value;
}

// A dash between line numbers: '-', an en dash or an em dash.
bool skip_dash(std::string_view text, size_t& pos) {
  if (pos < text.size() && text[pos] == '-') return ++pos, true;
  for (std::string_view dash : {"\u2013", "\u2014"})
    if (text.substr(pos, dash.size()) == dash) return pos += dash.size(), true;
  return false;
}

bool same_reference(const Citation& a, const Citation& b) {
  return a.source == b.source && a.first_line == b.first_line && a.last_line == b.last_line;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The line without a list marker ("- ", "* ", "+ ", "1. ", "2) ") or
// heading marks.
std::string_view strip_marker(std::string_view line) {
  line = trim(line);
  if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ')
    return trim(line.substr(2));
  size_t digits = 0;
  while (digits < line.size() && is_digit(line[digits])) ++digits;
  if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
      line[digits + 1] == ' ')
    return trim(line.substr(digits + 2));
  while (!line.empty() && line.front() == '#') line.remove_prefix(1);
  return trim(line);
}

struct Mark {
  size_t at;  // in the cleaned text
  std::vector<Citation> citations;
};

// The line's text with its citation groups and emphasis marks removed, and
// where each group was.
std::string clean_line(std::string_view line, std::vector<Mark>& marks) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    if (line[i] == '[') {
      size_t end = 0;
      auto group = parse_citation_group(line, i, end);
      if (!group.empty()) {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        marks.push_back({out.size(), std::move(group)});
        i = end;
        continue;
      }
    }
    if (line.substr(i, 2) == "**" || line.substr(i, 2) == "__") {
      i += 2;
      continue;
    }
    char c = line[i++];
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    // No space before closing punctuation that a removed group left.
    if ((c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') && !out.empty() &&
        out.back() == ' ' && !marks.empty() && marks.back().at == out.size() - 1)
      out.pop_back();
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void add_citations(DraftSentence& sentence, const std::vector<Citation>& citations) {
  for (const auto& c : citations) {
    bool seen = std::any_of(sentence.citations.begin(), sentence.citations.end(),
                            [&](const Citation& o) { return same_reference(o, c); });
    if (!seen) sentence.citations.push_back(c);
  }
}

}  // namespace

std::vector<Citation> parse_citation_group(std::string_view text, size_t pos, size_t& end) {
  std::vector<Citation> out;
  if (pos >= text.size() || text[pos] != '[') return out;
  size_t i = pos + 1;
  int source = 0;
  while (true) {
    skip_spaces(text, i);
    size_t start = i;
    int first = read_number(text, i);
    if (first == 0) return {};
    skip_spaces(text, i);
    if (i < text.size() && text[i] == ':') {
      source = first;
      ++i;
      skip_spaces(text, i);
      first = read_number(text, i);
      if (first == 0) return {};
    } else if (source == 0 || i == start) {
      return {};  // a line without a source before it
    }
    int last = first;
    skip_spaces(text, i);
    if (skip_dash(text, i)) {
      skip_spaces(text, i);
      last = read_number(text, i);
      if (last == 0) return {};
    }
    Citation c;
    c.source = source;
    c.first_line = first;
    c.last_line = last;
    out.push_back(c);
    skip_spaces(text, i);
    if (i < text.size() && (text[i] == ',' || text[i] == ';')) {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == ']') {
      end = i + 1;
      return out;
    }
    return {};
  }
}

std::vector<DraftSentence> parse_reply(std::string_view reply) {
  std::vector<DraftSentence> out;
  size_t line_begin = 0;
  while (line_begin <= reply.size()) {
    size_t line_end = reply.find('\n', line_begin);
    if (line_end == std::string_view::npos) line_end = reply.size();
    std::vector<Mark> marks;
    std::string text = clean_line(strip_marker(reply.substr(line_begin, line_end - line_begin)), marks);
    line_begin = line_end + 1;
    auto spans = core::split_sentences(text);
    size_t first_new = out.size();
    for (const auto& span : spans) out.push_back({text.substr(span.begin, span.end - span.begin), {}});
    for (const auto& mark : marks) {
      // A citation-only line belongs to the sentence before it.
      if (spans.empty() && out.empty()) break;
      size_t owner = spans.empty() ? out.size() - 1 : first_new;
      while (!spans.empty() && owner + 1 < out.size() && spans[owner + 1 - first_new].begin <= mark.at)
        ++owner;
      add_citations(out[owner], mark.citations);
    }
  }
  return out;
}

std::string format_citations(const std::vector<Citation>& citations) {
  std::string out;
  for (const auto& c : citations) {
    out += "[" + std::to_string(c.source) + ":" + std::to_string(c.first_line);
    if (c.last_line != c.first_line) out += "-" + std::to_string(c.last_line);
    out += "]";
  }
  return out;
}

}  // namespace groundline::answer
