// Writes GGUF (version 3) files: metadata of any kind and tensors, aligned
// as the reader expects. For test models and benchmark shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "llm/gguf.h"

namespace groundline::llm {

class GgufWriter {
 public:
  // Integers are written as 64-bit, numbers as 64-bit floats; arrays take
  // the kind of their first element.
  void set(const std::string& key, MetaValue value);
  // `bytes` must be the tensor's size for its type and dims.
  Status add_tensor(const std::string& name, TensorType type, std::vector<uint64_t> dims, std::string bytes);

  std::string bytes() const;
  Status write(const std::string& path) const;

 private:
  std::vector<std::pair<std::string, MetaValue>> metadata_;
  struct Tensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> dims;
    std::string bytes;
  };
  std::vector<Tensor> tensors_;
};

}  // namespace groundline::llm
