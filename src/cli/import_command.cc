// groundline import beir DIR --out OUT [--split test] [--force] [--json]
// groundline import squad FILE.json --out OUT [--force] [--json]
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/output.h"
#include "eval/importers.h"

namespace groundline::cli {

namespace {

struct ImportArgs {
  std::string format;  // "beir" or "squad"
  std::string input;
  eval::ImportOptions options;
  bool json = false;
};

nlohmann::json summary_json(const ImportArgs& args, const eval::ImportReport& r) {
  return {{"format", args.format},          {"input", args.input},
          {"docs", r.docs_folder},          {"questions_file", r.questions_file},
          {"documents", r.documents},       {"questions", r.questions},
          {"unanswerable", r.unanswerable}, {"problem_count", r.problem_count},
          {"problems", r.problems}};
}

void print_summary(const ImportArgs& args, const eval::ImportReport& r) {
  std::printf("imported %s %s into %s: %zu documents, %zu questions (%zu unanswerable), %zu problems\n",
              args.format.c_str(), args.input.c_str(), args.options.out.c_str(), r.documents, r.questions,
              r.unanswerable, r.problem_count);
  std::printf("next: groundline ingest %s --kb %s.db\n      groundline eval --kb %s.db --questions %s\n",
              r.docs_folder.c_str(), args.format.c_str(), args.format.c_str(), r.questions_file.c_str());
}

int run_import(const ImportArgs& args) {
  auto report = args.format == "beir" ? eval::import_beir(args.input, args.options)
                                      : eval::import_squad(args.input, args.options);
  if (!report.ok()) return fail(report.message());
  for (const auto& problem : report->problems) std::cerr << problem << "\n";
  if (report->problem_count > report->problems.size())
    std::cerr << "... and " << report->problem_count - report->problems.size() << " more problems\n";
  if (args.json)
    print_json(summary_json(args, *report));
  else
    print_summary(args, *report);
  return report->problem_count == 0 ? kOk : kProblems;
}

void add_format(CLI::App& import, const std::string& format, const std::string& what,
                const std::string& input_help, int& exit_code) {
  auto args = std::make_shared<ImportArgs>();
  args->format = format;
  auto* cmd = import.add_subcommand(format, what);
  cmd->add_option("input", args->input, input_help)->required();
  cmd->add_option("--out", args->options.out, "Folder to write docs/ and questions.jsonl into")->required();
  cmd->add_flag("--force", args->options.force, "Replace docs/ and questions.jsonl already in --out");
  cmd->add_flag("--json", args->json, "Print the summary as JSON");
  if (format == "beir")
    cmd->add_option("--split", args->options.split, "Relevance judgements to use: qrels/SPLIT.tsv")
        ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run_import(*args); });
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "import", "Turn a public benchmark into documents to ingest and a labelled question set to eval");
  cmd->require_subcommand(1);
  add_format(*cmd, "beir", "A BEIR data set folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv)",
             "The data set folder", exit_code);
  add_format(*cmd, "squad", "A SQuAD v1.1 or v2.0 JSON file", "The SQuAD JSON file", exit_code);
}

}  // namespace groundline::cli
