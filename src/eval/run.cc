// run_evaluation() and the chunking experiment's configurations (report.h).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>

#include "eval/report.h"

namespace groundline::eval {

namespace {

EvalConfig with_chunking(const EvalConfig& base, int tokens, int overlap, bool filters, std::string name) {
  EvalConfig c = base;
  c.chunking = ingest::ChunkOptions{tokens, overlap};
  c.filters = filters;
  c.name = std::move(name);
  return c;
}

// A temporary folder, removed with everything in it when this goes.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "groundline-eval-XXXXXX").string();
    if (mkdtemp(pattern.data())) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The questions in file order, or a sample of `limit` of them drawn with `seed`.
std::vector<LabelledQuestion> sample(std::vector<LabelledQuestion> questions, std::optional<size_t> limit,
                                     uint64_t seed) {
  if (!limit || *limit >= questions.size()) return questions;
  std::vector<size_t> order(questions.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 random(seed);
  for (size_t i = 0; i < *limit; ++i) {  // a partial Fisher-Yates shuffle, the same on every platform
    size_t j = i + static_cast<size_t>(random() % (order.size() - i));
    std::swap(order[i], order[j]);
  }
  order.resize(*limit);
  std::sort(order.begin(), order.end());
  std::vector<LabelledQuestion> out;
  for (size_t i : order) out.push_back(std::move(questions[i]));
  return out;
}

std::string utc_now() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

Result<ConfigResult> run_config(const EvalPlan& plan, const EvalConfig& config,
                                const std::vector<LabelledQuestion>& questions, const std::string& scratch) {
  GL_ASSIGN_OR_RETURN(auto kb_path, knowledge_base_for(plan.kb, config, scratch));
  EvalOptions options;
  options.k = plan.k;
  options.threads = plan.threads;
  if (plan.on_progress)
    options.on_progress = [&](size_t done, size_t total) { plan.on_progress(config.name, done, total); };
  auto result = evaluate(kb_path, questions, config, options);
  if (!result.ok()) return make_error("configuration " + config.name + ": " + result.message());
  if (kb_path != plan.kb) result->knowledge_base = "scratch: re-chunked " + chunking_label(config);
  return result;
}

Result<std::vector<LabelledQuestion>> questions_of(const EvalPlan& plan, EvalReport& report) {
  GL_ASSIGN_OR_RETURN(auto set, load_question_set(plan.questions_file));
  if (plan.strict && !set.skipped.empty()) return make_error(set.skipped.front());
  for (auto& s : set.skipped) report.problems.push_back(s + " (skipped)");
  if (set.questions.empty()) return make_error(plan.questions_file + ": no usable questions");
  return sample(std::move(set.questions), plan.limit, plan.seed);
}

}  // namespace

std::vector<EvalConfig> classic_chunking_configs(const EvalConfig& base) {
  return {with_chunking(base, 500, 0, false, "500/0"), with_chunking(base, 300, 50, false, "300/50"),
          with_chunking(base, 300, 50, true, "300/50 + filters")};
}

std::vector<EvalConfig> chunking_sweep_configs(const EvalConfig& base) {
  std::vector<EvalConfig> out;
  for (int tokens : {100, 200, 300, 500, 800})
    for (int overlap : {0, 25, 50, 100})
      if (overlap < tokens)
        out.push_back(with_chunking(base, tokens, overlap, false,
                                    "sweep " + std::to_string(tokens) + "/" + std::to_string(overlap)));
  return out;
}

Result<EvalReport> run_evaluation(const EvalPlan& plan) {
  EvalReport report;
  report.kb = plan.kb;
  report.questions_file = plan.questions_file;
  report.machine = machine_description();
  report.created = utc_now();
  report.k = plan.k;
  report.seed = plan.seed;
  GL_ASSIGN_OR_RETURN(auto questions, questions_of(plan, report));
  GL_ASSIGN_OR_RETURN(auto gold_problems, check_gold(plan.kb, questions));
  report.problems.insert(report.problems.end(), gold_problems.begin(), gold_problems.end());
  ScratchDir scratch;
  if (scratch.path().empty()) return make_error("cannot make a temporary folder for scratch knowledge bases");
  std::vector<EvalConfig> configs =
      plan.configs.empty() ? std::vector<EvalConfig>{EvalConfig{}} : plan.configs;
  if (plan.chunking_experiment) {
    auto classic = classic_chunking_configs(configs.front());
    configs.insert(configs.end(), classic.begin(), classic.end());
    report.experiment = ChunkingExperiment{};
    for (const auto& c : classic) report.experiment->classic.push_back(c.name);
  }
  std::set<std::string> names;
  for (const auto& config : configs)
    if (!names.insert(config.name).second)
      return make_error("two configurations are named '" + config.name + "'");
  for (const auto& config : configs) {
    GL_ASSIGN_OR_RETURN(auto result, run_config(plan, config, questions, scratch.path()));
    report.configs.push_back(std::move(result));
  }
  if (!plan.chunking_experiment) return report;
  for (const auto& config : chunking_sweep_configs(configs.front())) {
    GL_ASSIGN_OR_RETURN(auto result, run_config(plan, config, questions, scratch.path()));
    report.experiment->sweep.push_back(std::move(result));
  }
  return report;
}

}  // namespace groundline::eval
