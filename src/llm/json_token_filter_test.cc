#include "llm/json_token_filter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "llm/sampler.h"
#include "llm/test_support.h"

namespace groundline::llm {
namespace {

using testing::kShared;
using testing::load_tokenizer;
using testing::valijson_accepts;

using nlohmann::json;

JsonSchema compiled(const json& schema) {
  JsonSchemaOptions options;
  options.portable_numbers = true;
  auto out = JsonSchema::compile(schema, options);
  EXPECT_TRUE(out.ok()) << out.message();
  return std::move(out).value();
}

// A support agent's tool call, and one instance of it.
const json kToolCall = json::parse(R"({
  "type": "object",
  "properties": {
    "tool": {"enum": ["lookup_order", "refund", "escalate", "reply"]},
    "arguments": {
      "type": "object",
      "properties": {
        "order_id": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{6}$"},
        "amount": {"type": "number"},
        "reason": {"type": "string", "maxLength": 200},
        "priority": {"enum": ["low", "normal", "high"]},
        "notify_customer": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 5}
      },
      "required": ["order_id", "reason"],
      "additionalProperties": false
    }
  },
  "required": ["tool", "arguments"],
  "additionalProperties": false
})");
const char* const kToolCallText =
    R"({"tool": "refund", "arguments": {"order_id": "AB-123456", "amount": 25.5, "reason": "The package )"
    R"(arrived damaged and the customer asked for their money back.", "priority": "high", )"
    R"("notify_customer": true, "tags": ["damaged", "refund"]}})";

TEST(JsonTokenFilter, AllowsExactlyTheTokensTheMatcherTakes) {
  for (const char* name : {"models/stories260K.gguf", "tokenizer-tests/ggml-vocab-gpt-2.gguf"}) {
    Tokenizer tokenizer = load_tokenizer(kShared + name);
    TokenTrie trie(tokenizer);
    JsonSchema schema = compiled(kToolCall);
    JsonTokenFilter filter(trie);
    JsonMatcher matcher(schema);
    std::vector<uint8_t> allowed;
    const std::string text = kToolCallText;
    for (size_t at = 0; at <= text.size(); at += 13) {
      size_t count = filter.allowed_tokens(matcher, allowed);
      size_t brute = 0;
      for (size_t t = 0; t < tokenizer.vocabulary_size(); ++t) {
        std::string piece = tokenizer.piece(static_cast<Token>(t));
        bool takes = static_cast<Token>(t) == tokenizer.eos()
                         ? matcher.complete()
                         : !piece.empty() && JsonMatcher(matcher).advance(piece);
        brute += takes;
        ASSERT_EQ(allowed[t] != 0, takes) << name << " token " << t << " after " << text.substr(0, at);
      }
      EXPECT_EQ(count, brute);
      ASSERT_TRUE(matcher.advance(text.substr(at, 13)));
    }
    EXPECT_TRUE(matcher.finished());
  }
}

const char* const kPropertySchemas[] = {
    R"({"type":"object","properties":{"action":{"enum":["refund","escalate","close"]},"ticket":{"type":"integer","minimum":1000,"maximum":9999},
        "note":{"type":"string","maxLength":12}},"required":["action","ticket"],"additionalProperties":false})",
    R"({"type":"array","items":{"anyOf":[{"type":"boolean"},{"type":"string","pattern":"^[A-Z]{2}-\\d{2}$"},
        {"type":"null"}]},"minItems":1,"maxItems":4})",
    R"({"type":"object","properties":{"level":{"const":2},"tags":{"type":"array","maxItems":2,
        "items":{"type":"string","minLength":1,"maxLength":6}}},"required":["level","tags"],
        "additionalProperties":{"type":"number"},"maxProperties":3})",
    R"({"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"n":{"type":"integer"}},
        "required":["kind","n"],"additionalProperties":false},
        {"type":"object","properties":{"kind":{"const":"b"},"s":{"enum":["x","yy"]}},
        "required":["kind"],"additionalProperties":false}]})",
};

// Generates under the mask with random logits; the text when finished.
std::optional<std::string> random_generation(const Tokenizer& tokenizer, const TokenTrie& trie,
                                             const JsonSchema& schema, std::mt19937& random) {
  JsonConstraint constraint(schema, trie);
  Sampler sampler({0.0f, 0, 1.0f, 0.0f, 1.0f, 64, 0});  // the highest of random logits: a random token
  uint64_t bits = random() | 1;
  std::string text;
  std::vector<float> logits(tokenizer.vocabulary_size());
  for (int step = 0; step < 150; ++step) {
    for (auto& l : logits) {  // xorshift: cheap enough for every token at every step
      bits ^= bits << 13, bits ^= bits >> 7, bits ^= bits << 17;
      l = static_cast<float>(bits >> 40);
    }
    EXPECT_TRUE(constraint.mask(logits).ok()) << "stuck after " << text;
    Token next = sampler.sample(logits, {});
    if (next == tokenizer.eos()) return constraint.matcher().complete() ? std::optional(text) : std::nullopt;
    std::string piece = tokenizer.piece(next);
    EXPECT_TRUE(constraint.accept(piece).ok()) << text << " + " << piece;
    text += piece;
    if (constraint.finished()) return text;
  }
  return std::nullopt;
}

TEST(JsonTokenFilter, RandomLogitsUnderTheMaskAlwaysGiveValidJson) {
  std::mt19937 random(2024);
  const std::pair<const char*, int> vocabularies[] = {{"models/stories260K.gguf", 12},
                                                      {"tokenizer-tests/ggml-vocab-llama-spm.gguf", 3},
                                                      {"tokenizer-tests/ggml-vocab-gpt-2.gguf", 3}};
  for (const auto& [name, runs_per_schema] : vocabularies) {
    Tokenizer tokenizer = load_tokenizer(kShared + name);
    TokenTrie trie(tokenizer);
    int finished = 0, runs = 0;
    for (const char* text : kPropertySchemas) {
      json schema_json = json::parse(text);
      JsonSchema schema = compiled(schema_json);
      for (int run = 0; run < runs_per_schema; ++run, ++runs) {
        auto out = random_generation(tokenizer, trie, schema, random);
        if (!out) continue;
        ++finished;
        json document = json::parse(*out, nullptr, false);
        ASSERT_FALSE(document.is_discarded()) << name << ": " << *out;
        EXPECT_TRUE(valijson_accepts(schema_json, document)) << name << ": " << text << " gave " << *out;
      }
    }
    std::printf("%s: %d of %d random generations finished, all valid\n", name, finished, runs);
    EXPECT_GT(finished, runs / 2) << name;
  }
}

TEST(JsonTokenFilter, PrintsMaskingTimePerStep) {
  const JsonSchema schema = compiled(kToolCall);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kShared + "tokenizer-tests"))
    if (entry.path().extension() == ".gguf") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    Tokenizer tokenizer = load_tokenizer(path.string());
    std::vector<Token> tokens = tokenizer.encode(kToolCallText, false);
    std::string spelled;
    for (Token t : tokens) spelled += tokenizer.piece(t);
    if (spelled.find(kToolCallText) == std::string::npos) {
      std::printf("%-28s skipped: its pieces do not spell the text back\n", path.filename().c_str());
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    TokenTrie trie(tokenizer);
    double build_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    JsonTokenFilter filter(trie);
    JsonMatcher matcher(schema);
    std::vector<uint8_t> allowed;
    double mask_ms = 0, worst_ms = 0;
    for (Token t : tokens) {
      auto step = std::chrono::steady_clock::now();
      filter.allowed_tokens(matcher, allowed);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step).count();
      mask_ms += ms, worst_ms = std::max(worst_ms, ms);
      ASSERT_TRUE(allowed[static_cast<size_t>(t)]) << path << ": token " << t << " refused";
      ASSERT_TRUE(matcher.advance(tokenizer.piece(t)));
    }
    std::printf(
        "%-28s %6zu tokens, trie %7zu nodes built in %5.1f ms; mask %.2f ms/step (worst %.2f) over %zu "
        "steps\n",
        path.filename().c_str(), tokenizer.vocabulary_size(), trie.node_count(), build_ms,
        mask_ms / static_cast<double>(tokens.size()), worst_ms, tokens.size());
  }
}

// States the free-text shortcut does not cover: a free key (any property
// name allowed) and a string under a broad pattern, where most of the trie
// is walked.
TEST(JsonTokenFilter, PrintsMaskingTimeWhereMostTokensFit) {
  const JsonSchema schema = compiled(json::parse(R"({"type":"object","additionalProperties":
      {"type":"string","pattern":"^[^@]+@[^@]+$"}})"));
  for (const char* name :
       {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf"}) {
    Tokenizer tokenizer = load_tokenizer(kShared + "tokenizer-tests/" + name);
    TokenTrie trie(tokenizer);
    JsonTokenFilter filter(trie);
    std::vector<uint8_t> allowed;
    for (const char* prefix : {R"({"customer)", R"({"email": "jane.doe)"}) {
      JsonMatcher matcher(schema);
      ASSERT_TRUE(matcher.advance(prefix));
      filter.allowed_tokens(matcher, allowed);  // warm
      auto start = std::chrono::steady_clock::now();
      size_t count = 0;
      for (int i = 0; i < 10; ++i) count = filter.allowed_tokens(matcher, allowed);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 10;
      std::printf("%-28s after %-22s %6zu of %6zu tokens allowed, %.2f ms\n", name, prefix, count,
                  tokenizer.vocabulary_size(), ms);
    }
  }
}

}  // namespace
}  // namespace groundline::llm
