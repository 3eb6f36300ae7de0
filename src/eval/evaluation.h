// One evaluation run: every question through one configuration. Each
// question is searched (top k, for the retrieval measures) and, unless the
// configuration says otherwise, answered with ask(); the per-question
// results are kept so that the report can show why a question failed.
//
// A configuration that chunks differently from the knowledge base is run on
// a scratch copy re-chunked from it (see ingest/rechunk.h); the user's
// knowledge base is only ever opened read-only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "answer/answer.h"
#include "eval/config.h"
#include "eval/metrics.h"
#include "eval/questions.h"

namespace groundline::eval {

// Why a question scored as it did, worst first.
enum class Verdict {
  kRetrievalMiss,         // answerable, no gold range in the top k
  kFalseAbstention,       // answerable, found, but the answer declined
  kWrongAnswer,           // answerable, answered without every fact
  kAnsweredUnanswerable,  // unanswerable, but answered
  kCorrect,
  kCorrectAbstention,
};
const char* verdict_name(Verdict verdict);

struct QuestionResult {
  std::string id, question, type, expected;  // expected: the facts joined by "; ", or "abstain"
  bool answerable = true;
  std::vector<LineRange> retrieved;  // top k
  std::optional<int> found_rank;
  double ndcg = 0;
  double search_ms = 0;
  // When answered:
  bool asked = false;
  std::string answer;
  bool abstained = false;
  bool correct = false;
  std::optional<double> f1;  // when the question has a reference answer
  int released = 0, removed = 0, unsupported_released = 0;
  int citations = 0, citations_on_gold = 0;
  answer::Latency latency;
  Verdict verdict = Verdict::kCorrect;
};

struct ConfigResult {
  EvalConfig config;
  std::string knowledge_base;  // the file the questions ran on
  std::vector<QuestionResult> questions;
};

struct EvalOptions {
  int k = 10;
  size_t threads = 1;
  // Called after each question, from any of the threads, with the number done.
  std::function<void(size_t done, size_t total)> on_progress;
};

// Runs `questions` through `config` on the knowledge base at `kb_path`
// (already chunked as the configuration wants). Results are in the order
// of `questions` and do not depend on the number of threads.
Result<ConfigResult> evaluate(const std::string& kb_path, const std::vector<LabelledQuestion>& questions,
                              const EvalConfig& config, const EvalOptions& options);

// The knowledge base a configuration runs on: `kb_path` itself when the
// configuration keeps its chunking, or a scratch copy in `scratch_dir`
// re-chunked from it (made once per chunking and reused).
Result<std::string> knowledge_base_for(const std::string& kb_path, const EvalConfig& config,
                                       const std::string& scratch_dir);

// Problems with the gold references: documents the knowledge base lacks,
// line ranges past a document's end. One line each, naming the question.
Result<std::vector<std::string>> check_gold(const std::string& kb_path,
                                            const std::vector<LabelledQuestion>& questions);

// Aggregates of a configuration's results.
struct RetrievalSummary {
  int questions = 0;  // answerable
  double recall_at_1 = 0, recall_at_5 = 0, recall_at_10 = 0, mrr = 0, ndcg_at_10 = 0;
};
struct AnswerSummary {
  int answerable = 0, correct = 0, unanswerable = 0, correct_abstentions = 0, abstentions = 0;
  int false_abstentions = 0;
  std::optional<double> token_f1;  // mean over questions with a reference answer
  int citations = 0, citations_on_gold = 0;
  int drafted = 0, released = 0, unsupported_drafted = 0, unsupported_released = 0;
  int prompt_tokens = 0, completion_tokens = 0;
  double generate_ms = 0;  // summed where a model ran
  double accuracy() const;
  double citation_precision() const;
  double unsupported_before() const;  // of drafted sentences
  double unsupported_after() const;   // of released sentences
  double abstention_rate() const;     // of all questions
  double correct_abstention_rate() const;
  std::optional<double> ms_per_token() const;
};
RetrievalSummary summarize_retrieval(const ConfigResult& result);
std::map<std::string, RetrievalSummary> retrieval_by_type(const ConfigResult& result);
std::optional<AnswerSummary> summarize_answers(const ConfigResult& result);  // none when not asked
// Per stage ("retrieve", "generate", "verify", "self_check", "total"), only the stages that ran.
std::map<std::string, Percentiles> latency_by_stage(const ConfigResult& result);

// The questions, worst first (by verdict, then file order).
std::vector<const QuestionResult*> worst_first(const ConfigResult& result);

}  // namespace groundline::eval
