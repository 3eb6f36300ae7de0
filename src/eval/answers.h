// Answer accuracy over a labelled question set, for any answerer:
//   - accuracy: answerable questions whose released answer contains every
//     one of its answer_facts (case and thousands separators ignored);
//   - false abstention: answerable questions the answer declined;
//   - correct abstention: unanswerable questions it declined;
//   - citation precision: cited line ranges that overlap a gold range of
//     the question (answerable questions with gold ranges);
//   - unsupported sentences: drafted sentences the verifier removed, and
//     released sentences whose facts are not in their quoted lines when
//     checked again here (the verifier's contract: 0);
//   - latency of ask() per question: p50 and p99.
#pragma once

#include <string>
#include <vector>

#include "answer/answer.h"
#include "eval/questions.h"
#include "kb/store.h"

namespace groundline::eval {

struct AnswerFailure {
  std::string id;
  std::string question;
  std::string expected;  // the facts, or "abstain"
  std::string got;       // the answer text
};

struct AnswerReport {
  int answerable = 0, correct = 0, false_abstentions = 0;
  int unanswerable = 0, correct_abstentions = 0;
  int citations = 0, citations_on_gold = 0;  // over answerable questions with gold
  int sentences_released = 0, sentences_removed = 0, unsupported_released = 0;
  double p50_ms = 0, p99_ms = 0;
  std::vector<AnswerFailure> failures;

  double accuracy() const { return answerable ? static_cast<double>(correct) / answerable : 0; }
  double citation_precision() const {
    return citations ? static_cast<double>(citations_on_gold) / citations : 0;
  }
  double correct_abstention_rate() const {
    return unanswerable ? static_cast<double>(correct_abstentions) / unanswerable : 0;
  }
};

// True when `text` states `fact` (case, spacing and thousands separators ignored).
bool states_fact(const std::string& text, const std::string& fact);

Result<AnswerReport> evaluate_answers(kb::Store& store, const std::vector<LabelledQuestion>& questions,
                                      const answer::AskOptions& options);

}  // namespace groundline::eval
