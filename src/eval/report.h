// A whole evaluation: every configuration's results, the chunking
// experiment when asked for, and the problems met on the way; as the
// side-by-side text table the CLI prints and as report.json (its schema is
// in the README's Evaluation section; report_html.h turns it into a page).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/evaluation.h"

namespace groundline::eval {

struct ChunkingExperiment {
  std::vector<std::string> classic;  // names of the configurations of the classic comparison
  std::vector<ConfigResult> sweep;   // one per chunk size and overlap
};

struct EvalReport {
  std::string kb, questions_file, machine, created;
  int k = 10;
  uint64_t seed = 1;
  std::vector<std::string> problems;
  std::vector<ConfigResult> configs;
  std::optional<ChunkingExperiment> experiment;
  size_t question_count() const { return configs.empty() ? 0 : configs.front().questions.size(); }
};

struct EvalPlan {
  std::string kb, questions_file;
  std::vector<EvalConfig> configs;  // none: the default configuration
  bool chunking_experiment = false;
  int k = 10;
  size_t threads = 1;
  std::optional<size_t> limit;  // a sample of this many questions, drawn with `seed`
  uint64_t seed = 1;
  bool strict = false;  // a bad question line fails the run instead of being skipped
  // Progress of the configuration `label`: done of total questions.
  std::function<void(const std::string& label, size_t done, size_t total)> on_progress;
};

// The configurations of `groundline eval --experiment chunking`, built on
// `base`: 500/0 and 300/50 without filters and 300/50 with them (the
// classic comparison), then the sweep of sizes 100..800 and overlaps
// 0..100 without filters.
std::vector<EvalConfig> classic_chunking_configs(const EvalConfig& base);
std::vector<EvalConfig> chunking_sweep_configs(const EvalConfig& base);

// Runs the plan. Scratch knowledge bases live in a temporary folder that
// is removed at the end; the plan's knowledge base is opened read-only.
Result<EvalReport> run_evaluation(const EvalPlan& plan);

nlohmann::json report_json(const EvalReport& report);
std::string report_table(const EvalReport& report);  // for a terminal
// The worst questions of each configuration, at most `limit` each.
std::string report_failures(const EvalReport& report, size_t limit);

// "AMD EPYC 7B13, 2 threads"
std::string machine_description();

}  // namespace groundline::eval
