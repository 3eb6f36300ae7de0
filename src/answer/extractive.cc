#include "answer/extractive.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "answer/sources.h"
#include "core/sentences.h"
#include "core/utf8.h"
#include "core/words.h"

namespace groundline::answer {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_table_row(std::string_view line) {
  return starts_with(line, "|");
}

bool is_table_separator(std::string_view line) {
  return is_table_row(line) && line.find_first_not_of("|-: \t") == std::string_view::npos;
}

// The text after a list marker ("- ", "* ", "+ ", "12. "), or npos.
size_t list_item_start(std::string_view line) {
  if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ') return 2;
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits > 0 && digits < 4 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
      line[digits + 1] == ' ')
    return digits + 2;
  return std::string_view::npos;
}

std::vector<std::string> table_cells(std::string_view row) {
  std::vector<std::string> cells;
  row = core::trim(row);
  if (starts_with(row, "|")) row.remove_prefix(1);
  if (!row.empty() && row.back() == '|') row.remove_suffix(1);
  size_t begin = 0;
  while (begin <= row.size()) {
    size_t bar = row.find('|', begin);
    if (bar == std::string_view::npos) bar = row.size();
    cells.push_back(plain_text(core::trim(row.substr(begin, bar - begin))));
    begin = bar + 1;
  }
  return cells;
}

// "Label — Column: value, Column: value." for the columns in `columns`
// (all when empty).
std::string render_row(const AnswerUnit& row, const std::vector<size_t>& columns) {
  if (row.header_cells.size() != row.cells.size() || row.cells.size() < 2) {
    std::string out;
    for (const auto& c : row.cells) {
      if (c.empty()) continue;
      if (!out.empty()) out += ", ";
      out += c;
    }
    return out + ".";
  }
  std::string out = row.cells[0];
  if (!row.header_cells[0].empty()) out = row.header_cells[0] + " " + out;
  std::string values;
  for (size_t k = 1; k < row.cells.size(); ++k) {
    if (!columns.empty() && std::find(columns.begin(), columns.end(), k) == columns.end()) continue;
    if (!values.empty()) values += ", ";
    values += row.header_cells[k].empty() ? row.cells[k] : row.header_cells[k] + ": " + row.cells[k];
  }
  return out + " \u2014 " + values + ".";
}

// Builds prose units: a paragraph's lines joined, split into sentences,
// each mapped back to its lines.
class ParagraphBuilder {
 public:
  ParagraphBuilder(size_t source, std::vector<AnswerUnit>& out) : source_(source), out_(out) {}

  void add(std::string_view text, int line) {
    if (!text_.empty()) text_ += ' ';
    starts_.push_back({text_.size(), line});
    text_ += text;
  }

  // The paragraph being built is an item of numbered list `id` (0: none).
  void set_step_list(int id) { step_list_ = id; }
  bool empty() const { return text_.empty(); }

  void flush() {
    for (const auto& span : core::split_sentences(text_)) {
      AnswerUnit unit;
      unit.source = source_;
      unit.step_list = step_list_;
      unit.first_line = line_at(span.begin);
      unit.last_line = line_at(span.end - 1);
      unit.text = plain_text(std::string_view(text_).substr(span.begin, span.end - span.begin));
      if (!unit.text.empty()) out_.push_back(std::move(unit));
    }
    text_.clear();
    starts_.clear();
  }

 private:
  int line_at(size_t offset) const {
    int line = starts_.front().second;
    for (const auto& [start, number] : starts_)
      if (start <= offset) line = number;
    return line;
  }

  size_t source_;
  int step_list_ = 0;
  std::vector<AnswerUnit>& out_;
  std::string text_;
  std::vector<std::pair<size_t, int>> starts_;  // offset in text_ -> line
};

bool is_heading_line(const Source& source, int line, std::string_view text) {
  if (starts_with(text, "#")) return true;
  return std::any_of(source.headings.begin(), source.headings.end(),
                     [&](const kb::Heading& h) { return h.line == line; });
}

}  // namespace

std::string plain_text(std::string_view markdown) {
  std::string out;
  for (size_t i = 0; i < markdown.size();) {
    char c = markdown[i];
    if (c == '!' && i + 1 < markdown.size() && markdown[i + 1] == '[') {
      ++i;  // an image: keep its alt text like a link's
      continue;
    }
    if (c == '[') {
      size_t close = markdown.find(']', i);
      if (close != std::string_view::npos && close + 1 < markdown.size() && markdown[close + 1] == '(') {
        size_t paren = markdown.find(')', close);
        if (paren != std::string_view::npos) {
          out += plain_text(markdown.substr(i + 1, close - i - 1));
          i = paren + 1;
          continue;
        }
      }
    }
    if (c == '`' || ((c == '*' || c == '_') && i + 1 < markdown.size() && markdown[i + 1] == c)) {
      i += c == '`' ? 1 : 2;
      continue;
    }
    if (c == '*' &&
        (i == 0 || markdown[i - 1] == ' ' || (i + 1 < markdown.size() && markdown[i + 1] == ' ') ||
         i + 1 == markdown.size() || std::isalnum(static_cast<unsigned char>(markdown[i + 1])))) {
      ++i;  // emphasis with one star
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return std::string(core::trim(out));
}

std::vector<AnswerUnit> answer_units(const Source& source, size_t source_index) {
  std::vector<AnswerUnit> units;
  ParagraphBuilder paragraph(source_index, units);
  bool in_code = false;
  int header_line = 0;
  int step_lists = 0, open_list = 0;  // numbered lists seen; the one still open
  std::vector<std::string> header;
  for (int line = source.first_line; line <= source.last_line; ++line) {
    std::string_view text = core::trim(source.line(line));
    bool fence = starts_with(text, "```") || starts_with(text, "~~~");
    if (fence) in_code = !in_code;
    if (fence || in_code || text.empty() || is_heading_line(source, line, text) || is_table_row(text))
      paragraph.flush();
    if (!is_table_row(text)) header_line = 0;
    if (fence || in_code || is_heading_line(source, line, text) || is_table_row(text)) open_list = 0;
    if (fence || in_code || text.empty() || is_heading_line(source, line, text)) continue;
    if (is_table_row(text)) {
      if (is_table_separator(text)) continue;
      bool next_is_separator =
          line < source.last_line && is_table_separator(core::trim(source.line(line + 1)));
      if (next_is_separator) {
        header_line = line;
        header = table_cells(text);
        continue;
      }
      AnswerUnit row;
      row.source = source_index;
      row.first_line = row.last_line = line;
      row.cells = table_cells(text);
      if (header_line) {
        row.header_line = header_line;
        row.header_cells = header;
      }
      row.text = render_row(row, {});
      units.push_back(std::move(row));
      continue;
    }
    size_t item = list_item_start(text);
    if (item != std::string_view::npos) {
      paragraph.flush();
      bool numbered = std::isdigit(static_cast<unsigned char>(text[0]));
      if (numbered && !open_list) open_list = ++step_lists;
      if (!numbered) open_list = 0;
      paragraph.set_step_list(open_list);
      text.remove_prefix(item);
    } else if (paragraph.empty()) {
      open_list = 0;  // a paragraph after the list (an item's own lines continue it)
      paragraph.set_step_list(0);
    }
    paragraph.add(text, line);
  }
  paragraph.flush();
  return units;
}

namespace {

std::set<std::string> terms_of(std::string_view text) {
  std::set<std::string> out;
  core::for_each_word(text, [&](std::string_view w, size_t, size_t) {
    std::string term = core::index_term(w);
    if (!term.empty()) out.insert(std::move(term));
  });
  return out;
}

bool mentions(std::string_view spaced_text, std::string_view name) {
  return spaced_text.find(core::spaced_words(name)) != std::string_view::npos;
}

bool has_digit(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What the question asks about, beyond its terms.
struct QuestionFacts {
  std::vector<std::string> codes;     // words with letters and digits, lowercased: "e402"
  std::vector<std::string> products;  // configured names it mentions
  // Index terms of the names it uses: capitalised words that do not start
  // a sentence ("the Business plan", "with Okta"). A unit answers only if
  // it, its page or its sections name each of them.
  std::vector<std::string> names;
  bool asks_number = false;
};

bool asks_for_number(std::string_view question) {
  std::string q = core::spaced_words(question);
  for (std::string_view cue :
       {" how much ",  " how many ",  " how long ",      " how big ",      " how large ", " how far ",
        " how often ", " how soon ",  " how fast ",      " how quickly ",  " how old ",   " when ",
        " what time ", " what date ", " which version ", " what version ", " limit ",     " limits ",
        " maximum ",   " minimum ",   " max ",           " min ",          " price ",     " cost ",
        " costs ",     " fee ",       " fees ",          " size ",         " cap ",       " quota ",
        " largest ",   " biggest ",   " smallest ",      " longest ",      " shortest ",  " highest ",
        " lowest ",    " most ",      " least "})
    if (q.find(cue) != std::string::npos) return true;
  return false;
}

// Capitalised words that are not the first of a sentence, as index terms.
std::vector<std::string> names_in(std::string_view question) {
  std::vector<std::string> names;
  for (const auto& span : core::split_sentences(question)) {
    std::string_view sentence = question.substr(span.begin, span.end - span.begin);
    bool first = true;
    core::for_each_word(sentence, [&](std::string_view w, size_t, size_t) {
      bool capital = std::isupper(static_cast<unsigned char>(w[0]));
      bool skip = first;
      first = false;
      if (skip || !capital || has_digit(w)) return;
      std::string term = core::index_term(w);
      if (!term.empty()) names.push_back(std::move(term));
    });
  }
  return names;
}

QuestionFacts question_facts(std::string_view question, const ExtractiveOptions& options) {
  QuestionFacts f;
  core::for_each_word(question, [&](std::string_view w, size_t, size_t) {
    bool alpha =
        std::any_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    if (alpha && has_digit(w)) f.codes.push_back(core::to_lower(w));
  });
  std::string q = core::spaced_words(question);
  for (const auto& p : options.products)
    if (mentions(q, p)) f.products.push_back(p);
  f.asks_number = asks_for_number(question);
  f.names = names_in(question);
  return f;
}

// The columns of a table row that name one of `products`.
std::vector<size_t> product_columns(const AnswerUnit& row, const std::vector<std::string>& products) {
  std::vector<size_t> columns;
  for (size_t k = 1; k < row.header_cells.size(); ++k)
    for (const auto& p : products)
      if (mentions(core::spaced_words(row.header_cells[k]), p)) columns.push_back(k);
  return columns;
}

// Words that ask for a quantity ("max", "how long") say what kind of
// answer is wanted, not what it is about; the answer rarely repeats them
// ("the limit is 25 GB"). They weigh a fifth, and number_bonus() rewards
// a number instead.
std::vector<WeightedTerm> cue_weighted(std::vector<WeightedTerm> terms) {
  static const std::set<std::string> kCues = {
      core::index_term("max"),     core::index_term("maximum"), core::index_term("min"),
      core::index_term("minimum"), core::index_term("big"),     core::index_term("bigger"),
      core::index_term("biggest"), core::index_term("large"),   core::index_term("largest"),
      core::index_term("long"),    core::index_term("longest"), core::index_term("much"),
      core::index_term("many"),    core::index_term("often"),   core::index_term("fast"),
      core::index_term("quickly"), core::index_term("soon"),    core::index_term("far")};
  for (auto& t : terms)
    if (kCues.count(t.term)) t.weight *= 0.2;
  return terms;
}

// The coverage of a unit that lacks what the question pins down: below
// any sensible ExtractiveOptions::min_coverage.
constexpr double kCannotAnswer = 0.1;

struct ScoredUnit {
  const AnswerUnit* unit = nullptr;
  std::set<std::string> terms;
  double coverage = 0;
  double score = 0;
};

class UnitScorer {
 public:
  UnitScorer(std::string_view question, const std::vector<WeightedTerm>& terms,
             const std::vector<Source>& sources, const ExtractiveOptions& options)
      : terms_(cue_weighted(terms)),
        sources_(sources),
        facts_(question_facts(question, options)),
        products_(options.products) {
    for (const auto& t : terms_) total_ += t.weight;
    for (const auto& p : products_) {
      spaced_products_.push_back(core::spaced_words(p));
      lower_products_.push_back(core::to_lower(p));
    }
    source_facts_.resize(sources.size());
  }

  ScoredUnit score(const AnswerUnit& unit) {
    ScoredUnit s;
    s.unit = &unit;
    s.terms = terms_of(unit.text);
    const Source& source = sources_[unit.source];
    std::string section = heading_path_at(source, unit.first_line);
    const auto& context = context_terms(unit.source, section);
    double covered = 0;
    // A section heading counts half, but a heading that names the code
    // asked about makes the section that code's own.
    for (const auto& t : terms_) {
      bool code = std::find(facts_.codes.begin(), facts_.codes.end(), t.term) != facts_.codes.end();
      covered += s.terms.count(t.term) ? t.weight : context.count(t.term) ? (code ? 1.0 : 0.5) * t.weight : 0;
    }
    s.coverage = total_ > 0 ? covered / total_ : 0;
    // A unit that lacks what the question pins down cannot answer it,
    // however many of its words it shares: a name, a code, or the number
    // that "how many" asks for.
    bool answers = names_all(s.terms, context, source) && source_facts(unit.source).names_a_code &&
                   (!facts_.asks_number || has_digit(unit.text));
    if (!answers) s.coverage = std::min(s.coverage, kCannotAnswer);
    std::string text = core::spaced_words(unit.text);
    s.score = s.coverage + code_bonus(text, section) + product_bonus(text, unit.source) + number_bonus(unit);
    s.score += 0.05 * (1.0 - static_cast<double>(unit.source) / static_cast<double>(sources_.size()));
    if (s.terms.size() < 3) s.score -= 0.2;
    return s;
  }

  const QuestionFacts& facts() const { return facts_; }

 private:
  // What a source says about the question once, for all its units.
  struct SourceFacts {
    bool known = false;
    bool names_a_code = true;         // one of the question's codes, when it names any
    std::set<std::string> tag_terms;  // index terms of its tag values
    std::set<std::string> products;   // lowercased product tags
  };

  const SourceFacts& source_facts(size_t index) {
    SourceFacts& f = source_facts_[index];
    if (f.known) return f;
    f.known = true;
    const Source& source = sources_[index];
    for (const auto& tag : source.tags) {
      f.tag_terms.insert(core::index_term(tag.value));
      if (tag.key == "product") f.products.insert(core::to_lower(tag.value));
    }
    if (facts_.codes.empty()) return f;
    // A code no line of the source mentions (an unknown error) has no
    // answer in it.
    f.names_a_code = false;
    for (const auto& line : source.lines) {
      std::string text = core::spaced_words(line);
      for (const auto& code : facts_.codes)
        f.names_a_code |= text.find(" " + code + " ") != std::string::npos;
    }
    return f;
  }

  // The terms of a section's headings and its page title.
  const std::set<std::string>& context_terms(size_t source, const std::string& section) {
    auto key = std::make_pair(source, section);
    auto it = context_cache_.find(key);
    if (it == context_cache_.end())
      it = context_cache_.emplace(key, terms_of(section + " " + sources_[source].title)).first;
    return it->second;
  }

  // Whether the unit, its page's title and sections or its tags name
  // every name the question uses.
  bool names_all(const std::set<std::string>& unit_terms, const std::set<std::string>& context,
                 const Source& source) {
    const auto& tags = source_facts(static_cast<size_t>(&source - sources_.data())).tag_terms;
    for (const auto& name : facts_.names)
      if (!unit_terms.count(name) && !context.count(name) && !tags.count(name)) return false;
    return true;
  }

  // A code the question names lifts the units that mention it, most those
  // that start with it or sit in a section named for it (its definition).
  double code_bonus(const std::string& text, const std::string& section) const {
    if (facts_.codes.empty()) return 0;
    std::string heading = core::spaced_words(section);
    double bonus = -0.2;
    for (const auto& code : facts_.codes) {
      std::string word = " " + code + " ";
      if (text.find(word) != std::string::npos) bonus = std::max(bonus, 0.3);
      if (text.rfind(word, 0) == 0 || heading.find(word) != std::string::npos) bonus = 0.45;
    }
    return bonus;
  }

  // A unit about a product the question names is lifted; one only about
  // other products is pushed down.
  double product_bonus(const std::string& text, size_t source) {
    if (facts_.products.empty()) return 0;
    const auto& tagged = source_facts(source).products;
    bool about_asked = false, about_other = false;
    for (size_t i = 0; i < products_.size(); ++i) {
      bool asked =
          std::find(facts_.products.begin(), facts_.products.end(), products_[i]) != facts_.products.end();
      bool named = text.find(spaced_products_[i]) != std::string::npos || tagged.count(lower_products_[i]);
      (asked ? about_asked : about_other) |= named;
    }
    if (about_asked) return 0.1;
    return about_other ? -0.25 : 0;
  }

  double number_bonus(const AnswerUnit& unit) const {
    if (!facts_.asks_number) return 0;
    return has_digit(unit.text) ? 0.1 : -0.1;
  }

  std::vector<WeightedTerm> terms_;
  const std::vector<Source>& sources_;
  QuestionFacts facts_;
  const std::vector<std::string>& products_;
  std::vector<std::string> spaced_products_, lower_products_;
  double total_ = 0;
  std::vector<SourceFacts> source_facts_;
  std::map<std::pair<size_t, std::string>, std::set<std::string>> context_cache_;
};

bool repeats(const ScoredUnit& a, const ScoredUnit& b) {
  if (a.terms.empty() || b.terms.empty()) return false;
  size_t shared = 0;
  for (const auto& t : a.terms) shared += b.terms.count(t);
  double jaccard =
      static_cast<double>(shared) / static_cast<double>(a.terms.size() + b.terms.size() - shared);
  return jaccard >= 0.6;
}

DraftSentence say(const ScoredUnit& chosen, const std::vector<Source>& sources, const QuestionFacts& facts) {
  const AnswerUnit& unit = *chosen.unit;
  DraftSentence out;
  out.text = unit.text;
  if (!unit.cells.empty() && !facts.products.empty()) {
    auto columns = product_columns(unit, facts.products);
    if (!columns.empty()) out.text = render_row(unit, columns);
  }
  int number = sources[unit.source].number;
  if (unit.header_line)
    out.citations.push_back({number, unit.header_line, unit.header_line, 0, "", "", 0, ""});
  out.citations.push_back({number, unit.first_line, unit.last_line, 0, "", "", 0, ""});
  return out;
}

bool asks_how_to(std::string_view question) {
  std::string q = core::spaced_words(question);
  for (std::string_view cue : {" how do i ", " how do we ", " how can i ", " how can we ", " how should i ",
                               " how to ", " what steps ", " which steps ", " steps to "})
    if (q.find(cue) != std::string::npos) return true;
  return false;
}

// Replaces the chosen units after the best with the steps of the numbered
// list that one of the three best units belongs to, in line order.
void add_steps(const std::vector<ScoredUnit>& scored, const ExtractiveOptions& options,
               std::vector<const ScoredUnit*>& chosen) {
  const AnswerUnit* step = nullptr;
  for (size_t i = 0; i < scored.size() && i < 3 && !step; ++i)
    if (scored[i].unit->step_list && scored[i].coverage >= options.min_coverage) step = scored[i].unit;
  if (!step) return;
  std::vector<const ScoredUnit*> steps;
  for (const auto& s : scored)
    if (s.unit->source == step->source && s.unit->step_list == step->step_list) steps.push_back(&s);
  std::sort(steps.begin(), steps.end(), [](const ScoredUnit* a, const ScoredUnit* b) {
    return a->unit->first_line < b->unit->first_line;
  });
  if (static_cast<int>(steps.size()) > options.max_steps)
    steps.resize(static_cast<size_t>(options.max_steps));
  const ScoredUnit* best = chosen.front();
  chosen.clear();
  if (best->unit->step_list != step->step_list || best->unit->source != step->source) chosen.push_back(best);
  chosen.insert(chosen.end(), steps.begin(), steps.end());
}

}  // namespace

ExtractiveResult answer_extractively(std::string_view question, const std::vector<WeightedTerm>& terms,
                                     const std::vector<Source>& sources, const ExtractiveOptions& options) {
  ExtractiveResult result;
  std::vector<AnswerUnit> units;
  for (size_t i = 0; i < sources.size(); ++i) {
    auto more = answer_units(sources[i], i);
    units.insert(units.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (units.empty() || terms.empty()) return result;
  UnitScorer scorer(question, terms, sources, options);
  std::vector<ScoredUnit> scored;
  for (const auto& unit : units) scored.push_back(scorer.score(unit));
  std::stable_sort(scored.begin(), scored.end(),
                   [](const ScoredUnit& a, const ScoredUnit& b) { return a.score > b.score; });
  const ScoredUnit& best = scored.front();
  result.coverage = best.coverage;
  result.confidence = std::clamp(best.score, 0.0, 1.0);
  if (best.coverage < options.min_coverage) return result;
  std::vector<const ScoredUnit*> chosen = {&best};
  for (const auto& s : scored) {
    if (static_cast<int>(chosen.size()) >= options.max_sentences || s.score < options.keep_ratio * best.score)
      break;
    if (&s == &best || s.coverage < options.min_coverage) continue;
    bool repeated =
        std::any_of(chosen.begin(), chosen.end(), [&](const ScoredUnit* c) { return repeats(*c, s); });
    if (!repeated) chosen.push_back(&s);
  }
  if (asks_how_to(question)) add_steps(scored, options, chosen);
  for (const auto* c : chosen) result.sentences.push_back(say(*c, sources, scorer.facts()));
  return result;
}

}  // namespace groundline::answer
