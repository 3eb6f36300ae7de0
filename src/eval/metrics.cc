#include "eval/metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "core/utf8.h"
#include "core/words.h"

namespace groundline::eval {

namespace {

// Lowercase words joined by single spaces, "1,000" as "1000".
std::string comparable(const std::string& text) {
  std::string out = " ";
  core::for_each_word(text, [&](std::string_view w, size_t, size_t) {
    std::string word = core::to_lower(w);
    if (std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; }))
      word.erase(std::remove(word.begin(), word.end(), ','), word.end());
    out += word + " ";
  });
  return out;
}

// SQuAD's normalisation: lowercase, ASCII punctuation dropped (so
// "France's" is one token), split at white space, articles removed.
std::map<std::string, int> f1_tokens(const std::string& text) {
  std::map<std::string, int> tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "a" && word != "an" && word != "the") tokens[word]++;
    word.clear();
  };
  for (unsigned char c : core::to_lower(text)) {
    if (std::isspace(c))
      flush();
    else if (c >= 0x80 || std::isalnum(c))
      word.push_back(static_cast<char>(c));
  }
  flush();
  return tokens;
}

int total(const std::map<std::string, int>& tokens) {
  int n = 0;
  for (const auto& [word, count] : tokens) n += count;
  return n;
}

}  // namespace

bool overlaps(const LineRange& hit, const GoldRange& gold) {
  return hit.doc == gold.doc && hit.first_line <= gold.last_line && gold.first_line <= hit.last_line;
}

std::optional<int> first_relevant_rank(const std::vector<LineRange>& hits, const std::vector<GoldRange>& gold,
                                       int k) {
  for (size_t i = 0; i < hits.size() && static_cast<int>(i) < k; ++i)
    for (const auto& g : gold)
      if (overlaps(hits[i], g)) return static_cast<int>(i) + 1;
  return std::nullopt;
}

double ndcg_at(const std::vector<LineRange>& hits, const std::vector<GoldRange>& gold, int k) {
  if (gold.empty() || k < 1) return 0;
  std::vector<bool> credited(gold.size(), false);
  double dcg = 0;
  for (size_t i = 0; i < hits.size() && static_cast<int>(i) < k; ++i)
    for (size_t g = 0; g < gold.size(); ++g)
      if (!credited[g] && overlaps(hits[i], gold[g])) {
        credited[g] = true;
        dcg += 1 / std::log2(static_cast<double>(i) + 2);
        break;
      }
  double ideal = 0;
  for (int i = 0; i < std::min<int>(k, static_cast<int>(gold.size())); ++i) ideal += 1 / std::log2(i + 2.0);
  return dcg / ideal;
}

double token_f1(const std::string& answer, const std::string& reference) {
  auto a = f1_tokens(answer), r = f1_tokens(reference);
  if (a.empty() || r.empty()) return a.empty() && r.empty() ? 1 : 0;
  int common = 0;
  for (const auto& [word, count] : a)
    if (auto it = r.find(word); it != r.end()) common += std::min(count, it->second);
  if (common == 0) return 0;
  double precision = static_cast<double>(common) / total(a);
  double recall = static_cast<double>(common) / total(r);
  return 2 * precision * recall / (precision + recall);
}

bool states_fact(const std::string& text, const std::string& fact) {
  std::string f = comparable(fact);
  return f.size() > 1 && comparable(text).find(f) != std::string::npos;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

Percentiles percentiles(const std::vector<double>& values) {
  return {percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)};
}

}  // namespace groundline::eval
