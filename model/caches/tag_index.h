// TagIndex: an open-addressing hash from a cache tag to the way that holds it, used by
// SetAssocCache when a set is large (fully associative caches of many entries) so that a
// lookup costs one or two probes instead of a scan of every way. Linear probing at a load
// factor of at most 1/2; deletion shifts the following entries back (no tombstones), so
// the table never degrades however many fills and invalidations it sees.
// It is a lookup aid only: the cache's tag array stays the one source of truth, and the
// replacement policy never looks at the index.
#pragma once

#include <cstdint>
#include <vector>

namespace vtd {

class TagIndex {
 public:
  static constexpr uint32_t kNone = ~0u;

  // Room for `capacity` keys. Keys must be non-zero (cache tags carry their valid bit).
  explicit TagIndex(uint32_t capacity = 0) {
    uint32_t size = 4;
    while (size < 2 * capacity) size <<= 1;
    slots_.assign(size, Slot{});
    mask_ = size - 1;
  }

  uint32_t find(uint64_t key) const {
    for (uint32_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.way;
      if (s.key == 0) return kNone;
    }
  }

  // Adds a key that is not present.
  void insert(uint64_t key, uint32_t way) {
    uint32_t i = home(key);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{key, way};
  }

  // Removes a key if present (backward-shift deletion for linear probing).
  void erase(uint64_t key) {
    uint32_t i = home(key);
    while (slots_[i].key != key) {
      if (slots_[i].key == 0) return;
      i = (i + 1) & mask_;
    }
    for (uint32_t j = (i + 1) & mask_; slots_[j].key != 0; j = (j + 1) & mask_) {
      // Move slot j back into the hole at i unless its home lies cyclically in (i, j].
      const uint32_t h = home(slots_[j].key);
      const bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{};
  }

  void clear() { slots_.assign(slots_.size(), Slot{}); }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t way = 0;
  };
  uint32_t home(uint64_t key) const {
    return uint32_t((key * 0x9E3779B97F4A7C15ull) >> 32) & mask_;  // Fibonacci hashing
  }

  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
};

}  // namespace vtd
