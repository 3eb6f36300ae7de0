// The measures of an evaluation, as plain functions of what came back and
// what was expected, so that each can be checked on hand-computed cases.
//
// Retrieval counts a hit as relevant when its line range overlaps a gold
// range of the same document. nDCG@k gives each gold range credit once, to
// the first hit that overlaps it (so two chunks over one gold line do not
// count twice), with gain 1/log2(rank + 1); the ideal puts one hit on each
// gold range first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/questions.h"

namespace groundline::eval {

struct LineRange {
  std::string doc;
  int first_line = 0;
  int last_line = 0;
};

bool overlaps(const LineRange& hit, const GoldRange& gold);

// 1-based rank of the first hit among the top `k` that overlaps a gold
// range; none when no such hit.
std::optional<int> first_relevant_rank(const std::vector<LineRange>& hits, const std::vector<GoldRange>& gold,
                                       int k);

// In [0, 1]; 0 without gold ranges.
double ndcg_at(const std::vector<LineRange>& hits, const std::vector<GoldRange>& gold, int k);

// SQuAD's token F1: lowercase, punctuation and the articles a/an/the
// removed, then the harmonic mean of the precision and recall of the
// shared tokens (as multisets). Two empty texts score 1, one empty 0.
double token_f1(const std::string& answer, const std::string& reference);

// True when `text` states `fact` (case, spacing and thousands separators ignored).
bool states_fact(const std::string& text, const std::string& fact);

// Percentiles of a sample, as the value at the nearest rank.
struct Percentiles {
  double p50 = 0, p95 = 0, p99 = 0;
};
Percentiles percentiles(const std::vector<double>& values);

// The value at fraction `p` (0..1) of the sorted values; 0 for none.
double percentile(std::vector<double> values, double p);

}  // namespace groundline::eval
