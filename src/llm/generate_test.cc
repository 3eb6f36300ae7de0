#include "llm/generate.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "llm/json_token_filter.h"
#include "tests/test_files.h"

namespace groundline::llm {
namespace {

const std::string kModels = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/";

class Generate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    file_ = new GgufFile(std::move(GgufFile::open(kModels + "stories260K.gguf")).value());
    model_ = new Model(std::move(Model::load(*file_)).value());
    tokenizer_ = new Tokenizer(std::move(Tokenizer::from_gguf(*file_)).value());
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete model_;
    delete file_;
  }
  Generation run(std::string_view prompt, const GenerateOptions& options, KvCache* cache = nullptr) {
    KvCache own(model_->shape(), 256);
    auto out = generate(*model_, *tokenizer_, cache ? *cache : own, prompt, options);
    EXPECT_TRUE(out.ok()) << out.message();
    return out.ok() ? *out : Generation{};
  }
  static GgufFile* file_;
  static Model* model_;
  static Tokenizer* tokenizer_;
};
GgufFile* Generate::file_ = nullptr;
Model* Generate::model_ = nullptr;
Tokenizer* Generate::tokenizer_ = nullptr;

TEST_F(Generate, GreedyTextMatchesTheReferenceAndStreamsInOrder) {
  const auto reference = nlohmann::json::parse(testing::read_file(kModels + "reference/stories260K.json"));
  for (const auto& c : reference["cases"]) {
    GenerateOptions options;
    options.max_tokens = static_cast<int>(c["greedy"].size());
    std::string streamed;
    options.on_text = [&](std::string_view piece) { streamed += piece; };
    auto out = run(c["prompt"].get<std::string>(), options);
    EXPECT_EQ(out.tokens, c["greedy"].get<std::vector<Token>>());
    EXPECT_EQ(out.text, c["greedy_text"].get<std::string>());
    EXPECT_EQ(streamed, out.text);
    EXPECT_EQ(out.stop, Generation::Stop::kLength);
    EXPECT_EQ(out.prompt_tokens, static_cast<int>(c["tokens"].size()));
  }
}

TEST_F(Generate, StopsBeforeAStopSequenceWithoutStreamingAnyOfIt) {
  GenerateOptions options;
  options.max_tokens = 64;
  options.stop = {"Lily"};
  std::string streamed;
  options.on_text = [&](std::string_view piece) { streamed += piece; };
  auto out = run("Once upon a time", options);
  EXPECT_EQ(out.stop, Generation::Stop::kStopSequence);
  EXPECT_EQ(out.text, ", there was a little girl named ");
  EXPECT_EQ(streamed, out.text);
}

TEST_F(Generate, ReusesTheCachedPrefixOfAPromptAndGivesTheSameText) {
  GenerateOptions options;
  options.max_tokens = 12;
  KvCache cache(model_->shape(), 256);
  run("Once upon a time, there was a little dog", options, &cache);
  auto warm = run("Once upon a time, there was a little dog named Max", options, &cache);
  auto cold = run("Once upon a time, there was a little dog named Max", options);
  EXPECT_EQ(warm.text, cold.text);
  EXPECT_LT(warm.prefilled_tokens, cold.prefilled_tokens);
  EXPECT_EQ(cold.prefilled_tokens, cold.prompt_tokens);
}

TEST_F(Generate, SeededSamplingIsRepeatableAndTopKOfOneIsGreedy) {
  GenerateOptions options;
  options.max_tokens = 24;
  options.sampling = {0.9f, 40, 0.95f, 0.05f, 1.1f, 64, 7};
  auto a = run("The little dog", options), b = run("The little dog", options);
  EXPECT_EQ(a.tokens, b.tokens);
  GenerateOptions greedy;
  greedy.max_tokens = 24;
  GenerateOptions one = greedy;
  one.sampling.temperature = 1.0f;
  one.sampling.top_k = 1;
  EXPECT_EQ(run("The little dog", one).tokens, run("The little dog", greedy).tokens);
}

TEST_F(Generate, LimitsCancellationAndBadRequests) {
  GenerateOptions options;
  options.max_tokens = 5;
  EXPECT_EQ(run("Once", options).tokens.size(), 5u);
  std::atomic<bool> cancel{true};
  options.cancel = &cancel;
  auto cancelled = run("Once", options);
  EXPECT_EQ(cancelled.stop, Generation::Stop::kCancelled);
  EXPECT_TRUE(cancelled.tokens.empty());
  KvCache tiny(model_->shape(), 8);
  GenerateOptions long_run;
  long_run.max_tokens = 100;
  auto full = generate(*model_, *tokenizer_, tiny, "Once upon a time", long_run);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->stop, Generation::Stop::kContextFull);
  EXPECT_FALSE(generate(*model_, *tokenizer_, tiny, std::string(200, 'a'), long_run).ok());
  GenerateOptions empty_stop;
  empty_stop.stop = {""};
  EXPECT_FALSE(generate(*model_, *tokenizer_, tiny, "Once", empty_stop).ok());
}

TEST_F(Generate, JsonSchemaMakesTheOutputAValidInstance) {
  JsonSchemaOptions portable;
  portable.portable_numbers = true;
  auto schema = JsonSchema::compile(nlohmann::json::parse(R"({"type":"object",
      "properties":{"mood":{"enum":["happy","sad"]},"age":{"type":"integer"},"name":{"type":"string","maxLength":8}},
      "required":["mood","age"],"additionalProperties":false})"),
                                    portable);
  ASSERT_TRUE(schema.ok()) << schema.message();
  TokenTrie trie(*tokenizer_);
  for (float temperature : {0.0f, 0.8f, 1.5f}) {
    GenerateOptions options;
    options.max_tokens = 128;
    options.json_schema = &*schema;
    options.token_trie = temperature > 1.0f ? nullptr : &trie;  // built per call without one
    options.sampling.temperature = temperature;
    options.sampling.seed = 11;
    std::string streamed;
    options.on_text = [&](std::string_view piece) { streamed += piece; };
    auto out = run("Once upon a time, a JSON record:", options);
    ASSERT_EQ(out.stop, Generation::Stop::kEndOfText) << out.text;
    EXPECT_EQ(streamed, out.text);
    auto document = nlohmann::json::parse(out.text);
    EXPECT_TRUE(document["mood"] == "happy" || document["mood"] == "sad") << out.text;
    EXPECT_TRUE(document["age"].is_number_integer()) << out.text;
    EXPECT_LE(document.size(), 3u);
  }
}

TEST(Sampler, NeverPicksAMaskedToken) {
  const float masked = -std::numeric_limits<float>::infinity();
  const std::vector<float> logits = {masked, 5.0f, masked, 3.0f, masked};
  const SamplingOptions all[] = {{0.0f, 0, 1.0f, 0.0f, 1.0f, 64, 1},  {1.0f, 0, 1.0f, 0.0f, 1.0f, 64, 2},
                                 {2.0f, 4, 1.0f, 0.0f, 1.0f, 64, 3},  {1.0f, 0, 0.9f, 0.0f, 1.0f, 64, 4},
                                 {1.0f, 0, 1.0f, 0.01f, 1.0f, 64, 5}, {1.0f, 0, 1.0f, 0.0f, 1.5f, 64, 6}};
  for (const auto& options : all) {
    Sampler sampler(options);
    for (int i = 0; i < 100; ++i) {
      Token t = sampler.sample(logits, {0, 1, 2});
      EXPECT_TRUE(t == 1 || t == 3) << t;
    }
  }
}

TEST(Sampler, FiltersAndPenalty) {
  const std::vector<float> logits = {10.0f, 9.0f, 0.0f, -10.0f};
  SamplingOptions top_p{1.0f, 0, 0.5f, 0.0f, 1.0f, 64, 1};
  SamplingOptions min_p{1.0f, 0, 1.0f, 0.5f, 1.0f, 64, 1};
  SamplingOptions wide{1.0f, 0, 1.0f, 0.0f, 1.0f, 64, 1};
  Sampler a(top_p), b(min_p), c(wide);
  bool saw_second = false;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(a.sample(logits, {}), 0);
    EXPECT_EQ(b.sample(logits, {}), 0);
    saw_second |= c.sample(logits, {}) == 1;
  }
  EXPECT_TRUE(saw_second);
  SamplingOptions penalised{0.0f, 0, 1.0f, 0.0f, 2.0f, 64, 0};
  EXPECT_EQ(Sampler(penalised).sample(logits, {0}), 1);  // 10 / 2 < 9
  EXPECT_EQ(Sampler(penalised).sample(logits, {}), 0);
}

}  // namespace
}  // namespace groundline::llm
