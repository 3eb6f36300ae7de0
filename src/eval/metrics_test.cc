#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace groundline::eval {
namespace {

const std::vector<GoldRange> kGold = {{"a.md", 10, 12}, {"b.md", 3, 3}};

TEST(Metrics, AHitOverlapsGoldOnlyInTheSameDocumentAndLines) {
  EXPECT_TRUE(overlaps({"a.md", 12, 20}, kGold[0]));
  EXPECT_TRUE(overlaps({"a.md", 1, 10}, kGold[0]));
  EXPECT_FALSE(overlaps({"a.md", 13, 20}, kGold[0]));
  EXPECT_FALSE(overlaps({"b.md", 10, 12}, kGold[0]));
}

TEST(Metrics, FirstRelevantRankCountsWithinTheCutOff) {
  std::vector<LineRange> hits = {{"c.md", 1, 5}, {"a.md", 1, 9}, {"b.md", 1, 4}};
  EXPECT_EQ(first_relevant_rank(hits, kGold, 10), 3);
  EXPECT_EQ(first_relevant_rank(hits, kGold, 2), std::nullopt);
  EXPECT_EQ(first_relevant_rank({}, kGold, 10), std::nullopt);
  EXPECT_EQ(first_relevant_rank(hits, {}, 10), std::nullopt);
}

TEST(Metrics, NdcgCreditsEachGoldRangeOnce) {
  // Both gold ranges at ranks 1 and 2: ideal.
  EXPECT_DOUBLE_EQ(ndcg_at({{"a.md", 10, 10}, {"b.md", 3, 3}}, kGold, 10), 1.0);
  // One gold range found at rank 2, the other never: (1/log2 3) / (1 + 1/log2 3).
  double expected = (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0));
  EXPECT_DOUBLE_EQ(ndcg_at({{"c.md", 1, 1}, {"a.md", 11, 11}}, kGold, 10), expected);
  // A second chunk over the same gold range earns nothing more.
  EXPECT_DOUBLE_EQ(ndcg_at({{"c.md", 1, 1}, {"a.md", 11, 11}, {"a.md", 12, 14}}, kGold, 10), expected);
  // Ties in line ranges: the same range twice at ranks 1 and 2 for one gold range.
  EXPECT_DOUBLE_EQ(ndcg_at({{"b.md", 3, 3}, {"b.md", 3, 3}}, {{"b.md", 3, 3}}, 10), 1.0);
  // Outside the cut-off, empty results, no gold.
  EXPECT_DOUBLE_EQ(ndcg_at({{"c.md", 1, 1}, {"a.md", 11, 11}}, kGold, 1), 0.0);
  EXPECT_DOUBLE_EQ(ndcg_at({}, kGold, 10), 0.0);
  EXPECT_DOUBLE_EQ(ndcg_at({{"a.md", 10, 10}}, {}, 10), 0.0);
  // One gold range and k = 1: the ideal is one hit at rank 1.
  EXPECT_DOUBLE_EQ(ndcg_at({{"a.md", 10, 10}}, kGold, 1), 1.0);
}

TEST(Metrics, TokenF1AsSquadDefinesIt) {
  EXPECT_DOUBLE_EQ(token_f1("The Eiffel Tower!", "eiffel tower"), 1.0);
  // answer: {paris, france, capital}; reference: {paris} -> p = 1/3, r = 1 -> 0.5
  EXPECT_DOUBLE_EQ(token_f1("Paris, France's capital", "Paris"), 2 * (1.0 / 3) / (1.0 / 3 + 1));
  EXPECT_DOUBLE_EQ(token_f1("Paris", "London"), 0.0);
  // Repeated tokens count as a multiset: {the, the} is empty after articles; {x, x, y} vs {x}.
  EXPECT_DOUBLE_EQ(token_f1("x x y", "x"), 2 * (1.0 / 3) / (1.0 / 3 + 1));
  EXPECT_DOUBLE_EQ(token_f1("", ""), 1.0);
  EXPECT_DOUBLE_EQ(token_f1("the", "a"), 1.0);  // both empty once articles go
  EXPECT_DOUBLE_EQ(token_f1("", "Paris"), 0.0);
  EXPECT_DOUBLE_EQ(token_f1("\xff\xfe", "Paris"), 0.0);
}

TEST(Metrics, StatesFactIgnoresCaseSpacingAndThousandsSeparators) {
  EXPECT_TRUE(states_fact("The Pro plan has 1,000  GB of storage.", "1000 gb"));
  EXPECT_TRUE(states_fact("Limit: 2 GB.", "2 GB"));
  EXPECT_FALSE(states_fact("Limit: 12 GB.", "2 GB"));
  EXPECT_FALSE(states_fact("anything", ""));
}

TEST(Metrics, PercentilesAtTheNearestRank) {
  std::vector<double> values;
  for (int i = 100; i >= 1; --i) values.push_back(i);
  auto p = percentiles(values);
  EXPECT_DOUBLE_EQ(p.p50, 51);  // index round(0.5 * 99) = 50 -> 51
  EXPECT_DOUBLE_EQ(p.p95, 95);  // round(94.05) = 94 -> 95
  EXPECT_DOUBLE_EQ(p.p99, 99);
  EXPECT_DOUBLE_EQ(percentiles({}).p99, 0);
  EXPECT_DOUBLE_EQ(percentiles({7}).p50, 7);
}

}  // namespace
}  // namespace groundline::eval
