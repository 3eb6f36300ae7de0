#include "llm/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>

#include "llm/kernels.h"
#include "llm/quant.h"

namespace groundline::llm {

namespace {

// Row `row` of a weight, as floats.
void read_row(const Weight& w, int64_t row, float* out) {
  auto layout = layout_of(static_cast<uint32_t>(w.tensor->type));
  const size_t row_bytes = static_cast<size_t>(w.columns) / layout->block_elements * layout->block_bytes;
  dequantize(w.tensor->type, w.tensor->data + static_cast<size_t>(row) * row_bytes, out,
             static_cast<size_t>(w.columns));
}

// Below this many weights a product is not worth handing to other threads.
constexpr int64_t kParallelWeights = 1 << 16;
// Tokens whose activations meet a block of rows while it is in cache.
constexpr int kTokenTile = 32;
constexpr int64_t kRowBlock = 16;

void rms_norm(const float* x, const Weight& w, float epsilon, float* out, int n) {
  double squares = 0;
  for (int i = 0; i < n; ++i) squares += static_cast<double>(x[i]) * x[i];
  float scale = 1.0f / std::sqrt(static_cast<float>(squares / n) + epsilon);
  std::vector<float> weight(static_cast<size_t>(n));
  read_row(w, 0, weight.data());
  for (int i = 0; i < n; ++i) out[i] = x[i] * scale * weight[static_cast<size_t>(i)];
}

// Rotates pairs of each head's first `rope_dim` values by position-dependent
// angles: consecutive pairs (the order Llama GGUF files are written for), or
// for NeoX order value i with value i + rope_dim / 2.
void rope(float* v, int heads, const ModelShape& s, int position) {
  const int half = s.rope_dim / 2;
  std::vector<float> cosines(static_cast<size_t>(half)), sines(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) {
    float theta =
        static_cast<float>(position) * std::pow(s.rope_base, -2.0f * static_cast<float>(i) / s.rope_dim);
    cosines[static_cast<size_t>(i)] = std::cos(theta);
    sines[static_cast<size_t>(i)] = std::sin(theta);
  }
  for (int h = 0; h < heads; ++h) {
    float* head = v + h * s.head_dim;
    for (int i = 0; i < half; ++i) {
      const float c = cosines[static_cast<size_t>(i)], sn = sines[static_cast<size_t>(i)];
      float& a = s.neox_rope ? head[i] : head[2 * i];
      float& b = s.neox_rope ? head[i + half] : head[2 * i + 1];
      float x = a, y = b;
      a = x * c - y * sn;
      b = x * sn + y * c;
    }
  }
}

void add_bias(const Weight& bias, float* v) {
  std::vector<float> values(static_cast<size_t>(bias.columns));
  read_row(bias, 0, values.data());
  for (size_t i = 0; i < values.size(); ++i) v[i] += values[i];
}

}  // namespace

KvCache::KvCache(const ModelShape& shape, int capacity)
    : capacity_(capacity),
      width_(shape.kv_heads * shape.head_dim),
      keys_(static_cast<size_t>(shape.layers) * static_cast<size_t>(capacity) * static_cast<size_t>(width_)),
      values_(keys_.size()) {}

Result<Model> Model::load(const GgufFile& file) {
  GL_ASSIGN_OR_RETURN(auto architecture, file.get_string("general.architecture"));
  if (architecture != "llama" && architecture != "qwen2")
    return make_error("architecture '" + architecture + "' is not supported yet (llama or qwen2)");
  Model m;
  auto& s = m.shape_;
  // Qwen2 rotates the two halves of each head (NeoX order) and adds biases to q, k and v.
  s.neox_rope = architecture == "qwen2";
  const std::string prefix = architecture + ".";
  auto get = [&](const std::string& key) -> Result<int> {
    GL_ASSIGN_OR_RETURN(uint64_t v, file.get_uint(prefix + key));
    if (v == 0 || v > (1u << 24)) return make_error(prefix + key + " is out of range");
    return static_cast<int>(v);
  };
  GL_ASSIGN_OR_RETURN(s.embedding, get("embedding_length"));
  GL_ASSIGN_OR_RETURN(s.layers, get("block_count"));
  GL_ASSIGN_OR_RETURN(s.heads, get("attention.head_count"));
  s.kv_heads = s.heads;
  if (file.find(prefix + "attention.head_count_kv")) {
    GL_ASSIGN_OR_RETURN(s.kv_heads, get("attention.head_count_kv"));
  }
  GL_ASSIGN_OR_RETURN(s.feed_forward, get("feed_forward_length"));
  GL_ASSIGN_OR_RETURN(s.context, get("context_length"));
  if (s.embedding % s.heads != 0 || s.heads % s.kv_heads != 0) return make_error("head counts do not divide");
  s.head_dim = s.embedding / s.heads;
  s.rope_dim = s.head_dim;
  if (file.find(prefix + "rope.dimension_count")) {
    GL_ASSIGN_OR_RETURN(s.rope_dim, get("rope.dimension_count"));
  }
  if (s.rope_dim > s.head_dim || s.rope_dim % 2 != 0)
    return make_error(prefix + "rope.dimension_count is out of range");
  if (file.find(prefix + "attention.layer_norm_rms_epsilon")) {
    GL_ASSIGN_OR_RETURN(double eps, file.get_float(prefix + "attention.layer_norm_rms_epsilon"));
    s.rms_epsilon = static_cast<float>(eps);
  }
  if (file.find(prefix + "rope.freq_base")) {
    GL_ASSIGN_OR_RETURN(double base, file.get_float(prefix + "rope.freq_base"));
    s.rope_base = static_cast<float>(base);
  }
  auto weight = [&](const std::string& name, int64_t rows, int64_t columns) -> Result<Weight> {
    const TensorInfo* t = file.tensor(name);
    if (!t) return make_error("tensor '" + name + "' is missing");
    uint64_t want_rows = static_cast<uint64_t>(rows), want_columns = static_cast<uint64_t>(columns);
    bool matches = t->dims[0] == want_columns &&
                   (t->dims.size() == 1 ? rows == 1 : t->dims[1] == want_rows) && t->dims.size() <= 2;
    if (!matches) return make_error("tensor '" + name + "' does not have the model's shape");
    return Weight{t, rows, columns};
  };
  const TensorInfo* embedding = file.tensor("token_embd.weight");
  if (!embedding || embedding->dims.size() != 2) return make_error("tensor 'token_embd.weight' is missing");
  s.vocabulary = static_cast<int>(embedding->dims[1]);
  const int kv_width = s.kv_heads * s.head_dim;
  GL_ASSIGN_OR_RETURN(m.embedding_, weight("token_embd.weight", s.vocabulary, s.embedding));
  GL_ASSIGN_OR_RETURN(m.output_norm_, weight("output_norm.weight", 1, s.embedding));
  if (file.tensor("output.weight")) {
    GL_ASSIGN_OR_RETURN(m.output_, weight("output.weight", s.vocabulary, s.embedding));
  } else {
    m.output_ = m.embedding_;  // tied
  }
  for (int i = 0; i < s.layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Layer l;
    GL_ASSIGN_OR_RETURN(l.attention_norm, weight(p + "attn_norm.weight", 1, s.embedding));
    GL_ASSIGN_OR_RETURN(l.q, weight(p + "attn_q.weight", s.embedding, s.embedding));
    GL_ASSIGN_OR_RETURN(l.k, weight(p + "attn_k.weight", kv_width, s.embedding));
    GL_ASSIGN_OR_RETURN(l.v, weight(p + "attn_v.weight", kv_width, s.embedding));
    if (file.tensor(p + "attn_q.bias")) {
      GL_ASSIGN_OR_RETURN(l.q_bias, weight(p + "attn_q.bias", 1, s.embedding));
      GL_ASSIGN_OR_RETURN(l.k_bias, weight(p + "attn_k.bias", 1, kv_width));
      GL_ASSIGN_OR_RETURN(l.v_bias, weight(p + "attn_v.bias", 1, kv_width));
    }
    GL_ASSIGN_OR_RETURN(l.output, weight(p + "attn_output.weight", s.embedding, s.embedding));
    GL_ASSIGN_OR_RETURN(l.ffn_norm, weight(p + "ffn_norm.weight", 1, s.embedding));
    GL_ASSIGN_OR_RETURN(l.gate, weight(p + "ffn_gate.weight", s.feed_forward, s.embedding));
    GL_ASSIGN_OR_RETURN(l.up, weight(p + "ffn_up.weight", s.feed_forward, s.embedding));
    GL_ASSIGN_OR_RETURN(l.down, weight(p + "ffn_down.weight", s.embedding, s.feed_forward));
    m.layers_.push_back(l);
  }
  return m;
}

// The attention of one query (all heads) over cache positions 0..last of
// layer `l`, into `out`.
void Model::attend(const float* q, int l, int last, KvCache& cache, float* out) const {
  const auto& s = shape_;
  const int group = s.heads / s.kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  const auto head_dim = static_cast<size_t>(s.head_dim);
  auto head = [&](size_t h) {
    std::vector<float> scores(static_cast<size_t>(last) + 1);
    const float* qh = q + h * head_dim;
    const int kv = static_cast<int>(h) / group;
    Activations query;
    query.values = qh;
    query.count = head_dim;
    dot_rows(TensorType::kF32, reinterpret_cast<const uint8_t*>(cache.key(l, 0) + kv * s.head_dim),
             static_cast<size_t>(cache.width_) * sizeof(float), scores.size(), query, scores.data());
    float highest = -INFINITY;
    for (auto& score : scores) highest = std::max(highest, score *= scale);
    float total = 0;
    for (auto& score : scores) total += score = std::exp(score - highest);
    float* o = out + h * head_dim;
    std::fill(o, o + head_dim, 0.0f);
    for (int p = 0; p <= last; ++p) {
      const float* vp = cache.value(l, p) + kv * s.head_dim;
      const float weight = scores[static_cast<size_t>(p)] / total;
      for (size_t d = 0; d < head_dim; ++d) o[d] += weight * vp[d];
    }
  };
  // Heads are independent: on the team once the context makes them worth it.
  const auto heads = static_cast<size_t>(s.heads);
  if (team_ && static_cast<int64_t>(last + 1) * s.embedding >= kParallelWeights)
    team_->run(head, heads);
  else
    for (size_t h = 0; h < heads; ++h) head(h);
}

// One layer for `count` tokens at positions first.. of the cache; `x`
// holds their hidden states, one row of `embedding` floats each.
void Model::layer(int l, int first, int count, KvCache& cache, std::vector<float>& x) const {
  const auto& s = shape_;
  const Layer& layer = layers_[static_cast<size_t>(l)];
  const auto n = static_cast<size_t>(s.embedding), ff = static_cast<size_t>(s.feed_forward);
  const auto kv_width = static_cast<size_t>(s.kv_heads * s.head_dim);
  const auto tokens = static_cast<size_t>(count);
  std::vector<float> normed(tokens * n), q(tokens * n), keys(tokens * kv_width), values(tokens * kv_width);
  for (size_t t = 0; t < tokens; ++t)
    rms_norm(&x[t * n], layer.attention_norm, s.rms_epsilon, &normed[t * n], s.embedding);
  matmul(layer.q, normed.data(), count, q.data());
  matmul(layer.k, normed.data(), count, keys.data());
  matmul(layer.v, normed.data(), count, values.data());
  std::vector<float> attention(tokens * n);
  for (size_t t = 0; t < tokens; ++t) {
    const int position = first + static_cast<int>(t);
    float* qt = &q[t * n];
    float* key = cache.key(l, position);
    float* value = cache.value(l, position);
    std::copy_n(&keys[t * kv_width], kv_width, key);
    std::copy_n(&values[t * kv_width], kv_width, value);
    if (layer.q_bias.tensor) {
      add_bias(layer.q_bias, qt);
      add_bias(layer.k_bias, key);
      add_bias(layer.v_bias, value);
    }
    rope(qt, s.heads, s, position);
    rope(key, s.kv_heads, s, position);
    attend(qt, l, position, cache, &attention[t * n]);
  }
  std::vector<float> projected(tokens * n);
  matmul(layer.output, attention.data(), count, projected.data());
  for (size_t i = 0; i < x.size(); ++i) x[i] += projected[i];
  for (size_t t = 0; t < tokens; ++t)
    rms_norm(&x[t * n], layer.ffn_norm, s.rms_epsilon, &normed[t * n], s.embedding);
  std::vector<float> gate(tokens * ff), up(tokens * ff);
  matmul(layer.gate, normed.data(), count, gate.data());
  matmul(layer.up, normed.data(), count, up.data());
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
  matmul(layer.down, gate.data(), count, projected.data());
  for (size_t i = 0; i < x.size(); ++i) x[i] += projected[i];
}

void Model::set_threads(size_t threads) {
  team_ = threads > 1 ? std::make_unique<ComputeTeam>(threads) : nullptr;
}

// out[t][r] = Σ_c W[r][c] * x[t][c] for `count` vectors x of w.columns.
// Each vector is quantized once (for quantized weights); the rows are
// split over the team, and each row meets a tile of vectors while it is
// in cache. A row's sum is computed the same way on any thread.
void Model::matmul(const Weight& w, const float* x, int count, float* out) const {
  const TensorType type = w.tensor->type;
  const auto columns = static_cast<size_t>(w.columns);
  std::vector<Activations> activations(static_cast<size_t>(count));
  for (size_t t = 0; t < activations.size(); ++t)
    prepare_activations(x + t * columns, columns, reads_quantized(type), activations[t]);
  auto layout = layout_of(static_cast<uint32_t>(type));
  const size_t row_bytes = columns / layout->block_elements * layout->block_bytes;
  // Chunks of whole row blocks, several per thread: whoever is free takes
  // the next.
  const int64_t blocks = (w.rows + kRowBlock - 1) / kRowBlock;
  const bool parallel = team_ && w.rows * w.columns >= kParallelWeights;
  const int64_t chunks = parallel ? std::min<int64_t>(blocks, static_cast<int64_t>(team_->size()) * 8) : 1;
  auto rows = [&](size_t chunk) {
    const int64_t first = blocks * static_cast<int64_t>(chunk) / chunks * kRowBlock;
    const int64_t last = std::min(w.rows, blocks * static_cast<int64_t>(chunk + 1) / chunks * kRowBlock);
    for (int tile = 0; tile < count; tile += kTokenTile) {
      const int tile_end = std::min(count, tile + kTokenTile);
      for (int64_t r = first; r < last; r += kRowBlock) {
        const auto block = static_cast<size_t>(std::min<int64_t>(kRowBlock, last - r));
        const uint8_t* row = w.tensor->data + static_cast<size_t>(r) * row_bytes;
        const Activations* inputs[kTokenTile];
        float* outputs[kTokenTile];
        for (int t = tile; t < tile_end; ++t) {
          inputs[t - tile] = &activations[static_cast<size_t>(t)];
          outputs[t - tile] =
              out + static_cast<size_t>(t) * static_cast<size_t>(w.rows) + static_cast<size_t>(r);
        }
        dot_rows_tokens(type, row, row_bytes, block, inputs, static_cast<size_t>(tile_end - tile), outputs);
      }
    }
  };
  if (parallel)
    team_->run(rows, static_cast<size_t>(chunks));
  else
    rows(0);
}

Result<std::vector<float>> Model::forward(const std::vector<Token>& tokens, KvCache& cache) const {
  if (tokens.empty()) return make_error("no tokens to evaluate");
  if (cache.size() + static_cast<int>(tokens.size()) > cache.capacity())
    return make_error("the context is full (" + std::to_string(cache.capacity()) + " tokens)");
  for (Token t : tokens)
    if (t < 0 || t >= shape_.vocabulary)
      return make_error("token " + std::to_string(t) + " is outside the vocabulary");
  const auto n = static_cast<size_t>(shape_.embedding);
  const int first = cache.size();
  // The prompt goes through in batches: every weight row is read once per
  // batch, not once per token.
  std::vector<float> x;
  for (size_t begin = 0; begin < tokens.size(); begin += kPrefillBatch) {
    const size_t count = std::min(kPrefillBatch, tokens.size() - begin);
    x.assign(count * n, 0.0f);
    for (size_t t = 0; t < count; ++t) read_row(embedding_, tokens[begin + t], &x[t * n]);
    for (int l = 0; l < shape_.layers; ++l)
      layer(l, first + static_cast<int>(begin), static_cast<int>(count), cache, x);
    cache.tokens_.insert(cache.tokens_.end(), tokens.begin() + static_cast<std::ptrdiff_t>(begin),
                         tokens.begin() + static_cast<std::ptrdiff_t>(begin + count));
  }
  std::vector<float> normed(n), logits(static_cast<size_t>(shape_.vocabulary));
  rms_norm(&x[x.size() - n], output_norm_, shape_.rms_epsilon, normed.data(), shape_.embedding);
  matmul(output_, normed.data(), 1, logits.data());
  return logits;
}

}  // namespace groundline::llm
