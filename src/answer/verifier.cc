#include "answer/verifier.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "core/utf8.h"
#include "core/words.h"

namespace groundline::answer {
namespace {

bool has_digit(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_alpha(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(),
                                      [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

// The unit a word names, in one spelling ("gigabytes" -> "gb"), or "".
std::string unit_of(std::string_view word) {
  std::string w = core::to_lower(word);
  static const std::array<std::pair<std::string_view, std::string_view>, 40> kUnits = {{
      {"b", "b"},         {"byte", "b"},         {"bytes", "b"},         {"kb", "kb"},
      {"kib", "kib"},     {"kilobyte", "kb"},    {"kilobytes", "kb"},    {"mb", "mb"},
      {"mib", "mib"},     {"megabyte", "mb"},    {"megabytes", "mb"},    {"gb", "gb"},
      {"gib", "gib"},     {"gigabyte", "gb"},    {"gigabytes", "gb"},    {"tb", "tb"},
      {"tib", "tib"},     {"terabyte", "tb"},    {"terabytes", "tb"},    {"pb", "pb"},
      {"ms", "ms"},       {"millisecond", "ms"}, {"milliseconds", "ms"}, {"second", "s"},
      {"seconds", "s"},   {"sec", "s"},          {"secs", "s"},          {"minute", "min"},
      {"minutes", "min"}, {"min", "min"},        {"mins", "min"},        {"hour", "h"},
      {"hours", "h"},     {"hr", "h"},           {"hrs", "h"},           {"day", "day"},
      {"days", "day"},    {"week", "week"},      {"weeks", "week"},      {"percent", "%"},
  }};
  static const std::array<std::pair<std::string_view, std::string_view>, 6> kMore = {{
      {"month", "month"},
      {"months", "month"},
      {"year", "year"},
      {"years", "year"},
      {"usd", "usd"},
      {"eur", "eur"},
  }};
  for (const auto& [name, unit] : kUnits)
    if (w == name) return std::string(unit);
  for (const auto& [name, unit] : kMore)
    if (w == name) return std::string(unit);
  return "";
}

bool is_month(std::string_view word) {
  static const std::array<std::string_view, 21> kMonths = {
      "january", "february",  "march",   "april",    "may",      "june", "july",
      "august",  "september", "october", "november", "december", "jan",  "feb",
      "mar",     "apr",       "jun",     "jul",      "aug",      "sep",  "oct"};
  std::string w = core::to_lower(word);
  return std::find(kMonths.begin(), kMonths.end(), w) != kMonths.end() || w == "nov" || w == "dec";
}

struct Word {
  std::string_view text;
  size_t begin = 0, end = 0;
};

std::vector<Word> words_of(std::string_view text) {
  std::vector<Word> out;
  core::for_each_word(text, [&](std::string_view w, size_t b, size_t e) { out.push_back({w, b, e}); });
  return out;
}

// A number as compared: "1,000" -> "1000", "v4.3" -> "4.3", "25GB" -> "25"
// (its unit goes to `unit`), "E402" -> "e402".
std::string number_key(std::string_view word, std::string& unit) {
  std::string w = core::to_lower(word);
  if (w.size() > 1 && w[0] == 'v' && std::isdigit(static_cast<unsigned char>(w[1]))) w.erase(0, 1);
  size_t digits = 0;
  while (digits < w.size() &&
         (std::isdigit(static_cast<unsigned char>(w[digits])) || w[digits] == ',' || w[digits] == '.'))
    ++digits;
  if (digits > 0 && digits < w.size() && is_alpha(std::string_view(w).substr(digits))) {
    std::string u = unit_of(std::string_view(w).substr(digits));
    if (!u.empty()) {
      unit = u;
      w.resize(digits);
    }
  }
  w.erase(std::remove(w.begin(), w.end(), ','), w.end());
  return w;
}

// The checkable facts of a text, in the forms they are compared in.
struct Facts {
  struct Number {
    std::string key, unit, currency, surface;
  };
  std::vector<Number> numbers;
  std::set<std::string> number_keys, with_unit, with_currency;
  std::set<std::string> words;  // lowercased
  std::set<std::string> terms;  // index terms, numbers left out
};

std::string currency_before(std::string_view text, size_t begin) {
  while (begin > 0 && text[begin - 1] == ' ') --begin;
  if (begin > 0 && (text[begin - 1] == '$')) return "$";
  for (std::string_view sign : {"\u20ac", "\u00a3"})
    if (begin >= sign.size() && text.substr(begin - sign.size(), sign.size()) == sign)
      return std::string(sign);
  return "";
}

// The unit written after a number: "%", or the next word when it is a unit
// ("25 GB", "30-day").
std::string unit_after(std::string_view text, const std::vector<Word>& words, size_t i) {
  size_t pos = words[i].end;
  if (pos < text.size() && text[pos] == '%') return "%";
  if (i + 1 >= words.size()) return "";
  std::string_view gap = text.substr(pos, words[i + 1].begin - pos);
  if (gap.find_first_not_of(" -\u00a0") != std::string_view::npos && gap != "\u00a0") return "";
  return unit_of(words[i + 1].text);
}

Facts facts_of(std::string_view text) {
  Facts f;
  auto words = words_of(text);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i].text;
    f.words.insert(core::to_lower(w));
    if (!has_digit(w)) {
      std::string term = core::index_term(w);
      if (!term.empty()) f.terms.insert(term);
      continue;
    }
    Facts::Number n;
    n.key = number_key(w, n.unit);
    size_t end = words[i].end;
    if (n.unit.empty()) {
      n.unit = unit_after(text, words, i);
      if (end < text.size() && text[end] == '%')
        ++end;
      else if (!n.unit.empty())
        end = words[i + 1].end;
    }
    n.currency = currency_before(text, words[i].begin);
    size_t begin = words[i].begin;
    if (!n.currency.empty()) begin = text.rfind(n.currency, begin);
    n.surface = std::string(text.substr(begin, end - begin));
    f.number_keys.insert(n.key);
    if (!n.unit.empty()) f.with_unit.insert(n.key + " " + n.unit);
    if (!n.currency.empty()) f.with_currency.insert(n.currency + n.key);
    f.numbers.push_back(std::move(n));
  }
  return f;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::optional<std::string> missing_number(const Facts& s, const Facts& cited) {
  for (const auto& n : s.numbers) {
    if (!cited.number_keys.count(n.key)) return in_quotes(n.surface) + " is not in the cited lines";
    if (!n.unit.empty() && !cited.with_unit.count(n.key + " " + n.unit))
      return in_quotes(n.surface) + " is not in the cited lines";
    if (!n.currency.empty() && !cited.with_currency.count(n.currency + n.key))
      return in_quotes(n.surface) + " is not in the cited lines";
  }
  return std::nullopt;
}

// Months next to a number, configured product names and "X plan" names.
std::optional<std::string> missing_name(std::string_view sentence, const Facts& cited,
                                        const VerifyOptions& options) {
  auto words = words_of(sentence);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i].text;
    bool near_number =
        (i > 0 && has_digit(words[i - 1].text)) || (i + 1 < words.size() && has_digit(words[i + 1].text));
    if (is_month(w) && near_number && std::isupper(static_cast<unsigned char>(w[0])) &&
        !cited.words.count(core::to_lower(w)))
      return in_quotes(w) + " is not in the cited lines";
    if (i + 1 < words.size() && std::isupper(static_cast<unsigned char>(w[0])) && is_alpha(w) &&
        !core::is_stopword(core::to_lower(w))) {
      std::string next = core::to_lower(words[i + 1].text);
      bool names_plan = next == "plan" || next == "plans" || next == "tier" || next == "edition";
      if (names_plan && !cited.words.count(core::to_lower(w)))
        return "the " + in_quotes(w) + " plan is not in the cited lines";
    }
  }
  std::string spaced = core::spaced_words(sentence);
  for (const auto& product : options.products) {
    std::string name = core::spaced_words(product);
    if (name.size() <= 2) continue;
    // Names are matched as written ("Pro"), not in lower case ("a pro tip").
    bool named = spaced.find(name) != std::string::npos && sentence.find(product) != std::string_view::npos;
    if (!named) continue;
    bool stated = true;
    for (const auto& part : words_of(product))
      if (!cited.words.count(core::to_lower(part.text))) stated = false;
    if (!stated) return in_quotes(product) + " is not in the cited lines";
  }
  return std::nullopt;
}

// Text in double quotes (straight or curly) must be in the cited lines,
// word for word.
std::optional<std::string> missing_quote(std::string_view sentence, std::string_view cited) {
  std::string text(sentence);
  for (std::string_view curly : {"\u201c", "\u201d"})
    for (size_t at = text.find(curly); at != std::string::npos; at = text.find(curly, at))
      text.replace(at, curly.size(), "\"");
  std::string cited_words = core::spaced_words(cited);
  for (size_t open = text.find('"'); open != std::string::npos;) {
    size_t close = text.find('"', open + 1);
    if (close == std::string::npos) break;
    std::string_view inside = std::string_view(text).substr(open + 1, close - open - 1);
    std::string words = core::spaced_words(inside);
    if (words.size() > 1 && cited_words.find(words) == std::string::npos)
      return "the quote " + in_quotes(core::trim(inside)) + " is not in the cited lines";
    open = text.find('"', close + 1);
  }
  return std::nullopt;
}

// Numbers count as shared words: by now each one was found in the lines.
std::optional<std::string> weak_overlap(const Facts& s, const Facts& cited, double min_overlap) {
  size_t words = s.terms.size() + s.numbers.size();
  if (words < 4) return std::nullopt;
  size_t shared = s.numbers.size();
  for (const auto& t : s.terms) shared += cited.terms.count(t);
  if (static_cast<double>(shared) < min_overlap * static_cast<double>(words))
    return std::string("the cited lines do not say this");
  return std::nullopt;
}

// Fills the citation from its source; an error when it points elsewhere.
std::optional<std::string> resolve(Citation& c, const std::vector<Source>& sources) {
  auto it =
      std::find_if(sources.begin(), sources.end(), [&](const Source& s) { return s.number == c.source; });
  if (it == sources.end()) return "cites source " + std::to_string(c.source) + ", which was not retrieved";
  if (c.last_line < c.first_line || !it->has_line(c.first_line) || !it->has_line(c.last_line))
    return "cites lines " + std::to_string(c.first_line) + "-" + std::to_string(c.last_line) + " of source " +
           std::to_string(c.source) + ", outside the lines it holds (" + std::to_string(it->first_line) +
           "-" + std::to_string(it->last_line) + ")";
  c.doc_id = it->doc_id;
  c.path = it->path;
  c.title = it->title;
  c.version = it->version;
  c.quote.clear();
  for (int line = c.first_line; line <= c.last_line; ++line) {
    if (line > c.first_line) c.quote += '\n';
    c.quote += it->line(line);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> missing_fact(std::string_view sentence, std::string_view cited,
                                        const VerifyOptions& options) {
  Facts s = facts_of(sentence);
  Facts c = facts_of(cited);
  if (auto why = missing_number(s, c)) return why;
  if (auto why = missing_name(sentence, c, options)) return why;
  if (auto why = missing_quote(sentence, cited)) return why;
  return weak_overlap(s, c, options.min_word_overlap);
}

Verified verify(const std::vector<DraftSentence>& drafts, const std::vector<Source>& sources,
                const VerifyOptions& options) {
  Verified out;
  for (const auto& draft : drafts) {
    std::vector<Citation> citations = draft.citations;
    std::optional<std::string> why;
    if (citations.empty()) why = "no citation";
    std::string cited;
    for (auto& c : citations) {
      if (!why) why = resolve(c, sources);
      if (!why) cited += c.quote + "\n";
    }
    if (!why) why = missing_fact(draft.text, cited, options);
    if (why)
      out.removed.push_back({draft.text, std::move(citations), std::move(*why)});
    else
      out.kept.push_back({draft.text, std::move(citations)});
  }
  return out;
}

}  // namespace groundline::answer
