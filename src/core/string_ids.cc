#include "core/string_ids.h"

#include <xxhash.h>

namespace groundline::core {

uint64_t StringIds::hash(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

const int32_t* StringIds::find(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.length == kFree) return nullptr;
    if (s.hash == hash && s.length == key.size() && arena_.compare(s.offset, s.length, key) == 0)
      return &s.value;
  }
}

void StringIds::insert(std::string_view key, uint64_t hash, int32_t value) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  place({hash, arena_.size(), static_cast<uint32_t>(key.size()), value});
  arena_ += key;
  ++used_;
}

void StringIds::place(const Slot& slot) {
  const size_t mask = slots_.size() - 1;
  size_t i = slot.hash & mask;
  while (slots_[i].length != kFree) i = (i + 1) & mask;
  slots_[i] = slot;
}

void StringIds::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  for (const auto& s : old)
    if (s.length != kFree) place(s);
}

}  // namespace groundline::core
