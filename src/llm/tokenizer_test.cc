#include "llm/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "llm/gguf_writer.h"
#include "llm/test_support.h"
#include "llm/wordpiece.h"
#include "tests/test_files.h"

namespace groundline::llm {
namespace {

using testing::kShared;
using testing::load_tokenizer;

TEST(Tokenizer, MatchesTheReferencePromptTokensOfStories260K) {
  Tokenizer tokenizer = load_tokenizer(kShared + "models/stories260K.gguf");
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
  Tokenizer tokenizer = load_tokenizer(base);
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

TEST(Tokenizer, PassesTheBertWordPieceVectors) {
  check_vectors("bert-bge", false);  // lowercased, accents stripped: lossy
}

// The metadata of a vocabulary file with `key` set to `value`, as GGUF bytes.
std::string vocabulary_with(const std::string& name, const std::string& key, MetaValue value) {
  auto file = GgufFile::open(kShared + "tokenizer-tests/ggml-vocab-" + name + ".gguf");
  EXPECT_TRUE(file.ok()) << file.message();
  GgufWriter out;
  for (const auto& [k, v] : file->metadata()) out.set(k, v);
  out.set(key, std::move(value));
  return out.bytes();
}

Result<Tokenizer> tokenizer_of(const std::string& bytes) {
  GL_ASSIGN_OR_RETURN(auto file,
                      GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return Tokenizer::from_gguf(file);
}

// Invalid UTF-8 must not reach the pre-tokenizer's expressions (PCRE2 runs
// them unchecked): each bad byte is a piece of its own, written in the byte
// alphabet, so GPT-2 (which has a token for every byte) decodes it back
// exactly; vocabularies without every byte lose those bytes, nothing worse.
TEST(Tokenizer, BytePairsTakeInvalidUtf8) {
  const std::string text = "ab\xFF\xFE cd \xC3 \xE2\x82 x\xED\xA0\x80y \xC0\xAF";
  Tokenizer gpt2 = load_tokenizer(kShared + "tokenizer-tests/ggml-vocab-gpt-2.gguf");
  EXPECT_EQ(gpt2.decode(gpt2.encode(text, false)), text);
  for (const char* name : {"falcon", "deepseek-llm", "deepseek-coder"}) {
    Tokenizer tokenizer = load_tokenizer(kShared + "tokenizer-tests/ggml-vocab-" + name + ".gguf");
    auto tokens = tokenizer.encode(text, false);
    EXPECT_FALSE(tokens.empty()) << name;
    for (Token t : tokens)
      EXPECT_TRUE(t >= 0 && static_cast<size_t>(t) < tokenizer.vocabulary_size()) << name;
  }
}

TEST(Tokenizer, RefusesAnUnknownModelOrPreTokenizer) {
  auto model =
      tokenizer_of(vocabulary_with("bert-bge", "tokenizer.ggml.model", MetaValue{std::string("rwkv")}));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("'rwkv' is not supported"), std::string::npos) << model.message();
  auto pre = tokenizer_of(vocabulary_with("gpt-2", "tokenizer.ggml.pre", MetaValue{std::string("nonsense")}));
  ASSERT_FALSE(pre.ok());
  EXPECT_NE(pre.message().find("'nonsense' is not supported"), std::string::npos) << pre.message();
}

// llama.cpp's ids for the tiny BERT models (../shared/models/bert): [CLS]
// first, [SEP] last, the empty text and a 300-word text included.
TEST(Tokenizer, MatchesLlamaCppOnTheTinyBertModels) {
  auto reference = nlohmann::json::parse(testing::read_file(kShared + "models/bert/reference.json"));
  size_t cases = 0;
  for (const auto& [name, model] : reference["files"].items()) {
    Tokenizer tokenizer = load_tokenizer(kShared + "models/bert/" + name);
    EXPECT_EQ(tokenizer.bos(), 101);
    EXPECT_EQ(tokenizer.eos(), 102);
    for (const auto& c : model["cases"]) {
      const auto text = c["text"].get<std::string>();
      EXPECT_EQ(tokenizer.encode(text, true), c["tokens"].get<std::vector<Token>>()) << name << ": " << text;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 16u);
}

TEST(Tokenizer, WordPieceAddsSepOnlyWhereTheFileAllows) {
  Tokenizer plain = load_tokenizer(kShared + "tokenizer-tests/ggml-vocab-bert-bge.gguf");
  EXPECT_EQ(plain.encode("hello", true), (std::vector<Token>{101, 7592, 102}));
  EXPECT_EQ(plain.encode("hello", false), (std::vector<Token>{7592}));
  auto no_sep = tokenizer_of(vocabulary_with("bert-bge", "tokenizer.ggml.add_eos_token", MetaValue{false}));
  ASSERT_TRUE(no_sep.ok()) << no_sep.message();
  EXPECT_EQ(no_sep->encode("hello", true), (std::vector<Token>{101, 7592}));
}

TEST(Tokenizer, DecodesWordPiecesToNormalisedWords) {
  Tokenizer tokenizer = load_tokenizer(kShared + "tokenizer-tests/ggml-vocab-bert-bge.gguf");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"Hello, World!", "hello, world!"},
      {"  Café   naïve ", "cafe naive"},
      {"How are you? I'm fine.", "how are you? i'm fine."},
      {"Error E4012: payment declined", "error e4012 : payment declined"},
      {"ied 4 ½ months", "ied 4 ½ months"},
      {"我想在apple工作", "我 apple"},  // 想, 在, 工 and 作 are [UNK]: control tokens give nothing
  };
  for (const auto& [text, decoded] : cases)
    EXPECT_EQ(tokenizer.decode(tokenizer.encode(text, true)), decoded) << text;
  EXPECT_EQ(tokenizer.piece(7592), " hello");  // a word's first piece
  EXPECT_EQ(tokenizer.piece(2094), "d");       // a continuation ("##d")
  EXPECT_EQ(tokenizer.piece(101), "");         // [CLS]
}

// Hostile text: every case finishes quickly with a sensible result.
TEST(Tokenizer, WordPieceSurvivesHostileText) {
  Tokenizer tokenizer = load_tokenizer(kShared + "tokenizer-tests/ggml-vocab-bert-bge.gguf");
  const Token unk = 100, hello = 7592, bang = 999;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(tokenizer.encode("\xFF\xC3 hello \xE2\x82", false), std::vector<Token>{hello});
  EXPECT_EQ(tokenizer.encode(std::string("hel\0lo\0", 7), false), std::vector<Token>{hello});
  EXPECT_EQ(tokenizer.encode("\x01\x02\x1B[0m\x7F", true), (std::vector<Token>{101, 1031, 1014, 2213, 102}));
  EXPECT_EQ(tokenizer.encode("\x01\x02\x03\x7F\u200B", true), (std::vector<Token>{101, 102}));
  EXPECT_EQ(tokenizer.encode(std::string(1 << 20, 'a'), true), (std::vector<Token>{101, unk, 102}));
  EXPECT_EQ(tokenizer.encode(std::string(1 << 20, '!'), false), std::vector<Token>(1 << 20, bang));
  std::string noise;
  for (uint32_t i = 0, x = 12345; i < (1u << 20); ++i)
    noise.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 16));
  for (Token t : tokenizer.encode(noise, true))
    ASSERT_TRUE(t >= 0 && static_cast<size_t>(t) < tokenizer.vocabulary_size());
  std::string ideographs;
  for (int i = 0; i < 100000; ++i) ideographs += "天";
  EXPECT_EQ(tokenizer.encode(ideographs, false), std::vector<Token>(100000, 1811));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // About 0.6 s in a Release build, 9 s with sanitizers: the bound only catches
  // quadratic work, which would take hours on a megabyte.
  EXPECT_LT(seconds, 60.0);
}

std::vector<std::string> bert_words(std::string_view text) {
  std::vector<std::string> words;
  for_each_bert_word(text, [&](std::string_view word) { words.emplace_back(word); });
  return words;
}

TEST(TokenizerWordPiece, CutsWordsAsBertsBasicTokenizer) {
  using Words = std::vector<std::string>;
  const std::vector<std::pair<std::string, Words>> cases = {
      {"", {}},
      {" \t\r\n ", {}},
      {"Hello, World!", {"hello", ",", "world", "!"}},
      {"café NAÏVE Führer", {"cafe", "naive", "fuhrer"}},  // accents stripped after NFD
      {"a$b+c<d=e>f^g`h|i~j",
       {"a", "$", "b", "+", "c", "<", "d", "=", "e", ">", "f", "^", "g", "`", "h", "|", "i", "~", "j"}},
      {"x\u00A0y\u2028z\u3000w", {"x", "y", "z", "w"}},        // Unicode spaces
      {"in\u200Bvisible\u00ADs\x01o\x7Ft", {"invisiblesot"}},  // format and control characters removed
      {"我想apple工作", {"我", "想", "apple", "工", "作"}},    // ideographs alone
      {"天～", {"天", "～"}},                                  // a fullwidth symbol (Sm) is not punctuation
      {"«quoted»—dash", {"«", "quoted", "»", "—", "dash"}},    // Unicode punctuation
      {"ＡＢ", {"ａｂ"}},                                      // NFD, not NFKD: width kept
      {"한", {"\u1112\u1161\u11AB"}},                          // Hangul decomposed to jamo
      {"½", {"½"}},
      {"ΑΘΗΝΑ", {"αθηνα"}},
  };
  for (const auto& [text, words] : cases) EXPECT_EQ(bert_words(text), words) << text;
}

TEST(TokenizerWordPiece, DropsInvalidBytesNulAndReplacementCharacters) {
  EXPECT_EQ(bert_words(std::string("ab\0cd", 5)), std::vector<std::string>{"abcd"});
  EXPECT_EQ(bert_words("ab\xFF\xFE"
                       "cd \xC3"),
            std::vector<std::string>{"abcd"});
  EXPECT_EQ(bert_words("\xED\xA0\x80 x\uFFFDy"), std::vector<std::string>{"xy"});  // a surrogate is invalid
}

TEST(TokenizerWordPiece, SplitsLongestPieceFirstAndGivesUpWholeWords) {
  const std::string start(kWordStart);
  const std::unordered_map<std::string, int32_t> ids = {
      {start + "un", 1}, {start + "una", 2}, {"ff", 3}, {"able", 4}, {"a", 5}, {start + "a", 6}};
  const size_t longest = 6;
  auto split = [&](std::string_view word) {
    std::vector<int32_t> out = {42};  // what was there before stays
    append_word_pieces(word, ids, longest, 0, out);
    return out;
  };
  EXPECT_EQ(split("unaffable"), (std::vector<int32_t>{42, 2, 3, 4}));
  EXPECT_EQ(split("unaffablex"), (std::vector<int32_t>{42, 0}));  // no piece covers the x
  EXPECT_EQ(split("ffable"), (std::vector<int32_t>{42, 0}));      // "ff" only continues a word
  std::vector<int32_t> longest_word = {42, 6};
  longest_word.resize(kMaxWordLength + 1, 5);
  EXPECT_EQ(split(std::string(kMaxWordLength, 'a')), longest_word);
  EXPECT_EQ(split(std::string(kMaxWordLength + 1, 'a')), (std::vector<int32_t>{42, 0}));  // too long to try
}

}  // namespace
}  // namespace groundline::llm
