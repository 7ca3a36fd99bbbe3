// Paging-structure caches: parameters, fills and invalidation (VT-d 3.x 6.2.5, 6.5.2.3;
// FS 6.3 IH).
#include "model/caches/paging_structure_cache.h"

#include "model/common/param_registry.h"

namespace vtd {

const char* PagingStructureCacheParams::levelName(unsigned lvl) {
  static const char* const kNames[4] = {"pde", "pdpe", "pml4e", "pml5e"};
  return lvl >= kPscLowestLevel && lvl <= kPscHighestLevel ? kNames[lvl - kPscLowestLevel] : "?";
}

void PagingStructureCacheParams::describe(ParamRegistry& r, const std::string& p) {
  static const char* const kWhat[4] = {"PDE cache (2 MiB regions)", "PDPE cache (1 GiB regions)",
                                       "PML4E cache (512 GiB regions)", "PML5E cache (256 TiB regions)"};
  // Top level first, as the spec lists them.
  for (unsigned lvl = kPscHighestLevel; lvl >= kPscLowestLevel; --lvl)
    at(lvl).describe(r, p + levelName(lvl) + ".", kWhat[lvl - kPscLowestLevel]);
}

std::vector<std::string> PagingStructureCacheParams::validate(const std::string& p) const {
  std::vector<std::string> errors;
  for (unsigned lvl = kPscLowestLevel; lvl <= kPscHighestLevel; ++lvl)
    for (auto& e : at(lvl).validate(p + levelName(lvl) + ".")) errors.push_back(e);
  return errors;
}

PagingStructureCaches::PagingStructureCaches(const PagingStructureCacheParams& p)
    : caches_{SetAssocCache<PscEntry>(p.level[0]), SetAssocCache<PscEntry>(p.level[1]),
              SetAssocCache<PscEntry>(p.level[2]), SetAssocCache<PscEntry>(p.level[3])} {
  for (unsigned lvl = kPscLowestLevel; lvl <= kPscHighestLevel; ++lvl)
    if (cache(lvl).enabled()) enabled_levels_ |= 1u << lvl;
}

SetAssocCache<PscEntry>::InsertResult PagingStructureCaches::fill(unsigned lvl, uint16_t did,
                                                                  uint64_t iova, uint64_t next_table,
                                                                  uint8_t permissions) {
  const uint64_t region = iova >> regionShift(lvl);
  const PscEntry e{next_table, did, permissions};
  return caches_[lvl - kPscLowestLevel].insert(tag(did, region), setIndex(did, region), e);
}

uint32_t PagingStructureCaches::invalidateAll() {
  uint32_t n = 0;
  for (auto& c : caches_) n += c.invalidateAll();
  return n;
}

uint32_t PagingStructureCaches::invalidateDomain(uint16_t did) {
  uint32_t n = 0;
  for (auto& c : caches_)
    n += c.invalidateIf([did](uint64_t, const PscEntry& e) { return e.did == did; });
  return n;
}

uint32_t PagingStructureCaches::invalidatePages(uint16_t did, uint64_t base, unsigned am) {
  // The range as in Iotlb::invalidatePages: 2^AM pages from base aligned down, saturating.
  const unsigned shift = 12 + am;
  const uint64_t first = shift >= 64 ? 0 : base & ~((1ull << shift) - 1);
  const uint64_t last = shift >= 64 ? ~0ull : first + ((1ull << shift) - 1);
  uint32_t n = 0;
  for (unsigned lvl = kPscLowestLevel; lvl <= kPscHighestLevel; ++lvl) {
    // Region numbers at this level that the range touches (compare in region units so a
    // 256 TiB PML5E region never overflows).
    const unsigned rs = regionShift(lvl);
    const uint64_t lo = first >> rs, hi = last >> rs;
    n += caches_[lvl - kPscLowestLevel].invalidateIf([&](uint64_t t, const PscEntry& e) {
      const uint64_t region = t & kRegionMask;
      return e.did == did && region >= lo && region <= hi;
    });
  }
  return n;
}

uint32_t PagingStructureCaches::validCount() const {
  uint32_t n = 0;
  for (const auto& c : caches_) n += c.validCount();
  return n;
}

}  // namespace vtd
