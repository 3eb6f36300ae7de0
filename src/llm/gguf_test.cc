#include "llm/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "tests/test_files.h"

namespace groundline::llm {
namespace {

const std::string kModels = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/models/";

Result<GgufFile> parse(const std::string& bytes) {
  return GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "test.gguf");
}

// Writes GGUF bytes field by field.
class Writer {
 public:
  Writer& u32(uint32_t v) { return raw(&v, 4); }
  Writer& u64(uint64_t v) { return raw(&v, 8); }
  Writer& str(const std::string& s) {
    u64(s.size());
    bytes += s;
    return *this;
  }
  Writer& raw(const void* p, size_t n) {
    bytes.append(static_cast<const char*>(p), n);
    return *this;
  }
  Writer& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    bytes += "GGUF";
    return u32(version).u64(tensors).u64(kvs);
  }
  std::string bytes;
};

TEST(Gguf, ReadsTheMetadataAndTensorsOfARealModel) {
  auto file = GgufFile::open(kModels + "stories260K.gguf");
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->get_string("general.architecture"), "llama");
  EXPECT_EQ(*file->get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(*file->get_uint("llama.block_count"), 5u);
  EXPECT_EQ(*file->get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*file->get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(file->get_strings("tokenizer.ggml.tokens")->size(), 512u);
  EXPECT_EQ(file->get_floats("tokenizer.ggml.scores")->size(), 512u);
  const TensorInfo* embedding = file->tensor("token_embd.weight");
  ASSERT_NE(embedding, nullptr);
  EXPECT_EQ(embedding->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(embedding->type, TensorType::kF32);
  EXPECT_EQ(embedding->bytes, 64u * 512 * 4);
  EXPECT_EQ(file->tensors().size(), 48u);
  EXPECT_FALSE(file->get_uint("general.architecture").ok());
  EXPECT_NE(file->get_uint("no.such.key").message().find("no.such.key"), std::string::npos);
}

TEST(Gguf, OpensAFileOfEveryWeightType) {
  for (std::string type :
       {"F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"}) {
    auto file = GgufFile::open(kModels + "tiny256-" + type + ".gguf");
    ASSERT_TRUE(file.ok()) << type << ": " << file.message();
    std::string base = type.substr(0, type.find("_M"));
    const TensorInfo* embedding = file->tensor("token_embd.weight");
    ASSERT_NE(embedding, nullptr) << type;
    EXPECT_EQ(layout_of(static_cast<uint32_t>(embedding->type))->name, base) << type;
  }
}

TEST(Gguf, RejectsMalformedHeadersWithAReason) {
  auto expect_error = [](const std::string& bytes, const std::string& words) {
    auto file = parse(bytes);
    ASSERT_FALSE(file.ok()) << words;
    EXPECT_NE(file.message().find(words), std::string::npos) << file.message();
  };
  expect_error("", "truncated");
  expect_error("GGML\x03\0\0\0", "bad magic");
  expect_error(Writer().header(0, 0, 1).bytes, "version 1");
  expect_error(Writer().header(1'000'000'000, 0).bytes, "count past the end");
  expect_error(Writer().header(0, 1).str("k").u32(99).bytes, "unknown metadata value type 99");
  expect_error(Writer().header(0, 1).str("k").u32(8).u64(1'000'000).bytes, "truncated");
  expect_error(Writer().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).bytes, "repeated");
  expect_error(Writer().header(0, 1).str("general.alignment").u32(4).u32(3).bytes, "power of two");
  expect_error(Writer().header(1, 0).str("t").u32(0).bytes, "0 dimensions");
  expect_error(Writer().header(1, 0).str("t").u32(1).u64(0).bytes, "absurd size");
  expect_error(Writer().header(1, 0).str("t").u32(2).u64(1ull << 39).u64(1ull << 39).bytes, "absurd size");
  expect_error(Writer().header(1, 0).str("t").u32(1).u64(32).u32(77).bytes, "unknown type 77");
  expect_error(Writer().header(1, 0).str("t").u32(1).u64(33).u32(8).bytes, "whole Q8_0 blocks");
  expect_error(Writer().header(1, 0).str("t").u32(1).u64(4).u32(0).u64(0).bytes, "past the end");
  expect_error(Writer().header(1, 0).str("t").u32(1).u64(4).u32(0).u64(5).bytes, "not aligned");
}

TEST(Gguf, AHandWrittenFileReadsBack) {
  Writer w;
  w.header(1, 2).str("a.count").u32(10).u64(7).str("a.list").u32(9).u32(8).u64(2).str("x").str("yz");
  w.str("w").u32(2).u64(2).u64(1).u32(0).u64(0);
  while (w.bytes.size() % 32) w.bytes.push_back('\0');
  float values[2] = {1.5f, -2.0f};
  w.raw(values, sizeof values);
  auto file = parse(w.bytes);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(*file->get_uint("a.count"), 7u);
  EXPECT_EQ(*file->get_strings("a.list"), (std::vector<std::string>{"x", "yz"}));
  const TensorInfo* t = file->tensor("w");
  ASSERT_NE(t, nullptr);
  float read[2];
  std::memcpy(read, t->data, sizeof read);
  EXPECT_EQ(read[1], -2.0f);
}

// Every prefix of a real file (the header region densely) and random
// damage: an error or a file, never a crash (the sanitizer build runs this).
TEST(Gguf, TruncatedAndDamagedFilesNeverCrash) {
  std::string bytes = testing::read_file(kModels + "stories260K.gguf");
  ASSERT_GT(bytes.size(), 100000u);
  for (size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : n < 24000 ? 61 : 4099)
    EXPECT_FALSE(parse(bytes.substr(0, n)).ok()) << n;
  EXPECT_TRUE(parse(bytes).ok());
  std::mt19937 rng(12);
  for (int i = 0; i < 1000; ++i) {
    std::string damaged = bytes.substr(0, 24000);
    for (int k = 0; k < 4; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    (void)parse(damaged);
  }
}

}  // namespace
}  // namespace groundline::llm
