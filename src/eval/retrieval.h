// Retrieval accuracy over a labelled question set: a question is found at
// k when one of the top-k chunks (searched with the question's filters)
// overlaps one of its gold line ranges in the same document. Reports
// recall@1, @3, @5, @k and the mean reciprocal rank within the top k over
// answerable questions, overall and by question type, with the questions missed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/questions.h"
#include "kb/store.h"

namespace groundline::eval {

struct RetrievalScore {
  int questions = 0;
  int found_at_1 = 0, found_at_3 = 0, found_at_5 = 0, found_at_k = 0;
  double reciprocal_rank_sum = 0;

  double recall_at(int found) const { return questions ? static_cast<double>(found) / questions : 0; }
  double mrr() const { return questions ? reciprocal_rank_sum / questions : 0; }
};

struct RetrievalMiss {
  std::string id;
  std::string question;
  std::vector<std::string> returned;  // "doc:first-last" of the top hits
};

struct RetrievalReport {
  int k = 10;
  RetrievalScore overall;
  std::map<std::string, RetrievalScore> by_type;
  std::vector<RetrievalMiss> misses;  // not found at k
  double median_ms = 0, p99_ms = 0;   // search latency per question
};

// The value at fraction `p` (0..1) of the sorted values; 0 for none.
double percentile(std::vector<double> values, double p);

Result<RetrievalReport> evaluate_retrieval(kb::Store& store, const std::vector<LabelledQuestion>& questions,
                                           int k);

}  // namespace groundline::eval
