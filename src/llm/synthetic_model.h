// GGUF files of real model shapes with random weights, for benchmarks: no
// real chat model can be fetched here, and speed depends on the shape and
// the weight type, not on what the weights learned. The vocabulary is a
// made-up SentencePiece one of the asked size (byte tokens included), so
// the file loads, tokenizes and generates like a real one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace groundline::llm {

struct SyntheticShape {
  std::string name, architecture;  // llama or qwen2
  int layers = 0, embedding = 0, heads = 0, kv_heads = 0, feed_forward = 0;
  int vocabulary = 32000, context = 2048;
  bool tied_output = true;
};

// smollm2-135m, qwen2.5-0.5b, tiny (for tests); nullopt for another name.
std::optional<SyntheticShape> known_shape(const std::string& name);
std::vector<std::string> known_shape_names();

// Writes the model. `type` is a weight type name (F32, F16, BF16, Q8_0,
// Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) or the mix Q4_K_M
// (Q6_K for the output and for attn_v and ffn_down in the first and last
// eighth of the layers and every third between, Q4_K elsewhere). A K type
// needs rows of whole 256-element blocks: narrower matrices take Q4_0
// (for Q2_K, Q3_K), Q5_0 (Q4_K), Q5_1 (Q5_K) or Q8_0 (Q6_K) instead, as
// quantizers do. Norms and biases are F32, as in converted models.
Status write_synthetic_model(const SyntheticShape& shape, const std::string& type, const std::string& path,
                             uint64_t seed = 1);

}  // namespace groundline::llm
