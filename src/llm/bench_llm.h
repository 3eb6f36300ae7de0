// Speed of the engine on one model file: prompt prefill and token decode
// in tokens per second, against the machine's measured memory read
// bandwidth. Decoding one token reads every weight once (the token
// embedding only for its row), so bandwidth / bytes per token bounds the
// decode rate; the report gives how close the engine comes.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace groundline::llm {

struct LlmBenchOptions {
  std::string model;
  int threads = 1;
  int prompt_tokens = 512;
  int generate_tokens = 128;
  uint64_t seed = 1;
};

struct LlmBenchReport {
  std::string name, architecture, weight_types, kernels;
  int layers = 0, threads = 0, prompt_tokens = 0, generate_tokens = 0;
  uint64_t model_bytes = 0;      // the tensors
  uint64_t bytes_per_token = 0;  // read to decode one token
  double prefill_tokens_per_second = 0, decode_tokens_per_second = 0;
  double bandwidth_gb_per_second = 0;  // reading memory with `threads` threads
  double decode_limit_tokens_per_second = 0;
};

Result<LlmBenchReport> run_llm_bench(const LlmBenchOptions& options);

// Reads a buffer much larger than the caches with `threads` threads and
// returns the best rate of a few passes, in bytes per second.
double measure_read_bandwidth(int threads);

}  // namespace groundline::llm
