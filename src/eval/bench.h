// `groundline bench`: a generated Markdown corpus of support pages (about
// 500 bytes per section, so ~100k chunks in 50 MB), ingested into a fresh
// knowledge base; then an unchanged re-ingest; then searches drawn from the
// corpus vocabulary with and without filters. Times are wall-clock.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"

namespace groundline::eval {

struct BenchOptions {
  std::string folder;  // where the corpus goes (kept; generated when absent)
  std::string kb;      // the knowledge base file (recreated)
  double megabytes = 50;
  int queries = 1000;
  size_t threads = 0;
  uint32_t seed = 42;
  std::function<void(const std::string&)> log;  // progress lines
};

struct LatencySummary {
  double p50_ms = 0, p99_ms = 0, mean_ms = 0;
  double mean_hits = 0;
};

struct BenchReport {
  int files = 0;
  double megabytes = 0;
  int64_t chunks = 0;
  double ingest_seconds = 0, reingest_seconds = 0;
  LatencySummary search, search_filtered, search_two_filters;
};

// Writes the corpus: `files` Markdown files under `folder`. Deterministic
// for a seed.
Status generate_corpus(const std::string& folder, double megabytes, uint32_t seed);

Result<BenchReport> run_bench(const BenchOptions& options);

}  // namespace groundline::eval
