// LruStackDistance: Mattson's LRU stack distance of each access in one pass (Mattson et
// al., 1970): the number of distinct other keys touched since the key's previous touch,
// which is its depth in an LRU stack. An LRU cache of C entries (fully associative, or one
// set of C ways) hits exactly the accesses of depth < C, so one pass gives the misses of
// every size (the inclusion property of LRU).
// Depths are counted with a Fenwick tree over "time" positions in which each key's most
// recent touch is marked. Positions are renumbered densely (in order, in the key map
// itself) whenever they run out, so the tree and the key map grow with the distinct keys,
// never with the number of accesses.
#pragma once

#include <cstdint>
#include <vector>

#include "platform/replay/key_map.h"

namespace vtd::replay {

class LruStackDistance {
 public:
  static constexpr uint64_t kCold = ~0ull;

  LruStackDistance() { reset(kMinPositions); }

  // The key's depth before this touch (kCold for its first), then makes it the most recent.
  uint64_t touch(uint64_t key) {
    if (next_ == capacity_) compact();
    bool inserted;
    uint32_t& pos = map_.find(key, next_, inserted);
    const uint32_t p = next_++;
    uint64_t depth = kCold;
    if (!inserted) {
      const uint32_t q = pos;
      depth = distinct_ - prefix(q);  // marks after q: keys touched since
      add(q, -1);
      pos = p;
    } else {
      ++distinct_;
    }
    add(p, +1);
    return depth;
  }

  // Starts fetching what touch(key) will read first (its key-map slot).
  void prefetch(uint64_t key) const { map_.prefetch(key); }

  uint64_t distinct() const { return distinct_; }
  size_t bytes() const { return map_.bytes() + tree_.size() * 4; }

 private:
  static constexpr size_t kMinPositions = 1024;

  // Marks at positions <= i.
  uint64_t prefix(uint32_t i) const {
    int64_t s = 0;
    for (size_t k = size_t(i) + 1; k > 0; k &= k - 1) s += tree_[k];
    return uint64_t(s);
  }
  void add(uint32_t i, int32_t v) {
    for (size_t k = size_t(i) + 1; k < tree_.size(); k += k & (~k + 1)) tree_[k] += v;
  }
  void reset(size_t positions) {
    tree_.assign(positions + 1, 0);
    capacity_ = uint32_t(positions);
    next_ = 0;
  }
  // Renumbers the live marks 0..distinct-1 keeping their order, with room for twice as
  // many touches again (one renumbering per 2x distinct touches: amortised O(1)).
  void compact() {
    std::vector<uint32_t*> by_position(next_, nullptr);
    map_.forEachValue([&](uint32_t& pos) { by_position[pos] = &pos; });
    uint32_t n = 0;
    for (uint32_t* pos : by_position)
      if (pos) *pos = n++;
    reset(size_t(n) * 3 > kMinPositions ? size_t(n) * 3 : kMinPositions);
    next_ = n;
    // Fenwick build in O(n): marks at 0..n-1, each node passing its sum to its parent.
    for (size_t i = 1; i <= n; ++i) tree_[i] += 1;
    for (size_t i = 1; i < tree_.size(); ++i) {
      const size_t parent = i + (i & (~i + 1));
      if (parent < tree_.size()) tree_[parent] += tree_[i];
    }
  }

  KeyMap map_;                 // key -> position of its latest touch
  std::vector<int32_t> tree_;  // Fenwick tree over positions (1-based)
  uint32_t capacity_ = 0;      // positions before the next renumbering
  uint32_t next_ = 0;
  uint64_t distinct_ = 0;
};

}  // namespace vtd::replay
