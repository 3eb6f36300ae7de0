#include "llm/synthetic_model.h"

#include <random>

#include "llm/gguf_writer.h"
#include "llm/random_weights.h"

namespace groundline::llm {

namespace {

std::optional<TensorType> type_named(const std::string& name) {
  for (uint32_t t : {0u, 1u, 2u, 3u, 6u, 7u, 8u, 10u, 11u, 12u, 13u, 14u, 30u}) {
    auto layout = layout_of(t);
    if (layout && name == layout->name) return static_cast<TensorType>(t);
  }
  return std::nullopt;
}

// The type a Q4_K_M file gives a tensor (see the header).
TensorType mixed_type(const std::string& tensor, int layer, int layers) {
  if (tensor == "output") return TensorType::kQ6_K;
  const bool more_bits = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
  if ((tensor == "attn_v" || tensor == "ffn_down") && more_bits) return TensorType::kQ6_K;
  return TensorType::kQ4_K;
}

template <class T>
MetaValue meta(T value) {
  MetaValue v;
  v.value = std::move(value);
  return v;
}
MetaValue text(const std::string& s) {
  return meta(s);
}
MetaValue number(uint64_t n) {
  return meta(n);
}

// A SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, then
// made-up pieces, each unique.
void add_vocabulary(GgufWriter& out, int size) {
  auto tokens = std::make_shared<MetaArray>(), scores = std::make_shared<MetaArray>(),
       types = std::make_shared<MetaArray>();
  auto add = [&](const std::string& piece, int64_t type) {
    tokens->push_back(text(piece));
    scores->push_back(meta(-static_cast<double>(tokens->size())));
    types->push_back(meta(type));
  };
  add("<unk>", 2);
  add("<s>", 3);
  add("</s>", 3);
  static const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) add(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 6);
  for (int i = 0; static_cast<int>(tokens->size()) < size; ++i) {
    std::string piece = (i % 2 == 0) ? "\xE2\x96\x81" : "";  // ▁ starts a word
    for (int n = i / 2 + 1; n > 0; n /= 26) piece += static_cast<char>('a' + (n - 1) % 26);
    add(piece, 1);
  }
  out.set("tokenizer.ggml.model", text("llama"));
  out.set("tokenizer.ggml.tokens", meta(tokens));
  out.set("tokenizer.ggml.scores", meta(scores));
  out.set("tokenizer.ggml.token_type", meta(types));
  out.set("tokenizer.ggml.unknown_token_id", number(0));
  out.set("tokenizer.ggml.bos_token_id", number(1));
  out.set("tokenizer.ggml.eos_token_id", number(2));
}

void add_shape(GgufWriter& out, const SyntheticShape& s) {
  const std::string p = s.architecture + ".";
  out.set("general.architecture", text(s.architecture));
  out.set("general.name", text(s.name + " (random weights)"));
  out.set(p + "context_length", number(static_cast<uint64_t>(s.context)));
  out.set(p + "embedding_length", number(static_cast<uint64_t>(s.embedding)));
  out.set(p + "block_count", number(static_cast<uint64_t>(s.layers)));
  out.set(p + "feed_forward_length", number(static_cast<uint64_t>(s.feed_forward)));
  out.set(p + "attention.head_count", number(static_cast<uint64_t>(s.heads)));
  out.set(p + "attention.head_count_kv", number(static_cast<uint64_t>(s.kv_heads)));
  out.set(p + "attention.layer_norm_rms_epsilon", meta(1e-5));
  out.set(p + "rope.freq_base", meta(s.architecture == "qwen2" ? 1000000.0 : 10000.0));
}

}  // namespace

std::optional<SyntheticShape> known_shape(const std::string& name) {
  if (name == "smollm2-135m") return SyntheticShape{name, "llama", 30, 576, 9, 3, 1536, 32000, 2048, true};
  if (name == "qwen2.5-0.5b") return SyntheticShape{name, "qwen2", 24, 896, 14, 2, 4864, 32000, 2048, true};
  if (name == "tiny") return SyntheticShape{name, "llama", 2, 256, 4, 2, 512, 1000, 512, false};
  return std::nullopt;
}

std::vector<std::string> known_shape_names() {
  return {"smollm2-135m", "qwen2.5-0.5b", "tiny"};
}

Status write_synthetic_model(const SyntheticShape& s, const std::string& type, const std::string& path,
                             uint64_t seed) {
  const bool mixed = type == "Q4_K_M";
  auto single = type_named(type);
  if (!mixed && !single) return make_error("unknown weight type '" + type + "'");
  if (s.embedding % s.heads || s.heads % s.kv_heads) return make_error("head counts do not divide the width");
  std::mt19937_64 random(seed);
  GgufWriter out;
  add_shape(out, s);
  add_vocabulary(out, s.vocabulary);
  auto tensor = [&](const std::string& name, TensorType t, uint64_t rows, uint64_t columns) -> Status {
    auto layout = layout_of(static_cast<uint32_t>(t));
    if (columns % layout->block_elements)
      return make_error(name + ": " + std::to_string(columns) + " columns are not whole " + layout->name +
                        " blocks");
    std::string bytes(rows * columns / layout->block_elements * layout->block_bytes, '\0');
    fill_random(t, reinterpret_cast<uint8_t*>(bytes.data()), rows * columns, 0.05f, random);
    std::vector<uint64_t> dims{columns};
    if (rows > 1) dims.push_back(rows);
    return out.add_tensor(name, t, dims, std::move(bytes));
  };
  // A K type needs rows of whole 256-element blocks; other rows take the
  // nearest simple type, as quantizers do.
  auto pick = [&](const std::string& kind, int layer, uint64_t columns) {
    TensorType t = mixed ? mixed_type(kind, layer, s.layers) : *single;
    if (columns % 256 == 0) return t;
    if (t == TensorType::kQ2_K || t == TensorType::kQ3_K) return TensorType::kQ4_0;
    if (t == TensorType::kQ4_K) return TensorType::kQ5_0;
    if (t == TensorType::kQ5_K) return TensorType::kQ5_1;
    if (t == TensorType::kQ6_K) return TensorType::kQ8_0;
    return t;
  };
  const auto n = static_cast<uint64_t>(s.embedding), ff = static_cast<uint64_t>(s.feed_forward);
  const uint64_t kv = n / static_cast<uint64_t>(s.heads) * static_cast<uint64_t>(s.kv_heads);
  const auto vocabulary = static_cast<uint64_t>(s.vocabulary);
  GL_TRY(tensor("token_embd.weight", pick(s.tied_output ? "output" : "token_embd", 0, n), vocabulary, n));
  GL_TRY(tensor("output_norm.weight", TensorType::kF32, 1, n));
  if (!s.tied_output) GL_TRY(tensor("output.weight", pick("output", 0, n), vocabulary, n));
  for (int l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    GL_TRY(tensor(b + "attn_norm.weight", TensorType::kF32, 1, n));
    GL_TRY(tensor(b + "attn_q.weight", pick("attn_q", l, n), n, n));
    GL_TRY(tensor(b + "attn_k.weight", pick("attn_k", l, n), kv, n));
    GL_TRY(tensor(b + "attn_v.weight", pick("attn_v", l, n), kv, n));
    if (s.architecture == "qwen2") {
      GL_TRY(tensor(b + "attn_q.bias", TensorType::kF32, 1, n));
      GL_TRY(tensor(b + "attn_k.bias", TensorType::kF32, 1, kv));
      GL_TRY(tensor(b + "attn_v.bias", TensorType::kF32, 1, kv));
    }
    GL_TRY(tensor(b + "attn_output.weight", pick("attn_output", l, n), n, n));
    GL_TRY(tensor(b + "ffn_norm.weight", TensorType::kF32, 1, n));
    GL_TRY(tensor(b + "ffn_gate.weight", pick("ffn_gate", l, n), ff, n));
    GL_TRY(tensor(b + "ffn_up.weight", pick("ffn_up", l, n), ff, n));
    GL_TRY(tensor(b + "ffn_down.weight", pick("ffn_down", l, ff), n, ff));
  }
  return out.write(path);
}

}  // namespace groundline::llm
