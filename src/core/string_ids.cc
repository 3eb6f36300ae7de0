#include "core/string_ids.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace groundline::core {

uint64_t StringIds::hash(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

uint64_t StringIds::inline_key(std::string_view key) {
  uint64_t bytes = 0;
  std::memcpy(&bytes, key.data(), std::min(key.size(), kInline));
  return bytes;
}

bool StringIds::matches(const Slot& slot, std::string_view key, uint64_t hash) const {
  if (slot.hash != hash || slot.length != key.size()) return false;
  if (key.size() <= kInline) return slot.key == inline_key(key);
  return arena_.compare(slot.key, slot.length, key) == 0;
}

const int32_t* StringIds::find(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.length == kFree) return nullptr;
    if (matches(s, key, hash)) return &s.value;
  }
}

void StringIds::insert(std::string_view key, uint64_t hash, int32_t value) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  if (key.size() <= kInline) {
    place({hash, inline_key(key), static_cast<uint32_t>(key.size()), value});
  } else {
    place({hash, arena_.size(), static_cast<uint32_t>(key.size()), value});
    arena_ += key;
  }
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
