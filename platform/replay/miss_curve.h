// MissCurve: the IOTLB miss counts of every size at once, from LRU stack distances
// (stack_distance.h), for a fully associative IOTLB and for a set-associative one of
// curve.sets sets (each set its own LRU stack, sets chosen as the IOTLB chooses them,
// Iotlb::setIndex). Entries are keyed as the unified IOTLB tags them: domain id, page size
// and page number at that size, so 2 MiB and 1 GiB leaves each take one entry.
// Each lookup is either an access to its entry (a hit if resident; a miss fills it) or a
// lookup that misses at every size and fills nothing (a faulting walk). Exact for LRU
// replacement against the model's IOTLB when the trace's lookups are the same; not
// modelled: invalidations (entries are never removed), other policies (PLRU, FIFO and
// random have no inclusion property), the split organisation's separate arrays.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/common/types.h"
#include "platform/replay/stack_distance.h"

namespace vtd::replay {

struct CurvePoint {
  uint32_t sets = 1, ways = 0, entries = 0;
  uint64_t misses = 0;
  std::array<uint64_t, 3> misses_by_size{};  // misses on 4 KiB, 2 MiB, 1 GiB entries
};

class MissCurve {
 public:
  MissCurve(uint32_t sets, uint32_t max_entries);

  void access(uint16_t did, PageSize size, uint64_t iova);
  // Starts fetching what access(did, size, iova) will read first (batched callers).
  void prefetch(uint16_t did, PageSize size, uint64_t iova) const;
  void missWithoutFill() {
    ++lookups_;
    ++unfilled_;
  }

  uint64_t lookups() const { return lookups_; }
  uint64_t distinctEntries() const { return fa_.distinct(); }
  uint32_t sets() const { return sets_; }
  uint32_t maxEntries() const { return max_entries_; }
  size_t bytes() const;
  // Fully associative: one point per size 1..max_entries.
  std::vector<CurvePoint> fullyAssociative() const;
  // Set-associative: one point per ways 1..max_entries/sets.
  std::vector<CurvePoint> setAssociative() const;

 private:
  // hits_[s][d]: accesses to size-s entries at depth d (< the histogram's length).
  using Histogram = std::array<std::vector<uint64_t>, 3>;
  static std::vector<CurvePoint> points(const Histogram& h, const std::array<uint64_t, 3>& accesses,
                                        uint64_t unfilled, uint32_t sets, uint32_t count);

  uint32_t sets_, max_entries_;
  uint64_t lookups_ = 0, unfilled_ = 0;
  std::array<uint64_t, 3> accesses_{};
  LruStackDistance fa_;
  std::vector<LruStackDistance> set_stacks_;
  Histogram fa_hits_, sa_hits_;
};

}  // namespace vtd::replay
