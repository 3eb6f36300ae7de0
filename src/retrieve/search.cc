#include "retrieve/search.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
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
  if (key == "updated_after" || key == "after")
    bound = {true, true};
  else if (key == "updated_before" || key == "before")
    bound = {false, true};
  else if (key == "updated_since" || key == "since")
    bound = {true, false};
  else if (key == "updated_until" || key == "until")
    bound = {false, false};
  else
    return false;
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

std::vector<std::string> query_terms(std::string_view question) {
  std::vector<std::string> terms;
  std::set<std::string> seen;
  core::for_each_word(question, [&](std::string_view word, size_t, size_t) {
    if (terms.size() >= kMaxTerms) return;
    std::string term = core::index_term(word);
    if (!term.empty() && seen.insert(term).second) terms.push_back(std::move(term));
  });
  return terms;
}

namespace {

// Scores of every chunk that holds a query term and passes the filters,
// accumulated term by term into an array indexed by chunk id.
class Scorer {
 public:
  Scorer(const kb::LexicalStats& stats, const RankWeights& weights)
      : stats_(stats), weights_(weights), scores_(buffer()) {
    scores_.assign(static_cast<size_t>(stats.max_chunk_id) + 1, 0.0f);
    for (int f = 0; f < kb::kFieldCount; ++f)
      average_[f] = stats.chunks > 0 && stats.total_length[f] > 0
                        ? static_cast<double>(stats.total_length[f]) / static_cast<double>(stats.chunks)
                        : 1.0;
  }

  // Only chunks that pass every filter may score: each filter marks its
  // chunks once (the stamp) and a chunk is allowed when all did.
  Status restrict_to(kb::Store& store, const std::vector<kb::TagFilter>& filters) {
    auto& passed = counts();
    auto& stamp = stamps();
    passed.assign(scores_.size(), 0);
    stamp.assign(scores_.size(), 0);
    for (size_t f = 0; f < filters.size(); ++f) {
      auto mark = static_cast<uint8_t>(f + 1);
      GL_TRY(store.scan_tagged(filters[f], [&](const std::vector<int64_t>& ids) {
        for (int64_t id : ids) {
          auto i = static_cast<size_t>(id);
          if (id < 0 || i >= passed.size() || stamp[i] == mark) continue;
          stamp[i] = mark;
          passed[i]++;
        }
      }));
    }
    required_ = static_cast<uint8_t>(filters.size());
    passed_ = passed.data();
    restricted_ = true;
    return {};
  }

  void add(kb::PostingCursor& postings) {
    double n = static_cast<double>(stats_.chunks), df = static_cast<double>(postings.size());
    const float idf = static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
    const float k1 = static_cast<float>(weights_.k1), b = static_cast<float>(weights_.b);
    const float w_text = static_cast<float>(weights_.text), w_head = static_cast<float>(weights_.headings),
                w_code = static_cast<float>(weights_.codes);
    // tf / (1 - b + b * len / avg) == tf / (c0 + c1 * len), per field.
    const float c0 = 1.0f - b, text_c1 = b / static_cast<float>(average_[kb::kTextField]),
                head_c1 = b / static_cast<float>(average_[kb::kHeadingsField]);
    const size_t size = scores_.size();
    kb::Posting p;
    while (postings.next(p)) {
      auto id = static_cast<size_t>(p.chunk_id);
      if (id >= size || (restricted_ && passed_[id] != required_)) continue;
      float tf = w_text * static_cast<float>(p.tf[kb::kTextField]) /
                 (c0 + text_c1 * static_cast<float>(p.lengths[kb::kTextField]));
      if (p.tf[kb::kHeadingsField])
        tf += w_head * static_cast<float>(p.tf[kb::kHeadingsField]) /
              (c0 + head_c1 * static_cast<float>(p.lengths[kb::kHeadingsField]));
      tf += w_code * static_cast<float>(p.tf[kb::kCodesField]);
      if (scores_[id] == 0.0f) touched_.push_back(id);
      scores_[id] += idf * tf * (k1 + 1.0f) / (k1 + tf);
    }
  }

  // Multiplies the scores of the given chunks (those about a product the
  // question names) by `factor`.
  Status boost(kb::Store& store, const kb::TagFilter& filter, float factor) {
    auto& stamp = stamps();
    stamp.assign(scores_.size(), 0);
    return store.scan_tagged(filter, [&](const std::vector<int64_t>& ids) {
      for (int64_t id : ids) {
        auto i = static_cast<size_t>(id);
        if (id < 0 || i >= scores_.size() || stamp[i]) continue;
        stamp[i] = 1;
        scores_[i] *= factor;
      }
    });
  }

  // The k best (chunk id, score), best first; ties go to the older chunk.
  std::vector<std::pair<int64_t, double>> top(int k) {
    auto better = [&](size_t a, size_t b) {
      return scores_[a] != scores_[b] ? scores_[a] > scores_[b] : a < b;
    };
    size_t n = std::min(touched_.size(), static_cast<size_t>(k));
    std::partial_sort(touched_.begin(), touched_.begin() + static_cast<long>(n), touched_.end(), better);
    std::vector<std::pair<int64_t, double>> out;
    for (size_t i = 0; i < n; ++i) out.emplace_back(static_cast<int64_t>(touched_[i]), scores_[touched_[i]]);
    return out;
  }

 private:
  // One score array per thread, reused: a fresh one per search would cost
  // page faults on every query.
  static std::vector<float>& buffer() {
    thread_local std::vector<float> scores;
    return scores;
  }
  static std::vector<uint8_t>& counts() {
    thread_local std::vector<uint8_t> passed;
    return passed;
  }
  static std::vector<uint8_t>& stamps() {
    thread_local std::vector<uint8_t> stamp;
    return stamp;
  }

  kb::LexicalStats stats_;
  RankWeights weights_;
  double average_[kb::kFieldCount] = {};
  std::vector<float>& scores_;
  uint8_t required_ = 0;
  const uint8_t* passed_ = nullptr;  // counts(), while restricted
  bool restricted_ = false;
  std::vector<size_t> touched_;
};

// " lowercased words of text " with every ASCII non-alphanumeric a space,
// so that a phrase is found as whole words by a plain find.
std::string spaced_words(std::string_view text) {
  std::string out = " " + core::to_lower(text) + " ";
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) c = ' ';
  return out;
}

// Product names (from the knowledge base's ingest settings) that the
// question mentions as whole words, lowercased as product tags are.
std::vector<std::string> products_named(kb::Store& store, std::string_view question) {
  std::vector<std::string> named;
  std::string q = spaced_words(question);
  for (const auto& product : configured_products(store)) {
    std::string name = core::to_lower(product);
    if (q.find(spaced_words(name)) != std::string::npos) named.push_back(name);
  }
  return named;
}

}  // namespace

std::vector<std::string> configured_products(kb::Store& store) {
  std::vector<std::string> products;
  auto settings = store.meta("ingest_config");
  if (!settings) return products;
  auto j = nlohmann::json::parse(*settings, nullptr, false);
  if (j.is_discarded() || !j.contains("products") || !j["products"].is_array()) return products;
  for (const auto& p : j["products"])
    if (p.is_string()) products.push_back(p.get<std::string>());
  return products;
}

Result<std::vector<Hit>> search(kb::Store& store, std::string_view question, const SearchOptions& options) {
  if (options.k <= 0) return make_error("k must be at least 1");
  auto terms = query_terms(question);
  if (terms.empty()) return std::vector<Hit>{};
  GL_ASSIGN_OR_RETURN(auto stats, store.lexical_stats());
  Scorer scorer(stats, options.weights);
  if (options.filters.size() > 250) return make_error("too many filters (at most 250)");
  if (!options.filters.empty()) GL_TRY(scorer.restrict_to(store, options.filters));
  for (const auto& term : terms)
    GL_TRY(store.scan_postings(term, [&](kb::PostingCursor& postings) { scorer.add(postings); }));
  if (options.weights.product_boost > 0) {
    auto named = products_named(store, question);
    if (!named.empty()) {
      kb::TagFilter about{"product", named, {}, {}, false};
      GL_TRY(scorer.boost(store, about, static_cast<float>(1.0 + options.weights.product_boost)));
    }
  }
  auto best = scorer.top(options.k);
  std::vector<int64_t> ids;
  for (const auto& [id, score] : best) ids.push_back(id);
  GL_ASSIGN_OR_RETURN(auto records, store.chunks(ids));
  std::vector<Hit> hits;
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    hits.push_back({r.id, r.doc_id, std::move(r.path), std::move(r.title), r.version, r.chunk.first_line,
                    r.chunk.last_line, std::move(r.chunk.heading_path), std::move(r.chunk.tags),
                    std::move(r.chunk.codes), best[i].second, std::move(r.chunk.text)});
  }
  return hits;
}

}  // namespace groundline::retrieve
