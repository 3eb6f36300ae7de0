// A Llama-architecture transformer (`llama`, and `qwen2` with its q/k/v
// biases and NeoX-order rotary embeddings) evaluated on the CPU from a GGUF file:
// RMSNorm, rotary position embeddings, grouped-query attention with a KV
// cache, SwiGLU feed-forward, tied or separate output matrix. Weights stay
// in the memory map, in any type of quant.h, and are multiplied in place by
// the kernels of kernels.h; a prompt is evaluated in batches of tokens.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "llm/compute_team.h"
#include "llm/gguf.h"
#include "llm/tokenizer.h"

namespace groundline::llm {

struct ModelShape {
  int embedding = 0, layers = 0, heads = 0, kv_heads = 0, feed_forward = 0, vocabulary = 0;
  int head_dim = 0, rope_dim = 0, context = 0;
  float rms_epsilon = 1e-5f, rope_base = 10000.0f;
  bool neox_rope = false;  // rotate each head's halves rather than its consecutive pairs
};

// A weight matrix or vector in the map: `rows` of `columns` elements.
struct Weight {
  const TensorInfo* tensor = nullptr;
  int64_t rows = 0, columns = 0;
};

// Keys and values of the positions evaluated so far, per layer.
class KvCache {
 public:
  KvCache(const ModelShape& shape, int capacity);
  int size() const { return static_cast<int>(tokens_.size()); }
  int capacity() const { return capacity_; }
  // The tokens whose keys and values are held, in order.
  const std::vector<Token>& tokens() const { return tokens_; }
  void clear() { truncate(0); }
  // Forgets every position from `size` on, so that a prompt sharing the
  // first `size` tokens is evaluated from there.
  void truncate(int size) {
    if (size < this->size()) tokens_.resize(static_cast<size_t>(std::max(size, 0)));
  }

 private:
  friend class Model;
  float* key(int layer, int position) { return &keys_[offset(layer, position)]; }
  float* value(int layer, int position) { return &values_[offset(layer, position)]; }
  size_t offset(int layer, int position) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(capacity_) + static_cast<size_t>(position)) *
           static_cast<size_t>(width_);
  }
  int capacity_ = 0, width_ = 0;
  std::vector<float> keys_, values_;
  std::vector<Token> tokens_;
};

class Model {
 public:
  // The file must outlive the model.
  static Result<Model> load(const GgufFile& file);

  const ModelShape& shape() const { return shape_; }
  // Threads for the matrix products (1 by default). Each row is computed
  // the same way on any thread, so results do not depend on the count.
  void set_threads(size_t threads);
  size_t threads() const { return team_ ? team_->size() : 1; }
  // Evaluates `tokens` after the positions already in `cache` and returns
  // the logits after the last of them. Not for concurrent use.
  Result<std::vector<float>> forward(const std::vector<Token>& tokens, KvCache& cache) const;

 private:
  struct Layer {
    Weight attention_norm, q, k, v, output, ffn_norm, gate, up, down;
    Weight q_bias, k_bias, v_bias;  // qwen2
  };
  // Prompt tokens evaluated together (each weight row read once for them).
  static constexpr size_t kPrefillBatch = 256;
  void layer(int l, int first, int count, KvCache& cache, std::vector<float>& x) const;
  void attend(const float* q, int l, int last, KvCache& cache, float* out) const;
  void matmul(const Weight& w, const float* x, int count, float* out) const;

  ModelShape shape_;
  Weight embedding_, output_norm_, output_;
  std::vector<Layer> layers_;
  std::unique_ptr<ComputeTeam> team_;
};

}  // namespace groundline::llm
