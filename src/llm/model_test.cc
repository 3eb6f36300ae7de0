#include "llm/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "llm/compute_team.h"
#include "llm/gguf_writer.h"
#include "llm/synthetic_model.h"
#include "tests/test_files.h"

namespace groundline::llm {
namespace {

const std::string kModels = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/";

nlohmann::json reference(const std::string& name) {
  return nlohmann::json::parse(testing::read_file(kModels + "reference/" + name + ".json"));
}

Token argmax(const std::vector<float>& logits) {
  return static_cast<Token>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

struct Agreement {
  double cosine = 0, max_difference = 0;
};

Agreement compare(const std::vector<float>& a, const std::vector<double>& b) {
  double dot = 0, na = 0, nb = 0, worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += b[i] * b[i];
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return {dot / std::sqrt(na * nb), worst};
}

// stories260K is all F32: the logits after each prompt agree with the
// independent implementation's closely, and the whole greedy
// continuation (each token fed back one at a time) is the same.
TEST(Model, Stories260KMatchesTheReferenceLogitsAndGreedyRun) {
  auto file = GgufFile::open(kModels + "stories260K.gguf");
  ASSERT_TRUE(file.ok()) << file.message();
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_EQ(model->shape().kv_heads, 4);
  const auto cases = reference("stories260K")["cases"];
  ASSERT_EQ(cases.size(), 3u);
  for (const auto& c : cases) {
    ASSERT_EQ(c["greedy"].size(), 32u);
    KvCache cache(model->shape(), 256);
    auto logits = model->forward(c["tokens"].get<std::vector<Token>>(), cache);
    ASSERT_TRUE(logits.ok()) << logits.message();
    auto agreement = compare(*logits, c["last_logits"].get<std::vector<double>>());
    EXPECT_GT(agreement.cosine, 0.99999) << c["prompt"];
    // Logits span about -13..18; the reference keeps its KV cache in F16.
    EXPECT_LT(agreement.max_difference, 0.03) << c["prompt"];
    std::vector<Token> greedy;
    for (size_t i = 0; i < c["greedy"].size(); ++i) {
      Token next = argmax(*logits);
      greedy.push_back(next);
      logits = model->forward({next}, cache);
      ASSERT_TRUE(logits.ok());
    }
    EXPECT_EQ(greedy, c["greedy"].get<std::vector<Token>>()) << c["prompt"];
  }
}

// Random-weight models in every weight type. Both engines multiply
// quantized weights with activations rounded to 8 bits, in blocks of
// different sizes, so logits agree by tolerance, and the top token
// wherever the reference's top two are apart.
class EveryWeightType : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryWeightType, AgreesWithTheReferenceLogits) {
  const std::string name = "tiny256-" + GetParam();
  auto file = GgufFile::open(kModels + name + ".gguf");
  ASSERT_TRUE(file.ok()) << file.message();
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  const auto cases = reference(name)["cases"];
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    KvCache cache(model->shape(), 256);
    auto logits = model->forward(c["tokens"].get<std::vector<Token>>(), cache);
    ASSERT_TRUE(logits.ok()) << logits.message();
    auto expected = c["last_logits"].get<std::vector<double>>();
    auto agreement = compare(*logits, expected);
    EXPECT_GT(agreement.cosine, 0.995) << name << " " << c["prompt"];
    std::vector<double> sorted = expected;
    std::sort(sorted.rbegin(), sorted.rend());
    if (sorted[0] - sorted[1] > 0.1) {
      EXPECT_EQ(argmax(*logits), std::max_element(expected.begin(), expected.end()) - expected.begin())
          << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny256, EveryWeightType,
                         ::testing::Values("F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M",
                                           "Q4_K_M", "Q5_K_M", "Q6_K"));

// Llama GGUF files store each head's query and key rows interleaved so
// that consecutive pairs rotate; Qwen2 files keep the original order and
// rotate each head's halves (NeoX). So stories260K rewritten as a qwen2
// file, with its q/k rows put back in the original order and zero biases,
// must compute the same logits: a check of the NeoX rotation and the qwen2
// path against the reference-tested llama path.
std::string as_qwen2(const GgufFile& llama, const ModelShape& shape, float v_bias) {
  GgufWriter out;
  for (const auto& [key, value] : llama.metadata())
    out.set(key.starts_with("llama.") ? "qwen2." + key.substr(6) : key, value);
  out.set("general.architecture", MetaValue{std::string("qwen2")});
  const size_t row_bytes = static_cast<size_t>(shape.embedding) * 4, hd = static_cast<size_t>(shape.head_dim);
  for (const auto& t : llama.tensors()) {
    std::string bytes(reinterpret_cast<const char*>(t.data), t.bytes);
    bool rotated = t.name.ends_with("attn_q.weight") || t.name.ends_with("attn_k.weight");
    if (rotated) {
      std::string original(bytes.size(), '\0');
      for (size_t row = 0; row < t.dims[1]; ++row) {
        size_t head = row / hd, i = row % hd;
        size_t from = head * hd + (i < hd / 2 ? 2 * i : 2 * (i - hd / 2) + 1);
        original.replace(row * row_bytes, row_bytes, bytes, from * row_bytes, row_bytes);
      }
      bytes = original;
    }
    EXPECT_TRUE(out.add_tensor(t.name, t.type, t.dims, bytes).ok());
    if (t.name.ends_with("attn_v.weight")) {
      std::string prefix = t.name.substr(0, t.name.size() - std::string("attn_v.weight").size());
      auto zeros = [](size_t n, float value) {
        std::vector<float> v(n, value);
        return std::string(reinterpret_cast<const char*>(v.data()), n * 4);
      };
      const size_t kv = static_cast<size_t>(shape.kv_heads) * hd;
      EXPECT_TRUE(out.add_tensor(prefix + "attn_q.bias", TensorType::kF32,
                                 {static_cast<uint64_t>(shape.embedding)},
                                 zeros(static_cast<size_t>(shape.embedding), 0))
                      .ok());
      EXPECT_TRUE(out.add_tensor(prefix + "attn_k.bias", TensorType::kF32, {kv}, zeros(kv, 0)).ok());
      EXPECT_TRUE(out.add_tensor(prefix + "attn_v.bias", TensorType::kF32, {kv}, zeros(kv, v_bias)).ok());
    }
  }
  return out.bytes();
}

TEST(Model, Qwen2LayoutWithNeoxRotationMatchesTheLlamaPath) {
  auto file = GgufFile::open(kModels + "stories260K.gguf");
  auto llama = Model::load(*file);
  ASSERT_TRUE(llama.ok());
  const std::string bytes = as_qwen2(*file, llama->shape(), 0.0f);
  auto qwen_file = GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(qwen_file.ok()) << qwen_file.message();
  auto qwen = Model::load(*qwen_file);
  ASSERT_TRUE(qwen.ok()) << qwen.message();
  EXPECT_TRUE(qwen->shape().neox_rope);
  const std::vector<Token> prompt = {1, 403, 407, 261, 378};
  KvCache a(llama->shape(), 64), b(qwen->shape(), 64);
  auto expected = llama->forward(prompt, a);
  auto got = qwen->forward(prompt, b);
  ASSERT_TRUE(expected.ok() && got.ok());
  std::vector<double> reference(expected->begin(), expected->end());
  auto agreement = compare(*got, reference);
  EXPECT_GT(agreement.cosine, 0.999999);
  EXPECT_LT(agreement.max_difference, 1e-3);

  const std::string biased = as_qwen2(*file, llama->shape(), 0.5f);
  auto biased_file = GgufFile::parse(reinterpret_cast<const uint8_t*>(biased.data()), biased.size());
  auto with_bias = Model::load(*biased_file);
  ASSERT_TRUE(with_bias.ok());
  KvCache c(with_bias->shape(), 64);
  EXPECT_LT(compare(*with_bias->forward(prompt, c), reference).cosine, 0.9999);  // the bias is applied
}

TEST(Model, LogitsDoNotDependOnTheThreadCount) {
  auto file = GgufFile::open(kModels + "tiny256-Q4_K_M.gguf");
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  const std::vector<Token> prompt = {1, 403, 407, 261, 378, 300, 310};
  std::vector<float> single;
  for (size_t threads : {1, 2, 3}) {
    model->set_threads(threads);
    EXPECT_EQ(model->threads(), threads);
    KvCache cache(model->shape(), 64);
    auto logits = model->forward(prompt, cache);
    ASSERT_TRUE(logits.ok());
    if (threads == 1)
      single = *logits;
    else
      EXPECT_EQ(*logits, single) << threads << " threads";
  }
}

TEST(Model, RefusesWhatItCannotRunAndBadInputClearly) {
  auto other =
      GgufFile::open(std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/tokenizer-tests/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(other.ok());
  auto refused = Model::load(*other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("architecture 'gpt2' is not supported yet"), std::string::npos)
      << refused.message();

  auto file = GgufFile::open(kModels + "stories260K.gguf");
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok());
  KvCache cache(model->shape(), 4);
  EXPECT_FALSE(model->forward({}, cache).ok());
  EXPECT_NE(model->forward({1, 99999}, cache).message().find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(model->forward({1, 2, 3, 4, 5}, cache).message().find("context is full"), std::string::npos);
  EXPECT_EQ(cache.size(), 0);
}

// A prompt evaluated in batches (longer than one batch here) gives the
// same logits, bit for bit, as fed one token at a time: every product and
// every attention sum is computed the same way either way.
class BatchedPrefill : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchedPrefill, EqualsOneTokenAtATime) {
  testing::TempDir dir;
  auto shape = *known_shape("tiny");
  ASSERT_TRUE(write_synthetic_model(shape, GetParam(), dir / "tiny.gguf").ok());
  auto file = GgufFile::open(dir / "tiny.gguf");
  ASSERT_TRUE(file.ok()) << file.message();
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  std::vector<Token> prompt;
  for (int i = 0; i < 300; ++i) prompt.push_back((i * 37 + 11) % shape.vocabulary);
  KvCache batched(model->shape(), 320), single(model->shape(), 320);
  auto all = model->forward(prompt, batched);
  ASSERT_TRUE(all.ok()) << all.message();
  Result<std::vector<float>> last = make_error("none");
  for (Token t : prompt) last = model->forward({t}, single);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*all, *last);
  EXPECT_EQ(batched.tokens(), single.tokens());
  // And the next token sees the same cache.
  EXPECT_EQ(*model->forward({5}, batched), *model->forward({5}, single));
}

// Long enough that attention heads, not only products, go to the team.
TEST(Model, LongPromptLogitsDoNotDependOnTheThreadCount) {
  testing::TempDir dir;
  auto shape = *known_shape("tiny");
  ASSERT_TRUE(write_synthetic_model(shape, "Q8_0", dir / "tiny.gguf").ok());
  auto file = GgufFile::open(dir / "tiny.gguf");
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  std::vector<Token> prompt;
  for (int i = 0; i < 400; ++i) prompt.push_back((i * 53 + 7) % shape.vocabulary);
  std::vector<float> single;
  for (size_t threads : {1, 2, 3}) {
    model->set_threads(threads);
    KvCache cache(model->shape(), 410);
    auto logits = model->forward(prompt, cache);
    ASSERT_TRUE(logits.ok());
    auto next = model->forward({3}, cache);
    ASSERT_TRUE(next.ok());
    logits->insert(logits->end(), next->begin(), next->end());
    if (threads == 1)
      single = *logits;
    else
      EXPECT_EQ(*logits, single) << threads << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(Types, BatchedPrefill, ::testing::Values("Q4_K_M", "Q8_0", "Q4_0", "Q5_0", "F16"));

class SyntheticModel : public ::testing::TestWithParam<std::string> {};

// Every type, on a width that is not whole K blocks (those fall back to a
// simple type): the file loads, tokenizes and runs to finite logits.
TEST_P(SyntheticModel, LoadsTokenizesAndRuns) {
  testing::TempDir dir;
  SyntheticShape shape{"narrow", "qwen2", 2, 320, 5, 1, 768, 600, 64, true};
  ASSERT_TRUE(write_synthetic_model(shape, GetParam(), dir / "m.gguf", 7).ok());
  auto file = GgufFile::open(dir / "m.gguf");
  ASSERT_TRUE(file.ok()) << file.message();
  auto tokenizer = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.message();
  EXPECT_EQ(tokenizer->vocabulary_size(), 600u);
  auto tokens = tokenizer->encode("ab ba", true);
  EXPECT_EQ(tokenizer->decode(tokens), "ab ba");
  auto model = Model::load(*file);
  ASSERT_TRUE(model.ok()) << model.message();
  KvCache cache(model->shape(), 16);
  auto logits = model->forward(tokens, cache);
  ASSERT_TRUE(logits.ok());
  for (float v : *logits) ASSERT_TRUE(std::isfinite(v)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(EveryType, SyntheticModel,
                         ::testing::Values("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q4_K_M"));

TEST(SyntheticModel, RefusesUnknownTypesAndBadShapes) {
  testing::TempDir dir;
  auto shape = *known_shape("tiny");
  auto unknown = write_synthetic_model(shape, "Q7_X", dir / "m.gguf");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("Q7_X"), std::string::npos);
  shape.heads = 3;
  EXPECT_FALSE(write_synthetic_model(shape, "F32", dir / "m.gguf").ok());
  EXPECT_FALSE(known_shape("gpt-5").has_value());
}

TEST(ComputeTeam, RunsEveryChunkOnceEachTime) {
  for (size_t threads : {1u, 2u, 4u}) {
    ComputeTeam team(threads);
    ASSERT_EQ(team.size(), threads);
    for (size_t chunks : {1u, 3u, 64u}) {
      std::vector<std::atomic<int>> counts(chunks);
      for (int round = 0; round < 500; ++round) team.run([&](size_t c) { counts[c]++; }, chunks);
      for (size_t c = 0; c < chunks; ++c) EXPECT_EQ(counts[c], 500) << threads << " threads, chunk " << c;
    }
  }
}

// More members than cores and a busy machine: runs still finish, every
// chunk once, whoever does them.
TEST(ComputeTeam, FinishesWhenMembersAreNotScheduled) {
  ComputeTeam team(8);
  std::atomic<bool> busy{true};
  std::vector<std::thread> load;
  for (int i = 0; i < 4; ++i)
    load.emplace_back([&] {
      while (busy) {
      }
    });
  std::atomic<int> total{0};
  for (int round = 0; round < 200; ++round) team.run([&](size_t) { total++; }, 16);
  busy = false;
  for (auto& t : load) t.join();
  EXPECT_EQ(total, 200 * 16);
}

}  // namespace
}  // namespace groundline::llm
