// groundline eval --kb FILE --questions FILE [-k 5]
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "eval/retrieval.h"

namespace groundline::cli {

namespace {

struct EvalArgs {
  std::string kb = "groundline.db";
  std::string questions;
  int k = 5;
  bool json = false;
  bool show_misses = false;
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

int run_eval(const EvalArgs& args) {
  auto questions = eval::load_questions(args.questions);
  if (!questions.ok()) return fail(questions.message());
  auto store = open_kb(args.kb, true);
  if (!store.ok()) return fail(store.message());
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
  cmd->callback([args, &exit_code] { exit_code = run_eval(*args); });
}

}  // namespace groundline::cli
