#include "llm/gguf_writer.h"

#include <fstream>

namespace groundline::llm {

namespace {

constexpr size_t kAlignment = 32;

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

uint32_t type_of(const MetaValue& v) {
  if (std::holds_alternative<uint64_t>(v.value)) return 10;
  if (std::holds_alternative<int64_t>(v.value)) return 11;
  if (std::holds_alternative<double>(v.value)) return 12;
  if (std::holds_alternative<bool>(v.value)) return 7;
  if (std::holds_alternative<std::string>(v.value)) return 8;
  return 9;
}

void put_value(std::string& out, const MetaValue& v) {
  if (auto* u = std::get_if<uint64_t>(&v.value)) return put(out, *u);
  if (auto* i = std::get_if<int64_t>(&v.value)) return put(out, *i);
  if (auto* d = std::get_if<double>(&v.value)) return put(out, *d);
  if (auto* b = std::get_if<bool>(&v.value)) return put<uint8_t>(out, *b ? 1 : 0);
  if (auto* s = std::get_if<std::string>(&v.value)) return put_string(out, *s);
  const auto& array = *std::get<std::shared_ptr<MetaArray>>(v.value);
  put<uint32_t>(out, array.empty() ? 10 : type_of(array.front()));
  put<uint64_t>(out, array.size());
  for (const auto& e : array) put_value(out, e);
}

}  // namespace

void GgufWriter::set(const std::string& key, MetaValue value) {
  for (auto& [k, v] : metadata_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  metadata_.emplace_back(key, std::move(value));
}

Status GgufWriter::add_tensor(const std::string& name, TensorType type, std::vector<uint64_t> dims,
                              std::string bytes) {
  auto layout = layout_of(static_cast<uint32_t>(type));
  if (!layout || dims.empty() || dims[0] % layout->block_elements != 0)
    return make_error("tensor '" + name + "': bad type or shape");
  uint64_t elements = 1;
  for (auto d : dims) elements *= d;
  if (bytes.size() != elements / layout->block_elements * layout->block_bytes)
    return make_error("tensor '" + name + "': " + std::to_string(bytes.size()) +
                      " bytes do not fit its shape");
  tensors_.push_back({name, type, std::move(dims), std::move(bytes)});
  return {};
}

std::string GgufWriter::bytes() const {
  std::string out = "GGUF";
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(out, key);
    put<uint32_t>(out, type_of(value));
    put_value(out, value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (auto d : t.dims) put<uint64_t>(out, d);
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, offset);
    offset += (t.bytes.size() + kAlignment - 1) / kAlignment * kAlignment;
  }
  out.resize((out.size() + kAlignment - 1) / kAlignment * kAlignment, '\0');
  for (const auto& t : tensors_) {
    out += t.bytes;
    out.resize((out.size() + kAlignment - 1) / kAlignment * kAlignment, '\0');
  }
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  const std::string data = bytes();
  file.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!file) return make_error(path + ": cannot write");
  return {};
}

}  // namespace groundline::llm
