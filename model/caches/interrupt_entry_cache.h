// Interrupt-entry cache (FS 6.5, 8.3-8.4; the IEC of the VT-d spec's caching chapter):
// decoded IRTEs tagged by interrupt index. Only present entries that passed the reserved-
// bit check are cached (legal whatever CAP.CM says); the source-id check is made per
// request against the cached entry, since it depends on the requester. A cached entry
// outlives changes to the table, and to IRTA via SIRTP, until the driver invalidates it
// (descriptor type 4: global, or 2^IM indexes from IIDX), as on hardware.
// Set index: the low index bits, so a multi-vector MSI block spreads over the sets.
#pragma once

#include <cstdint>

#include "model/caches/set_assoc_cache.h"
#include "model/interrupt/irte.h"

namespace vtd {

class InterruptEntryCache {
 public:
  explicit InterruptEntryCache(const CacheParams& params) : params_(params), cache_(params) {}

  const Irte* lookup(uint32_t index) { return cache_.lookup(index, index); }
  SetAssocCache<Irte>::InsertResult insert(uint32_t index, const Irte& entry) {
    return cache_.insert(index, index, entry);
  }

  uint32_t invalidateAll() { return cache_.invalidateAll(); }
  // Index-selective (FS 6.5): the 2^mask entries of the naturally aligned block holding
  // `index` (IIDX's low `mask` bits are ignored, as the block is aligned).
  uint32_t invalidateIndex(uint32_t index, unsigned mask) {
    const uint64_t keep = mask >= 32 ? 0 : ~((uint64_t(1) << mask) - 1);
    const uint64_t base = index & keep;
    return cache_.invalidateIf([&](uint64_t tag, const Irte&) { return (tag & keep) == base; });
  }

  bool contains(uint32_t index) const {
    bool found = false;
    cache_.forEachValid([&](uint64_t tag, const Irte&) { found |= tag == index; });
    return found;
  }
  uint32_t validCount() const { return cache_.validCount(); }
  template <class F>
  void forEachValid(F f) const {
    cache_.forEachValid([&](uint64_t tag, const Irte& e) { f(uint32_t(tag), e); });
  }
  const CacheParams& params() const { return params_; }
  bool enabled() const { return cache_.enabled(); }

 private:
  CacheParams params_;
  SetAssocCache<Irte> cache_;
};

}  // namespace vtd
