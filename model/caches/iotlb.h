// IOTLB: cached second-level translations (VT-d 3.x 6.2.3, FS 6.3/6.11). Legacy-mode
// entries are tagged by domain id, input page number and page size; one unified array is
// probed once per page size the unit supports and currently holds. Entries carry the
// effective R/W of the walk, so permission checks on a hit match those on a miss. An entry
// stays until replaced or invalidated: a driver that changes tables without invalidating
// keeps getting the old translation, as on hardware.
// Not modelled yet: source-id/PASID tags (scalable mode), separate per-size arrays.
#pragma once

#include <array>
#include <cstdint>

#include "model/caches/cache_params.h"
#include "model/caches/set_assoc_cache.h"
#include "model/common/types.h"

namespace vtd {

struct IotlbEntry {
  uint64_t output_page = 0;  // output address of the page (page-size aligned)
  uint16_t did = 0;
  PageSize size = PageSize::Size4K;
  uint8_t permissions = kPermNone;
  bool snoop = false;
};

class Iotlb {
 public:
  explicit Iotlb(const CacheParams& params);

  // Probes each page size that holds entries; `probes` counts the array probes.
  const IotlbEntry* lookup(uint16_t did, uint64_t iova, uint8_t& probes) {
    for (unsigned s = 0; s < 3; ++s) {
      if (resident_[s] == 0) continue;
      ++probes;
      const uint64_t page = iova >> pageShift(PageSize(s));
      if (const IotlbEntry* e = cache_.lookup(tag(did, PageSize(s), page), setIndex(did, page)))
        return e;
    }
    return nullptr;
  }

  // Fills an entry; the result says whether it was filled and whether a valid one was evicted.
  SetAssocCache<IotlbEntry>::InsertResult insert(uint64_t iova, const IotlbEntry& entry);

  uint32_t invalidateAll();
  uint32_t invalidateDomain(uint16_t did);
  // Entries of `did` overlapping [base, base + 2^(12+am)).
  uint32_t invalidatePages(uint16_t did, uint64_t base, unsigned am);

  uint32_t validCount() const { return cache_.validCount(); }
  template <class F>
  void forEachValid(F f) const {
    cache_.forEachValid([&](uint64_t t, const IotlbEntry& e) { f(pageOf(t, e.size), e); });
  }
  const CacheParams& params() const { return params_; }

 private:
  // Tag layout: DID 62:47, page size 46:45, input page number 44:0 (57-bit inputs).
  static uint64_t tag(uint16_t did, PageSize s, uint64_t page) {
    return uint64_t(did) << 47 | uint64_t(s) << 45 | (page & ((1ull << 45) - 1));
  }
  static uint64_t pageOf(uint64_t tag, PageSize s) {
    return (tag & ((1ull << 45) - 1)) << pageShift(s);
  }
  // Set index from the low page-number bits, mixed with the domain so that domains using
  // the same IOVAs do not all land in the same sets.
  static uint64_t setIndex(uint16_t did, uint64_t page) { return page ^ (uint64_t(did) * 0x9E5u); }

  CacheParams params_;
  SetAssocCache<IotlbEntry> cache_;
  std::array<uint32_t, 3> resident_{};  // valid entries per page size (skips empty probes)
};

}  // namespace vtd
