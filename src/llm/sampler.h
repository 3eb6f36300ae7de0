// Picks the next token from logits: repetition penalty, then top-k, top-p
// and min-p filtering, then temperature and a seeded draw. Temperature 0
// is greedy (the highest logit after the penalty).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "llm/tokenizer.h"

namespace groundline::llm {

struct SamplingOptions {
  float temperature = 0.0f;
  int top_k = 0;       // 0: all tokens
  float top_p = 1.0f;  // smallest set whose probability reaches top_p
  float min_p = 0.0f;  // drop tokens less likely than min_p times the most likely
  float repetition_penalty = 1.0f;
  int repetition_window = 64;  // last tokens the penalty looks at
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& options) : options_(options), random_(options.seed) {}

  // `history`: the tokens so far (prompt and generated).
  Token sample(std::vector<float> logits, const std::vector<Token>& history);

 private:
  SamplingOptions options_;
  std::mt19937_64 random_;
};

}  // namespace groundline::llm
