#include "eval/report.h"

#include <cstdio>
#include <fstream>
#include <thread>

#include "core/utf8.h"

namespace groundline::eval {

namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json settings_json(const EvalConfig& c) {
  json chunking = c.chunking ? json(c.chunking->max_tokens) : json(nullptr);
  json overlap = c.chunking ? json(c.chunking->overlap_tokens) : json(nullptr);
  return {{"chunk_tokens", chunking},
          {"overlap_tokens", overlap},
          {"filters", c.filters},
          {"retriever", c.retriever},
          {"answerer", c.answers ? c.answerer : "none"},
          {"sources", c.sources},
          {"self_check", c.self_check},
          {"checker", c.checker.empty() ? json(nullptr) : json(c.checker)}};
}

json retrieval_json(const RetrievalSummary& s) {
  return {{"questions", s.questions},
          {"recall_at_1", s.recall_at_1},
          {"recall_at_5", s.recall_at_5},
          {"recall_at_10", s.recall_at_10},
          {"mrr", s.mrr},
          {"ndcg_at_10", s.ndcg_at_10}};
}

json answers_json(const std::optional<AnswerSummary>& a) {
  if (!a) return nullptr;
  return {{"answerable", a->answerable},
          {"correct", a->correct},
          {"accuracy", a->accuracy()},
          {"token_f1", optional_number(a->token_f1)},
          {"citation_precision", a->citation_precision()},
          {"sentences_drafted", a->drafted},
          {"sentences_released", a->released},
          {"unsupported_before", a->unsupported_before()},
          {"unsupported_after", a->unsupported_after()},
          {"abstention_rate", a->abstention_rate()},
          {"false_abstentions", a->false_abstentions},
          {"unanswerable", a->unanswerable},
          {"correct_abstentions", a->correct_abstentions},
          {"correct_abstention_rate", a->correct_abstention_rate()}};
}

json tokens_json(const std::optional<AnswerSummary>& a) {
  if (!a || a->completion_tokens == 0) return nullptr;
  return {{"prompt", a->prompt_tokens},
          {"completion", a->completion_tokens},
          {"ms_per_token", optional_number(a->ms_per_token())}};
}

std::string range_text(const LineRange& r) {
  return r.doc + ":" + std::to_string(r.first_line) + "-" + std::to_string(r.last_line);
}

json detail_json(const QuestionResult& r) {
  json retrieved = json::array();
  for (const auto& h : r.retrieved) retrieved.push_back(range_text(h));
  return {{"id", r.id},
          {"question", r.question},
          {"type", r.type},
          {"answerable", r.answerable},
          {"verdict", verdict_name(r.verdict)},
          {"found_rank", r.found_rank ? json(*r.found_rank) : json(nullptr)},
          {"ndcg_at_10", r.ndcg},
          {"f1", optional_number(r.f1)},
          {"expected", r.expected},
          {"answer", r.asked ? json(r.answer) : json(nullptr)},
          {"abstained", r.abstained},
          {"removed", r.removed},
          {"retrieved", retrieved},
          {"total_ms", r.asked ? r.latency.total_ms : r.search_ms}};
}

json config_json(const ConfigResult& result) {
  json latency = json::object();
  for (const auto& [stage, p] : latency_by_stage(result))
    latency[stage] = {{"p50", p.p50}, {"p95", p.p95}, {"p99", p.p99}};
  json by_type = json::object();
  for (const auto& [type, s] : retrieval_by_type(result)) by_type[type] = retrieval_json(s);
  json details = json::array();
  for (const auto* r : worst_first(result)) details.push_back(detail_json(*r));
  auto answers = summarize_answers(result);
  return {{"name", result.config.name},
          {"settings", settings_json(result.config)},
          {"knowledge_base", result.knowledge_base},
          {"retrieval", retrieval_json(summarize_retrieval(result))},
          {"retrieval_by_type", by_type},
          {"answers", answers_json(answers)},
          {"latency_ms", latency},
          {"tokens", tokens_json(answers)},
          {"details", details}};
}

json sweep_row(const ConfigResult& result) {
  auto r = summarize_retrieval(result);
  auto a = summarize_answers(result);
  const auto& c = *result.config.chunking;
  return {{"chunk_tokens", c.max_tokens},
          {"overlap_tokens", c.overlap_tokens},
          {"filters", result.config.filters},
          {"recall_at_5", r.recall_at_5},
          {"mrr", r.mrr},
          {"ndcg_at_10", r.ndcg_at_10},
          {"accuracy", a ? json(a->accuracy()) : json(nullptr)}};
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace

std::string machine_description() {
  return cpu_name() + ", " + std::to_string(std::thread::hardware_concurrency()) + " threads";
}

nlohmann::json report_json(const EvalReport& report) {
  json configs = json::array();
  for (const auto& c : report.configs) configs.push_back(config_json(c));
  json experiment = nullptr;
  if (report.experiment) {
    json sweep = json::array();
    for (const auto& c : report.experiment->sweep) sweep.push_back(sweep_row(c));
    experiment = {{"name", "chunking"}, {"classic", report.experiment->classic}, {"sweep", sweep}};
  }
  return {{"groundline_eval", 1},
          {"kb", report.kb},
          {"questions_file", report.questions_file},
          {"questions", report.question_count()},
          {"seed", report.seed},
          {"k", report.k},
          {"machine", report.machine},
          {"created", report.created},
          {"problems", report.problems},
          {"configs", configs},
          {"experiment", experiment}};
}

}  // namespace groundline::eval
