// groundline eval --kb FILE --questions FILE [--config A.yaml ...]
//   [--experiment chunking] [--report DIR] [-k 10] [--limit N --seed S]
//   [--threads N] [--strict] [--misses] [--json]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "cli/commands.h"
#include "cli/output.h"
#include "eval/report.h"
#include "eval/report_html.h"

namespace groundline::cli {

namespace {

struct EvalArgs {
  eval::EvalPlan plan;
  std::vector<std::string> config_files;
  std::string experiment;
  std::string report_dir;
  std::string llm = "none";
  int sources = 5;
  size_t limit = 0;
  bool json = false;
  bool show_misses = false;
};

// A line on stderr, redrawn in place, when stderr is a terminal.
class Progress {
 public:
  void operator()(const std::string& label, size_t done, size_t total) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (label != label_) {
      label_ = label;
      start_ = now;
    }
    if (done < total && now - shown_ < std::chrono::milliseconds(100)) return;
    shown_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double left = done ? seconds * static_cast<double>(total - done) / static_cast<double>(done) : 0;
    int width = 30, filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
    std::fprintf(stderr, "\r%-24.24s [%s%s] %zu/%zu  ETA %.0f s   ", label.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done, total,
                 left);
    if (done == total) std::fprintf(stderr, "\n");
  }

 private:
  std::mutex mutex_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, shown_;
};

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return make_error(path.string() + ": cannot write");
  return {};
}

Status write_report(const std::string& dir, const nlohmann::json& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(dir + ": cannot create the report folder: " + ec.message());
  GL_TRY(write_file(std::filesystem::path(dir) / "report.json",
                    report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  return write_file(std::filesystem::path(dir) / "report.html", eval::report_html(report));
}

Status load_configs(EvalArgs& args) {
  for (const auto& file : args.config_files) {
    GL_ASSIGN_OR_RETURN(auto config, eval::load_eval_config(file));
    args.plan.configs.push_back(std::move(config));
  }
  if (!args.plan.configs.empty()) return {};
  eval::EvalConfig config;
  config.answerer = args.llm == "none" ? "extractive" : args.llm;
  config.sources = args.sources;
  args.plan.configs.push_back(config);
  return {};
}

int run_eval(EvalArgs& args) {
  if (auto s = load_configs(args); !s.ok()) return fail(s.message());
  if (!args.experiment.empty() && args.experiment != "chunking")
    return fail("--experiment: '" + args.experiment + "' is not an experiment (chunking is)");
  args.plan.chunking_experiment = args.experiment == "chunking";
  if (args.limit) args.plan.limit = args.limit;
  if (!std::filesystem::exists(args.plan.kb)) return fail(args.plan.kb + ": no such knowledge base");
  Progress progress;
  if (isatty(STDERR_FILENO))
    args.plan.on_progress = [&](const std::string& label, size_t done, size_t total) {
      progress(label, done, total);
    };
  auto report = eval::run_evaluation(args.plan);
  if (!report.ok()) return fail(report.message());
  auto j = eval::report_json(*report);
  if (!args.report_dir.empty())
    if (auto s = write_report(args.report_dir, j); !s.ok()) return fail(s.message());
  if (args.json) {
    print_json(j);
  } else {
    std::printf("%s", eval::report_table(*report).c_str());
    if (args.show_misses) std::printf("%s", eval::report_failures(*report, 50).c_str());
    if (!args.report_dir.empty())
      std::printf("\nreport: %s/report.html and report.json\n", args.report_dir.c_str());
  }
  return report->problems.empty() ? kOk : kProblems;
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  args->plan.kb = "groundline.db";
  auto* cmd = app.add_subcommand(
      "eval", "Measure retrieval, answers, unsupported sentences and latency on a labelled question set");
  cmd->add_option("--kb", args->plan.kb, "Knowledge base file (opened read-only)")->capture_default_str();
  cmd->add_option("--questions", args->plan.questions_file, "Questions (JSON Lines)")->required();
  cmd->add_option("--config", args->config_files,
                  "A configuration (YAML: chunking, filters, retriever, answerer, sources, self_check, "
                  "answers); repeat to compare several side by side");
  cmd->add_option("--experiment", args->experiment,
                  "chunking: 500/0 vs 300/50 vs 300/50 with filters, and a sweep of sizes and overlaps");
  cmd->add_option("--report", args->report_dir, "Write report.json and report.html into this folder");
  cmd->add_option("-k", args->plan.k, "Hits retrieved per question for recall@k, MRR and nDCG")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--limit", args->limit, "Evaluate a sample of this many questions (drawn with --seed)");
  cmd->add_option("--seed", args->plan.seed, "Seed of the --limit sample")->capture_default_str();
  cmd->add_option("--threads", args->plan.threads, "Questions evaluated at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--strict", args->plan.strict, "Fail on a malformed question line instead of skipping it");
  cmd->add_flag("--misses", args->show_misses, "List the worst questions of each configuration and why");
  cmd->add_flag("--json", args->json, "Print report.json on stdout");
  cmd->add_option("--llm", args->llm, "Without --config: none (extractive), openai:URL[#model] or gguf:PATH")
      ->capture_default_str();
  cmd->add_option("--sources", args->sources, "Without --config: chunks shown to the answerer")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  cmd->callback([args, &exit_code] { exit_code = run_eval(*args); });
}

}  // namespace groundline::cli
