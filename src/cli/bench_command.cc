// groundline bench [--mb 50] [--corpus DIR] [--kb FILE]
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "eval/bench.h"
#include "eval/report.h"

namespace groundline::cli {

namespace {

struct BenchArgs {
  eval::BenchOptions options;
  bool json = false;
};

nlohmann::json latency_json(const eval::LatencySummary& s) {
  return {{"p50_ms", s.p50_ms}, {"p99_ms", s.p99_ms}, {"mean_ms", s.mean_ms}, {"mean_hits", s.mean_hits}};
}

int run_bench(BenchArgs& args) {
  auto& o = args.options;
  auto tmp = std::filesystem::temp_directory_path();
  if (o.folder.empty())
    o.folder = (tmp / ("groundline-bench-" + std::to_string(static_cast<int>(o.megabytes)) + "mb")).string();
  if (o.kb.empty()) o.kb = (tmp / "groundline-bench.db").string();
  o.log = [](const std::string& line) { std::cerr << "bench: " << line << "\n"; };
  auto report = eval::run_bench(o);
  if (!report.ok()) return fail(report.message());
  const auto& r = *report;
  double mb_s = r.megabytes / r.ingest_seconds;
  double reingest_pct = 100.0 * r.reingest_seconds / r.ingest_seconds;
  std::string machine = eval::machine_description();
  if (args.json) {
    print_json({{"machine", machine},
                {"files", r.files},
                {"megabytes", r.megabytes},
                {"chunks", r.chunks},
                {"ingest_seconds", r.ingest_seconds},
                {"ingest_mb_per_s", mb_s},
                {"reingest_seconds", r.reingest_seconds},
                {"reingest_percent", reingest_pct},
                {"queries", o.queries},
                {"search", latency_json(r.search)},
                {"search_one_filter", latency_json(r.search_filtered)},
                {"search_two_filters", latency_json(r.search_two_filters)}});
    return kOk;
  }
  std::printf("machine: %s\ncorpus: %d files, %.1f MB, %lld chunks\n", machine.c_str(), r.files, r.megabytes,
              static_cast<long long>(r.chunks));
  std::printf("ingest:              %.2f s  (%.1f MB/s)\n", r.ingest_seconds, mb_s);
  std::printf("re-ingest unchanged: %.3f s  (%.2f%% of the first)\n", r.reingest_seconds, reingest_pct);
  std::printf("search, k=10, %d queries:\n", o.queries);
  auto row = [](const char* name, const eval::LatencySummary& s) {
    std::printf("  %-34s p50 %6.2f ms  p99 %6.2f ms  mean %6.2f ms  (%.1f hits)\n", name, s.p50_ms, s.p99_ms,
                s.mean_ms, s.mean_hits);
  };
  row("no filter", r.search);
  row("product=X", r.search_filtered);
  row("category=X, updated_after=2025-01-01", r.search_two_filters);
  return kOk;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Measure ingest and search speed on a generated corpus");
  cmd->add_option("--mb", args->options.megabytes, "Corpus size in MB")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 10000.0));
  cmd->add_option("--corpus", args->options.folder, "Corpus folder (generated when missing, then kept)");
  cmd->add_option("--kb", args->options.kb, "Knowledge base file to create (replaced)");
  cmd->add_option("--queries", args->options.queries, "Searches per measurement")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--threads", args->options.threads, "Ingest threads (default: one per core)");
  cmd->add_flag("--json", args->json, "Print as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_bench(*args); });
}

}  // namespace groundline::cli
