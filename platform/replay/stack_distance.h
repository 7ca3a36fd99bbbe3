// LruStackDistance: Mattson's LRU stack distance of each access in one pass (Mattson et
// al., 1970): the number of distinct other keys touched since the key's previous touch,
// which is its depth in an LRU stack. An LRU cache of C entries (fully associative, or one
// set of C ways) hits exactly the accesses of depth < C, so one pass gives the misses of
// every size (the inclusion property of LRU).
// Depths are counted with a Fenwick tree over "time" positions in which each key's most
// recent touch is marked. Positions are renumbered densely whenever they run out, so the
// tree, the position -> key array and the key map grow with the distinct keys, never with
// the number of accesses.
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
    if (next_ == keys_.size()) compact();
    bool inserted;
    uint32_t& pos = map_.find(key, next_, inserted);
    const uint32_t p = next_++;
    uint64_t depth = kCold;
    if (!inserted) {
      const uint32_t q = pos;
      depth = distinct_ - prefix(q);  // marks after q: keys touched since
      add(q, -1);
      keys_[q] = KeyMap::kEmpty;
      pos = p;
    } else {
      ++distinct_;
    }
    add(p, +1);
    keys_[p] = key;
    return depth;
  }

  uint64_t distinct() const { return distinct_; }
  size_t bytes() const { return map_.bytes() + keys_.size() * 8 + tree_.size() * 4; }

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
    keys_.assign(positions, KeyMap::kEmpty);
    tree_.assign(positions + 1, 0);
    next_ = 0;
  }
  // Renumbers the live marks 0..distinct-1 in order, with room for as many touches again.
  void compact() {
    std::vector<uint64_t> live;
    live.reserve(distinct_);
    for (uint64_t k : keys_)
      if (k != KeyMap::kEmpty) live.push_back(k);
    reset(live.size() * 2 > kMinPositions ? live.size() * 2 : kMinPositions);
    bool inserted;
    for (uint64_t k : live) {
      map_.find(k, 0, inserted) = next_;
      keys_[next_] = k;
      ++next_;
    }
    // Fenwick build in O(n): each node passes its sum to its parent.
    for (size_t i = 1; i <= next_; ++i) tree_[i] += 1;
    for (size_t i = 1; i < tree_.size(); ++i) {
      const size_t parent = i + (i & (~i + 1));
      if (parent < tree_.size()) tree_[parent] += tree_[i];
    }
  }

  KeyMap map_;                  // key -> position of its latest touch
  std::vector<uint64_t> keys_;  // position -> key (kEmpty: superseded)
  std::vector<int32_t> tree_;   // Fenwick tree over positions (1-based)
  uint32_t next_ = 0;
  uint64_t distinct_ = 0;
};

}  // namespace vtd::replay
