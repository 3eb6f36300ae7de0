// A map from strings to small integer ids, built for hot loops that look
// up the same few thousand strings millions of times (word forms while
// counting terms, terms while collecting postings). Open addressing over
// one array, the keys in one arena: a lookup costs a hash and usually one
// cache line, where a node-based map chases a pointer per entry.
// Not thread-safe; keys are never removed (clear() forgets them all).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace groundline::core {

class StringIds {
 public:
  StringIds() : slots_(1024) {}

  static uint64_t hash(std::string_view key);

  // The value stored for `key`, or nullptr. `hash` must be hash(key).
  const int32_t* find(std::string_view key, uint64_t hash) const;
  const int32_t* find(std::string_view key) const { return find(key, hash(key)); }
  // Adds a key that is not present.
  void insert(std::string_view key, uint64_t hash, int32_t value);

  size_t size() const { return used_; }
  size_t key_bytes() const { return arena_.size(); }
  void clear() { *this = StringIds(); }

 private:
  static constexpr uint32_t kFree = UINT32_MAX;
  // A key of up to 8 bytes is kept in the slot itself (zero-padded in
  // `key`), so most lookups never touch the arena; a longer one is at
  // arena_[key, key + length).
  static constexpr size_t kInline = 8;
  struct Slot {
    uint64_t hash = 0;
    uint64_t key = 0;
    uint32_t length = kFree;
    int32_t value = 0;
  };
  static uint64_t inline_key(std::string_view key);
  bool matches(const Slot& slot, std::string_view key, uint64_t hash) const;
  void place(const Slot& slot);
  void grow();

  std::vector<Slot> slots_;
  std::string arena_;
  size_t used_ = 0;
};

}  // namespace groundline::core
