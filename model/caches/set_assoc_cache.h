// SetAssocCache: the one cache structure behind every translation cache (IOTLB, context
// cache, paging-structure caches; later PASID and interrupt-entry caches). Sets x ways of
// 63-bit tags with a payload each; replacement LRU, tree-PLRU, FIFO or seeded random;
// invalid ways fill first (lowest way first). It knows nothing of VT-d: callers build tags
// from the spec's fields and choose the set-index bits.
// Lookup: a scan of one set's tag row (contiguous, branch-light), or, for a fully
// associative cache of more than kIndexMinWays ways, a TagIndex probe (tag_index.h). In
// the indexed form the LRU/FIFO order is a linked list instead of per-way stamps and the
// invalid ways a bitmap; the victims chosen are the same as the scan's, access for access
// (cache_test.cpp runs every policy's hand-worked sequence through both forms).
// Not modelled here: timing (the caller reports lookups in its Cost) and multi-porting.
#pragma once

#include <cstdint>
#include <vector>

#include "model/caches/cache_params.h"
#include "model/caches/tag_index.h"

namespace vtd {

// How a cache finds a tag: Auto indexes fully associative caches of more than
// kIndexMinWays ways; Scan and Index force one form (tests compare the two).
enum class TagLookup : uint8_t { Auto, Scan, Index };

template <class Payload>
class SetAssocCache {
 public:
  static constexpr uint64_t kValid = 1ull << 63;  // tags use bits 62:0
  static constexpr uint32_t kIndexMinWays = 16;

  explicit SetAssocCache(const CacheParams& p, TagLookup lookup = TagLookup::Auto)
      : enabled_(p.enable && p.entries > 0), ways_(p.effectiveWays()), sets_(p.sets()),
        set_mask_(sets_ - 1), policy_(p.policy), rng_(p.seed | 1),
        tags_(size_t(sets_) * ways_, 0), data_(size_t(sets_) * ways_), stamp_(tags_.size(), 0) {
    if (policy_ == ReplacementPolicy::TreePlru) tree_.assign(size_t(sets_) * ways_, 0);
    indexed_ = enabled_ && sets_ == 1 &&
               (lookup == TagLookup::Index || (lookup == TagLookup::Auto && ways_ > kIndexMinWays));
    not_scanned_ = !enabled_ || indexed_;
    if (indexed_) {
      index_ = TagIndex(ways_);
      prev_.assign(ways_, kNil);
      next_.assign(ways_, kNil);
      free_.assign((ways_ + 63) / 64, ~0ull);
      if (ways_ % 64) free_.back() = (1ull << (ways_ % 64)) - 1;
    }
  }

  // The payload of a valid entry with this tag in the set chosen by `index`, or null.
  Payload* lookup(uint64_t tag, uint64_t index) {
    const uint64_t want = tag | kValid;
    // One test keeps the scanned path as short as before the index; the rest is out of line.
    if (__builtin_expect(not_scanned_, 0)) return lookupNotScanned(want);
    const uint32_t set = uint32_t(index) & set_mask_;
    const size_t base = size_t(set) * ways_;
    const uint64_t* row = &tags_[base];
    for (uint32_t w = 0; w < ways_; ++w) {
      if (row[w] == want) {
        touch(set, w);
        return &data_[base + w];
      }
    }
    return nullptr;
  }

  struct InsertResult {
    Payload* slot = nullptr;  // the filled entry; null when the cache is disabled
    bool inserted = false;    // false when the cache is disabled
    bool refreshed = false;  // an entry with the same tag was overwritten
    bool evicted = false;    // a valid entry with another tag was replaced
    uint64_t evicted_tag = 0;
  };

  // Fills an entry (replacing one with the same tag if present).
  InsertResult insert(uint64_t tag, uint64_t index, const Payload& value) {
    InsertResult r;
    if (!enabled_) return r;
    if (indexed_) return insertIndexed(tag | kValid, value);
    const uint32_t set = uint32_t(index) & set_mask_;
    const size_t base = size_t(set) * ways_;
    const uint64_t want = tag | kValid;
    // One pass: an entry with this tag, else the first invalid way, else (LRU/FIFO) the
    // oldest stamp.
    uint32_t same = ways_, invalid = ways_, oldest = 0;
    for (uint32_t w = 0; w < ways_; ++w) {
      const uint64_t t = tags_[base + w];
      if (t == want) {
        same = w;
        break;
      }
      if (!(t & kValid)) {
        if (invalid == ways_) invalid = w;
      } else if (stamp_[base + w] < stamp_[base + oldest]) {
        oldest = w;
      }
    }
    uint32_t way = same != ways_ ? same : invalid;
    r.refreshed = same != ways_;
    if (way == ways_) {
      way = victim(set, oldest);
      r.evicted = true;
      r.evicted_tag = tags_[base + way] & ~kValid;
    }
    tags_[base + way] = want;
    data_[base + way] = value;
    stamp_[base + way] = ++clock_;  // FIFO order and LRU recency both start at the fill
    if (policy_ == ReplacementPolicy::TreePlru) touchTree(set, way);
    r.slot = &data_[base + way];
    r.inserted = true;
    return r;
  }

  // Invalidates every valid entry for which pred(tag, payload) holds; returns how many.
  template <class Pred>
  uint32_t invalidateIf(Pred pred) {
    uint32_t n = 0;
    for (size_t i = 0; i < tags_.size(); ++i) {
      if ((tags_[i] & kValid) && pred(tags_[i] & ~kValid, data_[i])) {
        if (indexed_) release(uint32_t(i));
        tags_[i] = 0;
        ++n;
      }
    }
    return n;
  }
  uint32_t invalidateAll() {
    return invalidateIf([](uint64_t, const Payload&) { return true; });
  }

  template <class F>
  void forEachValid(F f) const {
    for (size_t i = 0; i < tags_.size(); ++i)
      if (tags_[i] & kValid) f(tags_[i] & ~kValid, data_[i]);
  }
  uint32_t validCount() const {
    uint32_t n = 0;
    for (auto t : tags_) n += (t & kValid) ? 1 : 0;
    return n;
  }

  bool enabled() const { return enabled_; }
  bool indexed() const { return indexed_; }
  uint32_t ways() const { return ways_; }
  uint32_t sets() const { return sets_; }

 private:
  static constexpr uint32_t kNil = ~0u;

  void touch(uint32_t set, uint32_t way) {
    switch (policy_) {
      case ReplacementPolicy::Lru: stamp_[size_t(set) * ways_ + way] = ++clock_; break;
      case ReplacementPolicy::TreePlru: touchTree(set, way); break;
      default: break;  // FIFO and random ignore hits
    }
  }

  // Tree-PLRU over a power-of-two number of ways: node n (1-based heap) points, for the
  // next victim, to the half that was not used most recently.
  void touchTree(uint32_t set, uint32_t way) {
    uint8_t* tree = &tree_[size_t(set) * ways_];
    uint32_t node = 1;
    for (uint32_t half = ways_ >> 1; half >= 1; half >>= 1) {
      const uint32_t right = (way & half) ? 1 : 0;
      tree[node] = uint8_t(right ^ 1);
      node = 2 * node + right;
    }
  }

  // The way to replace in a full set; `oldest` is the LRU/FIFO choice (the oldest stamp
  // the fill found, or the head of the indexed form's order list).
  uint32_t victim(uint32_t set, uint32_t oldest) {
    const size_t base = size_t(set) * ways_;
    switch (policy_) {
      case ReplacementPolicy::TreePlru: {
        const uint8_t* tree = &tree_[base];
        uint32_t node = 1;
        while (node < ways_) node = 2 * node + tree[node];
        return node - ways_;
      }
      case ReplacementPolicy::Random: {
        rng_ ^= rng_ >> 12;  // xorshift64*
        rng_ ^= rng_ << 25;
        rng_ ^= rng_ >> 27;
        return uint32_t((rng_ * 0x2545F4914F6CDD1Dull) >> 32) % ways_;
      }
      default:  // LRU and FIFO: oldest stamp
        return oldest;
    }
  }

  // --- indexed form (one set): order list head_ = oldest fill/use, tail_ = newest ---
  __attribute__((noinline)) Payload* lookupNotScanned(uint64_t want) {
    if (!indexed_) return nullptr;  // disabled
    const uint32_t w = index_.find(want);
    if (w == TagIndex::kNone) return nullptr;
    touchIndexed(w);
    return &data_[w];
  }
  void touchIndexed(uint32_t way) {
    if (policy_ == ReplacementPolicy::Lru) {
      unlink(way);
      linkTail(way);
    } else if (policy_ == ReplacementPolicy::TreePlru) {
      touchTree(0, way);
    }
  }

  InsertResult insertIndexed(uint64_t want, const Payload& value) {
    InsertResult r;
    uint32_t way = index_.find(want);
    r.refreshed = way != TagIndex::kNone;
    if (r.refreshed) {
      unlink(way);  // a refill restarts the entry's FIFO age and LRU recency, as a fill does
    } else {
      way = firstFree();
      if (way == kNil) {
        way = victim(0, head_);
        r.evicted = true;
        r.evicted_tag = tags_[way] & ~kValid;
        index_.erase(tags_[way]);
        unlink(way);
      } else {
        free_[way / 64] &= ~(1ull << (way % 64));
      }
      index_.insert(want, way);
    }
    tags_[way] = want;
    data_[way] = value;
    linkTail(way);
    if (policy_ == ReplacementPolicy::TreePlru) touchTree(0, way);
    r.slot = &data_[way];
    r.inserted = true;
    return r;
  }

  void release(uint32_t way) {  // before an invalidation clears tags_[way]
    index_.erase(tags_[way]);
    unlink(way);
    free_[way / 64] |= 1ull << (way % 64);
  }
  uint32_t firstFree() const {
    for (size_t i = 0; i < free_.size(); ++i)
      if (free_[i]) return uint32_t(i * 64 + unsigned(__builtin_ctzll(free_[i])));
    return kNil;
  }
  void unlink(uint32_t w) {
    (prev_[w] == kNil ? head_ : next_[prev_[w]]) = next_[w];
    (next_[w] == kNil ? tail_ : prev_[next_[w]]) = prev_[w];
    prev_[w] = next_[w] = kNil;
  }
  void linkTail(uint32_t w) {
    prev_[w] = tail_;
    next_[w] = kNil;
    (tail_ == kNil ? head_ : next_[tail_]) = w;
    tail_ = w;
  }

  bool enabled_;
  bool indexed_ = false;
  bool not_scanned_ = false;  // disabled or indexed
  uint32_t ways_, sets_, set_mask_;
  ReplacementPolicy policy_;
  uint64_t rng_;
  uint64_t clock_ = 0;
  std::vector<uint64_t> tags_;
  std::vector<Payload> data_;
  std::vector<uint64_t> stamp_;
  std::vector<uint8_t> tree_;
  // Indexed form only.
  TagIndex index_;
  std::vector<uint32_t> prev_, next_;
  std::vector<uint64_t> free_;  // bit set: the way is invalid
  uint32_t head_ = kNil, tail_ = kNil;
};

}  // namespace vtd
