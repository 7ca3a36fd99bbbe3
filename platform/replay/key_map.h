// KeyMap: an open-addressing hash map from 64-bit keys to 32-bit values for the curve's
// per-page state (millions of lookups a second; std::unordered_map allocates per node).
// Linear probing, grown at half load so probes stay short; no erase (the curve never
// forgets a page). Key ~0 is reserved as the empty slot.
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
      if (keys_[i] == key) {
        inserted = false;
        return values_[i];
      }
      if (keys_[i] == kEmpty) break;
      i = (i + 1) & mask_;
    }
    inserted = true;
    if (2 * (size_ + 1) > keys_.size()) {
      rehash(keys_.size() * 2);
      return find(key, fresh, inserted);
    }
    ++size_;
    keys_[i] = key;
    values_[i] = fresh;
    return values_[i];
  }

  size_t size() const { return size_; }
  size_t bytes() const { return keys_.size() * (sizeof(uint64_t) + sizeof(uint32_t)); }

 private:
  size_t slot(uint64_t key) const {
    key ^= key >> 33;  // murmur3's finaliser: page numbers are dense in their low bits
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return size_t(key) & mask_;
  }
  void rehash(size_t capacity) {
    std::vector<uint64_t> old_keys(capacity, kEmpty);
    std::vector<uint32_t> old_values(capacity);
    old_keys.swap(keys_);
    old_values.swap(values_);
    mask_ = capacity - 1;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == kEmpty) continue;
      size_t j = slot(old_keys[i]);
      while (keys_[j] != kEmpty) j = (j + 1) & mask_;
      keys_[j] = old_keys[i];
      values_[j] = old_values[i];
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace vtd::replay
