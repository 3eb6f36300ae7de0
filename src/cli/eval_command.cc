// groundline eval --kb FILE --questions FILE [-k 5]
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "eval/answers.h"
#include "eval/retrieval.h"
#include "llm/language_model.h"

namespace groundline::cli {

namespace {

struct EvalArgs {
  std::string kb = "groundline.db";
  std::string questions;
  int k = 5;
  bool json = false;
  bool show_misses = false;
  bool answers = false;
  std::string llm = "none";
  int sources = 5;
};

nlohmann::json score_json(const eval::RetrievalScore& s) {
  return {{"questions", s.questions},
          {"recall_at_1", s.recall_at(s.found_at_1)},
          {"recall_at_3", s.recall_at(s.found_at_3)},
          {"recall_at_5", s.recall_at(s.found_at_5)},
          {"recall_at_k", s.recall_at(s.found_at_k)},
          {"mrr", s.mrr()}};
}

void print_score(const std::string& name, const eval::RetrievalScore& s) {
  std::printf("%-16s %5d %8.3f %8.3f %8.3f %8.3f %8.3f\n", name.c_str(), s.questions,
              s.recall_at(s.found_at_1), s.recall_at(s.found_at_3), s.recall_at(s.found_at_5),
              s.recall_at(s.found_at_k), s.mrr());
}

void print_answer_report(const EvalArgs& args, const eval::AnswerReport& r, const std::string& answerer) {
  std::printf("answers over %s (%s)\n\n", args.questions.c_str(), answerer.c_str());
  std::printf("answer accuracy (all answer_facts stated)  %5.3f  (%d of %d answerable)\n", r.accuracy(),
              r.correct, r.answerable);
  std::printf("false abstentions                          %5d\n", r.false_abstentions);
  std::printf("correct abstentions                        %5.3f  (%d of %d unanswerable)\n",
              r.correct_abstention_rate(), r.correct_abstentions, r.unanswerable);
  std::printf("citation precision (cited lines on gold)   %5.3f  (%d of %d)\n", r.citation_precision(),
              r.citations_on_gold, r.citations);
  std::printf("sentences released / removed by verifier   %d / %d\n", r.sentences_released,
              r.sentences_removed);
  std::printf("unsupported sentences released             %5d\n", r.unsupported_released);
  std::printf("ask latency                                p50 %.2f ms, p99 %.2f ms\n", r.p50_ms, r.p99_ms);
  if (!args.show_misses) return;
  std::printf("\nfailures:\n");
  for (const auto& f : r.failures)
    std::printf("  %s  %s\n        expected: %s\n        got: %s\n", f.id.c_str(), f.question.c_str(),
                f.expected.c_str(), f.got.c_str());
}

int run_answer_eval(const EvalArgs& args, kb::Store& store,
                    const std::vector<eval::LabelledQuestion>& questions) {
  std::unique_ptr<llm::LanguageModel> model;
  if (args.llm != "none") {
    auto opened = llm::open_language_model(args.llm);
    if (!opened.ok()) return fail(opened.message());
    model = std::move(opened).value();
  }
  answer::AskOptions options;
  options.model = model.get();
  options.sources = args.sources;
  auto report = eval::evaluate_answers(store, questions, options);
  if (!report.ok()) return fail(report.message());
  const auto& r = *report;
  if (!args.json) {
    print_answer_report(args, r, model ? model->id() : "extractive");
    return kOk;
  }
  nlohmann::json out = {{"questions_file", args.questions},
                        {"answerer", model ? model->id() : "extractive"},
                        {"answer_accuracy", r.accuracy()},
                        {"answerable", r.answerable},
                        {"correct", r.correct},
                        {"false_abstentions", r.false_abstentions},
                        {"unanswerable", r.unanswerable},
                        {"correct_abstentions", r.correct_abstentions},
                        {"correct_abstention_rate", r.correct_abstention_rate()},
                        {"citation_precision", r.citation_precision()},
                        {"sentences_released", r.sentences_released},
                        {"sentences_removed", r.sentences_removed},
                        {"unsupported_released", r.unsupported_released},
                        {"ask_ms_p50", r.p50_ms},
                        {"ask_ms_p99", r.p99_ms}};
  out["failures"] = nlohmann::json::array();
  for (const auto& f : r.failures)
    out["failures"].push_back(
        {{"id", f.id}, {"question", f.question}, {"expected", f.expected}, {"got", f.got}});
  print_json(out);
  return kOk;
}

int run_eval(const EvalArgs& args) {
  auto questions = eval::load_questions(args.questions);
  if (!questions.ok()) return fail(questions.message());
  auto store = open_kb(args.kb, true);
  if (!store.ok()) return fail(store.message());
  if (args.answers) return run_answer_eval(args, **store, *questions);
  auto report = eval::evaluate_retrieval(**store, *questions, args.k);
  if (!report.ok()) return fail(report.message());
  if (args.json) {
    nlohmann::json out = {{"questions_file", args.questions},
                          {"k", args.k},
                          {"overall", score_json(report->overall)},
                          {"search_ms_median", report->median_ms},
                          {"search_ms_p99", report->p99_ms}};
    for (const auto& [type, s] : report->by_type) out["by_type"][type] = score_json(s);
    out["misses"] = nlohmann::json::array();
    for (const auto& m : report->misses)
      out["misses"].push_back({{"id", m.id}, {"question", m.question}, {"returned", m.returned}});
    print_json(out);
    return kOk;
  }
  std::printf(
      "retrieval over %s (answerable questions; found = a top-k chunk overlaps a gold line range)\n\n",
      args.questions.c_str());
  std::printf("%-16s %5s %8s %8s %8s %7s@%d %8s\n", "type", "n", "recall@1", "recall@3", "recall@5", "recall",
              args.k, "MRR");
  for (const auto& [type, s] : report->by_type) print_score(type, s);
  print_score("all", report->overall);
  std::printf("\nsearch latency: median %.2f ms, p99 %.2f ms\n", report->median_ms, report->p99_ms);
  if (args.show_misses) {
    std::printf("\nnot found in the top %d:\n", args.k);
    for (const auto& m : report->misses) {
      std::printf("  %s  %s\n", m.id.c_str(), m.question.c_str());
      for (const auto& r : m.returned) std::printf("        got %s\n", r.c_str());
    }
  }
  return kOk;
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Measure retrieval accuracy on a labelled question set");
  cmd->add_option("--kb", args->kb, "Knowledge base file")->capture_default_str();
  cmd->add_option("--questions", args->questions, "Questions (JSON Lines)")->required();
  cmd->add_option("-k", args->k, "Cut-off for recall@k")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_flag("--misses", args->show_misses, "List the questions not found and what came back");
  cmd->add_flag("--json", args->json, "Print as JSON");
  cmd->add_flag("--answers", args->answers,
                "Evaluate answers instead of retrieval: accuracy, abstentions, citation precision, "
                "unsupported sentences, latency");
  cmd->add_option("--llm", args->llm, "With --answers: none (extractive), openai:URL[#model] or gguf:PATH")
      ->capture_default_str();
  cmd->add_option("--sources", args->sources, "With --answers: chunks retrieved per question")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  cmd->callback([args, &exit_code] { exit_code = run_eval(*args); });
}

}  // namespace groundline::cli
