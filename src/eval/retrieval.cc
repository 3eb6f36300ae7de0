#include "eval/retrieval.h"

#include <algorithm>
#include <chrono>

#include "retrieve/search.h"

namespace groundline::eval {

namespace {

bool overlaps(const retrieve::Hit& hit, const GoldRange& gold) {
  return hit.path == gold.doc && hit.first_line <= gold.last_line && gold.first_line <= hit.last_line;
}

// 1-based rank of the first hit that overlaps any gold range; 0 if none.
int first_relevant_rank(const std::vector<retrieve::Hit>& hits, const std::vector<GoldRange>& gold) {
  for (size_t i = 0; i < hits.size(); ++i)
    for (const auto& g : gold)
      if (overlaps(hits[i], g)) return static_cast<int>(i) + 1;
  return 0;
}

void count(RetrievalScore& s, int rank, int k) {
  s.questions++;
  if (rank == 0) return;
  s.found_at_1 += rank <= 1;
  s.found_at_3 += rank <= 3;
  s.found_at_5 += rank <= 5;
  if (rank > k) return;
  s.found_at_k++;
  s.reciprocal_rank_sum += 1.0 / rank;
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

Result<RetrievalReport> evaluate_retrieval(kb::Store& store, const std::vector<LabelledQuestion>& questions,
                                           int k) {
  if (k < 1) return make_error("k must be at least 1");
  RetrievalReport report;
  report.k = k;
  std::vector<double> latencies;
  for (const auto& q : questions) {
    if (!q.answerable) continue;
    retrieve::SearchOptions options;
    options.k = std::max(k, 5);
    auto filters = retrieve::parse_filters(q.filters);
    if (!filters.ok()) return make_error("question " + q.id + ": " + filters.message());
    options.filters = std::move(filters).value();
    auto start = std::chrono::steady_clock::now();
    auto hits = retrieve::search(store, q.question, options);
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!hits.ok()) return make_error("question " + q.id + ": " + hits.message());
    int rank = first_relevant_rank(*hits, q.gold);
    count(report.overall, rank, k);
    count(report.by_type[q.type.empty() ? "untyped" : q.type], rank, k);
    if (rank == 0 || rank > k) {
      RetrievalMiss miss{q.id, q.question, {}};
      for (size_t i = 0; i < hits->size() && i < static_cast<size_t>(k); ++i) {
        const auto& h = (*hits)[i];
        miss.returned.push_back(h.path + ":" + std::to_string(h.first_line) + "-" +
                                std::to_string(h.last_line));
      }
      report.misses.push_back(std::move(miss));
    }
  }
  report.median_ms = percentile(latencies, 0.5);
  report.p99_ms = percentile(latencies, 0.99);
  return report;
}

}  // namespace groundline::eval
