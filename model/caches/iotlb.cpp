// IOTLB fills and invalidation by granularity (FS 6.3, 6.11).
#include "model/caches/iotlb.h"

namespace vtd {

Iotlb::Iotlb(const CacheParams& params) : params_(params), cache_(params) {}

SetAssocCache<IotlbEntry>::InsertResult Iotlb::insert(uint64_t iova, const IotlbEntry& entry) {
  const uint64_t page = iova >> pageShift(entry.size);
  auto r = cache_.insert(tag(entry.did, entry.size, page), setIndex(entry.did, page), entry);
  if (!r.inserted) return r;
  if (r.evicted) --resident_[(r.evicted_tag >> 45) & 3];
  if (!r.refreshed) ++resident_[unsigned(entry.size)];
  return r;
}

uint32_t Iotlb::invalidateAll() {
  uint32_t n = cache_.invalidateAll();
  resident_ = {};
  return n;
}

uint32_t Iotlb::invalidateDomain(uint16_t did) {
  return cache_.invalidateIf([&](uint64_t, const IotlbEntry& e) {
    if (e.did != did) return false;
    --resident_[unsigned(e.size)];
    return true;
  });
}

uint32_t Iotlb::invalidatePages(uint16_t did, uint64_t base, unsigned am) {
  // 2^AM pages from base aligned down; an AM covering the whole 64-bit space saturates.
  const unsigned shift = 12 + am;
  const uint64_t first = shift >= 64 ? 0 : base & ~((1ull << shift) - 1);
  const uint64_t last = shift >= 64 ? ~0ull : first + ((1ull << shift) - 1);
  return cache_.invalidateIf([&](uint64_t t, const IotlbEntry& e) {
    if (e.did != did) return false;
    const uint64_t page_first = pageOf(t, e.size);
    const uint64_t page_last = page_first + pageBytes(e.size) - 1;
    if (page_first > last || first > page_last) return false;  // no overlap
    --resident_[unsigned(e.size)];
    return true;
  });
}

}  // namespace vtd
