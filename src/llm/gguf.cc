#include "llm/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace groundline::llm {

std::optional<TypeLayout> layout_of(uint32_t type) {
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32:
      return TypeLayout{"F32", 1, 4};
    case TensorType::kF16:
      return TypeLayout{"F16", 1, 2};
    case TensorType::kBF16:
      return TypeLayout{"BF16", 1, 2};
    case TensorType::kQ4_0:
      return TypeLayout{"Q4_0", 32, 18};
    case TensorType::kQ4_1:
      return TypeLayout{"Q4_1", 32, 20};
    case TensorType::kQ5_0:
      return TypeLayout{"Q5_0", 32, 22};
    case TensorType::kQ5_1:
      return TypeLayout{"Q5_1", 32, 24};
    case TensorType::kQ8_0:
      return TypeLayout{"Q8_0", 32, 34};
    case TensorType::kQ2_K:
      return TypeLayout{"Q2_K", 256, 84};
    case TensorType::kQ3_K:
      return TypeLayout{"Q3_K", 256, 110};
    case TensorType::kQ4_K:
      return TypeLayout{"Q4_K", 256, 144};
    case TensorType::kQ5_K:
      return TypeLayout{"Q5_K", 256, 176};
    case TensorType::kQ6_K:
      return TypeLayout{"Q6_K", 256, 210};
  }
  return std::nullopt;
}

struct GgufFile::Mapping {
  void* address = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (address) munmap(address, size);
  }
};

namespace {

// Metadata value types, numbered as GGUF numbers them.
enum ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

constexpr uint64_t kMaxDims = 4;

}  // namespace

// Reads the file front to back; every read checks the bytes left.
class Parser {
 public:
  Parser(const uint8_t* data, size_t size, std::string name)
      : data_(data), size_(size), name_(std::move(name)) {}

  Result<GgufFile> run() {
    GgufFile file;
    file.name_ = name_;
    GL_ASSIGN_OR_RETURN(auto magic, take_bytes(4));
    if (std::memcmp(magic, "GGUF", 4) != 0) return fail("not a GGUF file (bad magic)");
    GL_ASSIGN_OR_RETURN(file.version_, take<uint32_t>());
    if (file.version_ != 2 && file.version_ != 3)
      return fail("GGUF version " + std::to_string(file.version_) + " is not supported (2 or 3)");
    GL_ASSIGN_OR_RETURN(uint64_t tensor_count, take<uint64_t>());
    GL_ASSIGN_OR_RETURN(uint64_t kv_count, take<uint64_t>());
    // Each entry takes at least 8 bytes: counts beyond the file are lies.
    if (tensor_count > size_ / 8 || kv_count > size_ / 8)
      return fail("tensor or metadata count past the end");
    for (uint64_t i = 0; i < kv_count; ++i) {
      GL_ASSIGN_OR_RETURN(auto key, take_string());
      GL_ASSIGN_OR_RETURN(uint32_t type, take<uint32_t>());
      GL_ASSIGN_OR_RETURN(auto value, take_value(type, 0));
      if (!file.metadata_.emplace(key, std::move(value)).second)
        return fail("metadata key '" + key + "' repeated");
    }
    if (auto it = file.metadata_.find("general.alignment"); it != file.metadata_.end()) {
      auto* align = std::get_if<uint64_t>(&it->second.value);
      if (!align || *align == 0 || (*align & (*align - 1)) != 0 || *align > 65536)
        return fail("general.alignment must be a power of two up to 65536");
      file.alignment_ = *align;
    }
    std::vector<uint64_t> offsets;
    for (uint64_t i = 0; i < tensor_count; ++i) {
      GL_ASSIGN_OR_RETURN(auto info, take_tensor_info());
      GL_ASSIGN_OR_RETURN(uint64_t offset, take<uint64_t>());
      if (offset % file.alignment_ != 0) return fail("tensor '" + info.name + "' is not aligned");
      if (file.by_name_.count(info.name)) return fail("tensor '" + info.name + "' repeated");
      file.by_name_[info.name] = file.tensors_.size();
      file.tensors_.push_back(std::move(info));
      offsets.push_back(offset);
    }
    size_t data_start = (pos_ + file.alignment_ - 1) / file.alignment_ * file.alignment_;
    if (data_start > size_ && tensor_count > 0) return fail("tensor data past the end");
    for (size_t i = 0; i < file.tensors_.size(); ++i) {
      auto& t = file.tensors_[i];
      if (offsets[i] > size_ - data_start || t.bytes > size_ - data_start - offsets[i])
        return fail("tensor '" + t.name + "' data past the end of the file");
      t.data = data_ + data_start + offsets[i];
    }
    return file;
  }

 private:
  Error fail(const std::string& what) const {
    return Error{name_ + ": " + what + " (at byte " + std::to_string(pos_) + ")"};
  }

  Result<const uint8_t*> take_bytes(uint64_t n) {
    if (n > size_ - pos_) return fail("truncated");
    const uint8_t* at = data_ + pos_;
    pos_ += n;
    return at;
  }

  template <class T>
  Result<T> take() {
    GL_ASSIGN_OR_RETURN(auto bytes, take_bytes(sizeof(T)));
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }

  Result<std::string> take_string() {
    GL_ASSIGN_OR_RETURN(uint64_t length, take<uint64_t>());
    GL_ASSIGN_OR_RETURN(auto bytes, take_bytes(length));
    return std::string(reinterpret_cast<const char*>(bytes), length);
  }

  Result<MetaValue> take_value(uint32_t type, int depth) {
    switch (type) {
      case kUint8:
        return scalar<uint8_t, uint64_t>();
      case kInt8:
        return scalar<int8_t, int64_t>();
      case kUint16:
        return scalar<uint16_t, uint64_t>();
      case kInt16:
        return scalar<int16_t, int64_t>();
      case kUint32:
        return scalar<uint32_t, uint64_t>();
      case kInt32:
        return scalar<int32_t, int64_t>();
      case kUint64:
        return scalar<uint64_t, uint64_t>();
      case kInt64:
        return scalar<int64_t, int64_t>();
      case kFloat32:
        return scalar<float, double>();
      case kFloat64:
        return scalar<double, double>();
      case kBool: {
        GL_ASSIGN_OR_RETURN(uint8_t b, take<uint8_t>());
        if (b > 1) return fail("boolean value " + std::to_string(b));
        return MetaValue{b == 1};
      }
      case kString: {
        GL_ASSIGN_OR_RETURN(auto s, take_string());
        return MetaValue{std::move(s)};
      }
      case kArray: {
        if (depth > 2) return fail("arrays nested too deep");
        GL_ASSIGN_OR_RETURN(uint32_t element_type, take<uint32_t>());
        GL_ASSIGN_OR_RETURN(uint64_t count, take<uint64_t>());
        if (count > size_ - pos_) return fail("array longer than the file");  // each element takes a byte
        auto array = std::make_shared<MetaArray>();
        array->reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
          GL_ASSIGN_OR_RETURN(auto element, take_value(element_type, depth + 1));
          array->push_back(std::move(element));
        }
        return MetaValue{std::move(array)};
      }
    }
    return fail("unknown metadata value type " + std::to_string(type));
  }

  template <class Stored, class As>
  Result<MetaValue> scalar() {
    GL_ASSIGN_OR_RETURN(Stored v, take<Stored>());
    return MetaValue{static_cast<As>(v)};
  }

  Result<TensorInfo> take_tensor_info() {
    TensorInfo t;
    GL_ASSIGN_OR_RETURN(t.name, take_string());
    GL_ASSIGN_OR_RETURN(uint32_t n_dims, take<uint32_t>());
    if (n_dims == 0 || n_dims > kMaxDims)
      return fail("tensor '" + t.name + "' has " + std::to_string(n_dims) + " dimensions");
    t.elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      GL_ASSIGN_OR_RETURN(uint64_t dim, take<uint64_t>());
      if (dim == 0 || dim > (uint64_t{1} << 40) || t.elements > (uint64_t{1} << 40) / dim)
        return fail("tensor '" + t.name + "' has an absurd size");
      t.elements *= dim;
      t.dims.push_back(dim);
    }
    GL_ASSIGN_OR_RETURN(uint32_t type, take<uint32_t>());
    auto layout = layout_of(type);
    if (!layout) return fail("tensor '" + t.name + "' has unknown type " + std::to_string(type));
    if (t.dims[0] % layout->block_elements != 0)
      return fail("tensor '" + t.name + "' rows are not whole " + layout->name + " blocks");
    t.type = static_cast<TensorType>(type);
    t.bytes = t.elements / layout->block_elements * layout->block_bytes;
    return t;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string name_;
};

Result<GgufFile> GgufFile::parse(const uint8_t* data, size_t size, std::string name) {
  return Parser(data, size, std::move(name)).run();
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path + ": not a regular file");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  if (mapping->size > 0) {
    void* address = mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      ::close(fd);
      return make_error(path + ": cannot map: " + std::strerror(errno));
    }
    mapping->address = address;
  }
  ::close(fd);
  GL_ASSIGN_OR_RETURN(auto file, parse(static_cast<const uint8_t*>(mapping->address), mapping->size, path));
  file.mapping_ = std::move(mapping);
  return file;
}

const MetaValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

namespace {
Error wrong(const std::string& file, const std::string& key, const char* expected) {
  return Error{file + ": metadata '" + key + "' is missing or not " + expected};
}
}  // namespace

Result<uint64_t> GgufFile::get_uint(const std::string& key) const {
  const MetaValue* v = find(key);
  if (v) {
    if (auto* u = std::get_if<uint64_t>(&v->value)) return *u;
    if (auto* i = std::get_if<int64_t>(&v->value); i && *i >= 0) return static_cast<uint64_t>(*i);
  }
  return wrong(name_, key, "a non-negative integer");
}

namespace {

// A value read as a number or an integer, whatever width it was stored in.
std::optional<double> as_number(const MetaValue& v) {
  if (auto* d = std::get_if<double>(&v.value)) return *d;
  if (auto* u = std::get_if<uint64_t>(&v.value)) return static_cast<double>(*u);
  if (auto* i = std::get_if<int64_t>(&v.value)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<int64_t> as_integer(const MetaValue& v) {
  if (auto* u = std::get_if<uint64_t>(&v.value)) return static_cast<int64_t>(*u);
  if (auto* i = std::get_if<int64_t>(&v.value)) return *i;
  return std::nullopt;
}

std::optional<std::string> as_string(const MetaValue& v) {
  if (auto* s = std::get_if<std::string>(&v.value)) return *s;
  return std::nullopt;
}

}  // namespace

Result<double> GgufFile::get_float(const std::string& key) const {
  const MetaValue* v = find(key);
  if (auto number = v ? as_number(*v) : std::nullopt) return *number;
  return wrong(name_, key, "a number");
}

Result<std::string> GgufFile::get_string(const std::string& key) const {
  const MetaValue* v = find(key);
  if (auto text = v ? as_string(*v) : std::nullopt) return *text;
  return wrong(name_, key, "a string");
}

namespace {

const MetaArray* array_of(const MetaValue* v) {
  if (!v) return nullptr;
  auto* a = std::get_if<std::shared_ptr<MetaArray>>(&v->value);
  return a ? a->get() : nullptr;
}

// Every element of an array through `convert`, or an error naming the key.
template <class T>
Result<std::vector<T>> array_as(const std::string& file, const std::string& key, const MetaValue* v,
                                const char* expected, std::optional<T> (*convert)(const MetaValue&)) {
  const MetaArray* a = array_of(v);
  if (!a) return wrong(file, key, expected);
  std::vector<T> out;
  out.reserve(a->size());
  for (const auto& e : *a) {
    auto converted = convert(e);
    if (!converted) return wrong(file, key, expected);
    out.push_back(std::move(*converted));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> GgufFile::get_strings(const std::string& key) const {
  return array_as(name_, key, find(key), "an array of strings", as_string);
}

Result<std::vector<double>> GgufFile::get_floats(const std::string& key) const {
  return array_as(name_, key, find(key), "an array of numbers", as_number);
}

Result<std::vector<int64_t>> GgufFile::get_ints(const std::string& key) const {
  return array_as(name_, key, find(key), "an array of integers", as_integer);
}

const TensorInfo* GgufFile::tensor(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace groundline::llm
