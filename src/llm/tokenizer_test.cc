#include "llm/tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_files.h"

namespace groundline::llm {
namespace {

const std::string kShared = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/";

Tokenizer load(const std::string& path) {
  auto file = GgufFile::open(path);
  EXPECT_TRUE(file.ok()) << file.message();
  auto tokenizer = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.message();
  return std::move(tokenizer).value();
}

TEST(Tokenizer, MatchesTheReferencePromptTokensOfStories260K) {
  Tokenizer tokenizer = load(kShared + "models/stories260K.gguf");
  auto reference = nlohmann::json::parse(testing::read_file(kShared + "models/reference/stories260K.json"));
  for (const auto& c : reference["cases"]) {
    auto tokens = tokenizer.encode(c["prompt"].get<std::string>(), c["add_bos"].get<bool>());
    EXPECT_EQ(tokens, c["tokens"].get<std::vector<Token>>()) << c["prompt"];
    EXPECT_EQ(tokenizer.decode(tokens), c["prompt"].get<std::string>());
    if (c.contains("greedy_text")) {  // a continuation: its pieces as they are
      std::string continuation;
      for (Token t : c["greedy"].get<std::vector<Token>>()) continuation += tokenizer.piece(t);
      EXPECT_EQ(continuation, c["greedy_text"].get<std::string>());
    }
  }
}

// The conformance vectors of a vocabulary (see ../shared/tokenizer-tests):
// every string encodes to exactly the expected ids and decodes back.
void check_vectors(const std::string& name, bool lossless) {
  const std::string base = kShared + "tokenizer-tests/ggml-vocab-" + name + ".gguf";
  Tokenizer tokenizer = load(base);
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::string inputs = testing::read_file(base + ".inp");
  std::vector<std::string> texts;
  for (size_t start = 0, at; (at = inputs.find(separator, start)) != std::string::npos;
       start = at + separator.size())
    texts.push_back(inputs.substr(start, at - start));
  std::istringstream outputs(testing::read_file(base + ".out"));
  std::string line;
  size_t i = 0;
  for (; std::getline(outputs, line); ++i) {
    ASSERT_LT(i, texts.size());
    std::istringstream ids(line);
    std::vector<Token> expected;
    for (Token t; ids >> t;) expected.push_back(t);
    auto tokens = tokenizer.encode(texts[i], false);
    EXPECT_EQ(tokens, expected) << name << " case " << i << ": [" << texts[i] << "]";
    if (lossless) {
      EXPECT_EQ(tokenizer.decode(tokens), texts[i]) << name << " case " << i;
    }
  }
  EXPECT_EQ(i, texts.size());
}

TEST(Tokenizer, PassesTheLlamaSentencePieceVectors) {
  check_vectors("llama-spm", true);
}

TEST(Tokenizer, PassesThePhi3SentencePieceVectors) {
  check_vectors("phi-3", true);
}

class BytePairVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(BytePairVectors, PassEveryVector) {
  check_vectors(GetParam(), true);
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, BytePairVectors,
                         ::testing::Values("gpt-2", "mpt", "starcoder", "refact", "falcon", "deepseek-coder",
                                           "deepseek-llm"));

TEST(Tokenizer, RefusesAnUnknownModelOrPreTokenizer) {
  auto file = GgufFile::open(kShared + "tokenizer-tests/ggml-vocab-bert-bge.gguf");
  ASSERT_TRUE(file.ok());
  auto tokenizer = Tokenizer::from_gguf(*file);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_NE(tokenizer.message().find("'bert' is not supported"), std::string::npos) << tokenizer.message();
}

}  // namespace
}  // namespace groundline::llm
