// KeyMap: an open-addressing hash map from 64-bit keys to 32-bit values for the curve's
// per-page state (millions of lookups a second; std::unordered_map allocates per node).
// Linear probing, grown at half load so probes stay short; key and value share a 16-byte
// slot so a lookup touches one cache line; no erase (the curve never forgets a page). Key
// ~0 is reserved as the empty slot.
#pragma once

#include <cstdint>
#include <vector>

namespace vtd::replay {

class KeyMap {
 public:
  static constexpr uint64_t kEmpty = ~0ull;

  KeyMap() { rehash(1024); }

  // The value slot of `key`, inserting `fresh` first when the key is new; `inserted` says
  // which. The reference is valid until the next insertion.
  uint32_t& find(uint64_t key, uint32_t fresh, bool& inserted) {
    size_t i = slot(key);
    for (;;) {
      Slot& s = slots_[i];
      if (s.key == key) {
        inserted = false;
        return s.value;
      }
      if (s.key == kEmpty) break;
      i = (i + 1) & mask_;
    }
    inserted = true;
    if (2 * (size_ + 1) > slots_.size()) {
      rehash(slots_.size() * 2);
      return find(key, fresh, inserted);
    }
    ++size_;
    slots_[i].key = key;
    slots_[i].value = fresh;
    return slots_[i].value;
  }
  // Starts fetching the cache line `key` will be looked up in.
  void prefetch(uint64_t key) const { __builtin_prefetch(&slots_[slot(key)]); }

  // Every entry's value, by slot (for renumbering in place, without a lookup per key).
  template <class F>
  void forEachValue(F f) {
    for (Slot& s : slots_)
      if (s.key != kEmpty) f(s.value);
  }

  size_t size() const { return size_; }
  size_t bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  size_t slot(uint64_t key) const {
    key ^= key >> 33;  // murmur3's finaliser: page numbers are dense in their low bits
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return size_t(key) & mask_;
  }
  struct Slot {
    uint64_t key = kEmpty;
    uint32_t value = 0;
  };
  void rehash(size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      size_t j = slot(s.key);
      while (slots_[j].key != kEmpty) j = (j + 1) & mask_;
      slots_[j] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace vtd::replay
