// GGUF files (versions 2 and 3) read in place from a memory map: the
// metadata of every value type, the tensor directory and each tensor's
// bytes. Every length, count and offset is checked against the file before
// it is used, so a truncated, damaged or hostile file gives an error that
// names what is wrong and where, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace groundline::llm {

// Tensor element types, numbered as GGUF numbers them.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
};

struct TypeLayout {
  const char* name;
  uint32_t block_elements;  // elements per block
  uint32_t block_bytes;     // bytes per block
};

// The layout of a type this engine knows, or nullopt.
std::optional<TypeLayout> layout_of(uint32_t type);

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::kF32;
  std::vector<uint64_t> dims;  // dims[0] varies fastest (a row)
  uint64_t elements = 0;
  uint64_t bytes = 0;
  const uint8_t* data = nullptr;  // in the map
};

// A metadata value: a scalar, a string, or an array of either.
struct MetaValue;
using MetaArray = std::vector<MetaValue>;
struct MetaValue {
  std::variant<uint64_t, int64_t, double, bool, std::string, std::shared_ptr<MetaArray>> value;
};

class GgufFile {
 public:
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes the caller keeps alive (for tests and fuzzing).
  static Result<GgufFile> parse(const uint8_t* data, size_t size, std::string name = "buffer");

  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  const std::map<std::string, MetaValue>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  const MetaValue* find(const std::string& key) const;
  // Typed reads: an error names the key when it is missing or of another type.
  Result<uint64_t> get_uint(const std::string& key) const;
  Result<double> get_float(const std::string& key) const;
  Result<std::string> get_string(const std::string& key) const;
  Result<std::vector<std::string>> get_strings(const std::string& key) const;
  Result<std::vector<double>> get_floats(const std::string& key) const;
  Result<std::vector<int64_t>> get_ints(const std::string& key) const;
  const TensorInfo* tensor(const std::string& name) const;

 private:
  struct Mapping;
  std::shared_ptr<Mapping> mapping_;  // keeps the bytes alive
  std::string name_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  std::map<std::string, MetaValue> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> by_name_;

  friend class Parser;
};

}  // namespace groundline::llm
