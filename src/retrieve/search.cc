#include "retrieve/search.h"

#include <algorithm>
#include <set>

#include "core/utf8.h"
#include "core/words.h"

namespace groundline::retrieve {

namespace {

// Questions longer than this many distinct words are cut: a pasted log
// file should not cost a scan of every posting list.
constexpr size_t kMaxTerms = 64;

bool is_iso_date(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (v[i] < '0' || v[i] > '9') return false;
  int month = (v[5] - '0') * 10 + (v[6] - '0');
  int day = (v[8] - '0') * 10 + (v[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

struct DateBound {
  bool lower;   // a lower bound (after/since) or an upper one (before/until)
  bool strict;  // excludes the day itself
};

bool date_bound(const std::string& key, DateBound& bound) {
  if (key == "updated_after" || key == "after") bound = {true, true};
  else if (key == "updated_before" || key == "before") bound = {false, true};
  else if (key == "updated_since" || key == "since") bound = {true, false};
  else if (key == "updated_until" || key == "until") bound = {false, false};
  else return false;
  return true;
}

kb::TagFilter& filter_for(std::vector<kb::TagFilter>& filters, const std::string& key) {
  for (auto& f : filters)
    if (f.key == key && f.min.empty() && f.max.empty()) return f;
  filters.push_back({key, {}, {}, {}, false});
  return filters.back();
}

}  // namespace

Result<std::vector<kb::TagFilter>> parse_filters(const std::vector<std::string>& specs) {
  std::vector<kb::TagFilter> filters;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    std::string key = core::to_lower(core::trim(spec.substr(0, eq)));
    std::string value(eq == std::string::npos ? "" : core::trim(std::string_view(spec).substr(eq + 1)));
    if (eq == std::string::npos || key.empty() || value.empty())
      return make_error("filter \"" + spec + "\": expected key=value, e.g. product=pro");
    DateBound bound{};
    if (date_bound(key, bound)) {
      if (!is_iso_date(value))
        return make_error("filter \"" + spec + "\": \"" + value + "\" is not a date (use YYYY-MM-DD)");
      kb::TagFilter f{"updated", {}, {}, {}, bound.strict};
      (bound.lower ? f.min : f.max) = value;
      filters.push_back(std::move(f));
      continue;
    }
    auto& filter = filter_for(filters, key);
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = std::min(value.find(',', start), value.size());
      std::string item(core::trim(std::string_view(value).substr(start, end - start)));
      if (!item.empty()) filter.values.push_back(key == "code" ? upper(item) : core::to_lower(item));
      start = end + 1;
    }
    if (filter.values.empty()) return make_error("filter \"" + spec + "\": no value");
    // A page written for every plan says so with "all".
    if ((key == "product" || key == "plan") &&
        std::find(filter.values.begin(), filter.values.end(), "all") == filter.values.end())
      filter.values.push_back("all");
  }
  return filters;
}

std::string match_expression(std::string_view question) {
  std::set<std::string> seen;
  std::string expression;
  core::for_each_word(question, [&](std::string_view word, size_t, size_t) {
    std::string lower = core::to_lower(word);
    if (seen.size() >= kMaxTerms || !seen.insert(lower).second) return;
    if (core::index_term(lower).empty()) return;  // a stop word: the index has no term for it
    if (!expression.empty()) expression += " OR ";
    expression += "\"" + lower + "\"";
  });
  return expression;
}

Result<std::vector<Hit>> search(kb::Store& store, std::string_view question,
                                const SearchOptions& options) {
  if (options.k <= 0) return make_error("k must be at least 1");
  std::string expression = match_expression(question);
  if (expression.empty()) return std::vector<Hit>{};
  GL_ASSIGN_OR_RETURN(auto scored, store.match(expression, options.filters, options.k, options.weights));
  std::vector<int64_t> ids;
  for (const auto& s : scored) ids.push_back(s.chunk_id);
  GL_ASSIGN_OR_RETURN(auto records, store.chunks(ids));
  std::vector<Hit> hits;
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    hits.push_back({r.id, r.doc_id, std::move(r.path), std::move(r.title), r.version,
                    r.chunk.first_line, r.chunk.last_line, std::move(r.chunk.heading_path),
                    std::move(r.chunk.tags), std::move(r.chunk.codes), scored[i].score,
                    std::move(r.chunk.text)});
  }
  return hits;
}

}  // namespace groundline::retrieve
