// The aggregates declared in evaluation.h.
#include <algorithm>

#include "eval/evaluation.h"

namespace groundline::eval {

namespace {

double ratio(int part, int whole) {
  return whole ? static_cast<double>(part) / whole : 0;
}

RetrievalSummary summarize(const std::vector<const QuestionResult*>& results) {
  RetrievalSummary s;
  int at_1 = 0, at_5 = 0, at_10 = 0;
  double rr = 0, ndcg = 0;
  for (const auto* r : results) {
    if (!r->answerable) continue;
    s.questions++;
    ndcg += r->ndcg;
    if (!r->found_rank) continue;
    int rank = *r->found_rank;
    at_1 += rank <= 1;
    at_5 += rank <= 5;
    at_10 += rank <= 10;
    rr += 1.0 / rank;
  }
  if (s.questions == 0) return s;
  s.recall_at_1 = ratio(at_1, s.questions);
  s.recall_at_5 = ratio(at_5, s.questions);
  s.recall_at_10 = ratio(at_10, s.questions);
  s.mrr = rr / s.questions;
  s.ndcg_at_10 = ndcg / s.questions;
  return s;
}

void add_answer(const QuestionResult& r, AnswerSummary& s, double& f1_sum, int& f1_count) {
  s.abstentions += r.abstained;
  s.drafted += r.released + r.removed;
  s.released += r.released;
  s.unsupported_drafted += r.removed + r.unsupported_released;
  s.unsupported_released += r.unsupported_released;
  s.prompt_tokens += r.latency.prompt_tokens;
  s.completion_tokens += r.latency.completion_tokens;
  if (r.latency.completion_tokens > 0) s.generate_ms += r.latency.generate_ms;
  if (r.f1) {
    f1_sum += *r.f1;
    f1_count++;
  }
  if (!r.answerable) {
    s.unanswerable++;
    s.correct_abstentions += r.abstained;
    return;
  }
  s.answerable++;
  s.correct += r.correct;
  s.false_abstentions += r.abstained;
  s.citations += r.citations;
  s.citations_on_gold += r.citations_on_gold;
}

}  // namespace

double AnswerSummary::accuracy() const {
  return ratio(correct, answerable);
}
double AnswerSummary::citation_precision() const {
  return ratio(citations_on_gold, citations);
}
double AnswerSummary::unsupported_before() const {
  return ratio(unsupported_drafted, drafted);
}
double AnswerSummary::unsupported_after() const {
  return ratio(unsupported_released, released);
}
double AnswerSummary::abstention_rate() const {
  return ratio(abstentions, answerable + unanswerable);
}
double AnswerSummary::correct_abstention_rate() const {
  return ratio(correct_abstentions, unanswerable);
}
std::optional<double> AnswerSummary::ms_per_token() const {
  if (completion_tokens == 0) return std::nullopt;
  return generate_ms / completion_tokens;
}

RetrievalSummary summarize_retrieval(const ConfigResult& result) {
  std::vector<const QuestionResult*> all;
  for (const auto& r : result.questions) all.push_back(&r);
  return summarize(all);
}

std::map<std::string, RetrievalSummary> retrieval_by_type(const ConfigResult& result) {
  std::map<std::string, std::vector<const QuestionResult*>> groups;
  for (const auto& r : result.questions)
    if (r.answerable) groups[r.type.empty() ? "untyped" : r.type].push_back(&r);
  std::map<std::string, RetrievalSummary> out;
  for (const auto& [type, results] : groups) out[type] = summarize(results);
  return out;
}

std::optional<AnswerSummary> summarize_answers(const ConfigResult& result) {
  if (!result.config.answers) return std::nullopt;
  AnswerSummary s;
  double f1_sum = 0;
  int f1_count = 0;
  for (const auto& r : result.questions) add_answer(r, s, f1_sum, f1_count);
  if (f1_count) s.token_f1 = f1_sum / f1_count;
  return s;
}

std::map<std::string, Percentiles> latency_by_stage(const ConfigResult& result) {
  std::map<std::string, std::vector<double>> stages;
  for (const auto& r : result.questions) {
    stages["search"].push_back(r.search_ms);
    if (!r.asked) continue;
    stages["retrieve"].push_back(r.latency.retrieve_ms);
    stages["generate"].push_back(r.latency.generate_ms);
    stages["verify"].push_back(r.latency.verify_ms);
    if (result.config.self_check) stages["self_check"].push_back(r.latency.self_check_ms);
    stages["total"].push_back(r.latency.total_ms);
  }
  std::map<std::string, Percentiles> out;
  for (const auto& [stage, values] : stages) out[stage] = percentiles(values);
  return out;
}

std::vector<const QuestionResult*> worst_first(const ConfigResult& result) {
  std::vector<const QuestionResult*> out;
  for (const auto& r : result.questions) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(),
                   [](const QuestionResult* a, const QuestionResult* b) { return a->verdict < b->verdict; });
  return out;
}

}  // namespace groundline::eval
