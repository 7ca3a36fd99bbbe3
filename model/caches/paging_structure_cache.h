// Paging-structure caches for second-level walks (VT-d 3.x 6.2.5, FS 5.1, 6.3): one cache
// per non-leaf level, PML5E (level 5), PML4E (4), PDPE (3) and PDE (2), each a
// SetAssocCache configured under psc.pml5e.*, psc.pml4e.*, psc.pdpe.*, psc.pde.*.
// An entry caches one present non-leaf entry met by a walk: tagged by domain id and the
// input-address bits that select it (bits 56:12+9(L-1) for level L), it holds the address
// of the next table and the R/W AND-ed over the levels down to and including it, so a walk
// resumed from it reaches the same permissions (and faults) as a walk from the root.
// On an IOTLB miss the caches are probed from the lowest level up (PDE first) and stop at
// the first hit; the walk then reads only the levels below it (iotlb_miss.cpp).
// Only present, well-formed entries are cached (caching mode does not change that here:
// negative entries live in the IOTLB, iotlb.h). Invalidation (FS 6.3, VT-d 3.x 6.5.1.2 and
// 6.5.2.3): global and domain-selective IOTLB invalidation clear them (all, or the
// domain's); page-selective with IH=0 clears the domain's entries at every level whose
// region overlaps the range; IH=1 keeps them. Context-cache invalidation leaves them: the
// spec asks software to follow it with an IOTLB invalidation.
// Defaults: placeholders until calibration. Intel publishes no sizes; the shape (a cache
// per level, fewest entries at the top) follows the per-level walk caches of gem5's SMMUv3
// and Skylake-SP's per-level VT-d uncore events (CALIBRATION.md), scaled to the 16-32 PDE
// entries issue 4 suggests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/caches/cache_params.h"
#include "model/caches/set_assoc_cache.h"
#include "model/common/cost.h"

namespace vtd {

class ParamRegistry;

constexpr unsigned kPscLowestLevel = 2, kPscHighestLevel = 5;  // PDE .. PML5E

struct PagingStructureCacheParams {
  // Index = level - 2: PDE, PDPE, PML4E, PML5E.
  std::array<CacheParams, 4> level = {
      CacheParams{32, 4, ReplacementPolicy::Lru, 1, 1, true},  // psc.pde.*
      CacheParams{8, 0, ReplacementPolicy::Lru, 1, 1, true},   // psc.pdpe.*
      CacheParams{4, 0, ReplacementPolicy::Lru, 1, 1, true},   // psc.pml4e.*
      CacheParams{2, 0, ReplacementPolicy::Lru, 1, 1, true},   // psc.pml5e.*
  };
  CacheParams& at(unsigned lvl) { return level[lvl - kPscLowestLevel]; }
  const CacheParams& at(unsigned lvl) const { return level[lvl - kPscLowestLevel]; }

  void describe(ParamRegistry& r, const std::string& prefix);  // prefix "psc."
  std::vector<std::string> validate(const std::string& prefix) const;
  static const char* levelName(unsigned lvl);  // "pde", "pdpe", "pml4e", "pml5e"
};

struct PscEntry {
  uint64_t next_table = 0;   // address of the table the cached entry points to
  uint16_t did = 0;
  uint8_t permissions = 0;   // R/W AND-ed over the levels down to this entry
};

// Where a walk may start: the table of level `level` (the walk's top when no cache hit).
struct WalkStart {
  uint64_t table = 0;
  unsigned level = 0;
  uint8_t permissions = 3;  // kPermRW
};

class PagingStructureCaches {
 public:
  explicit PagingStructureCaches(const PagingStructureCacheParams& params);

  // Probes levels 2 .. `levels` (the table's non-leaf levels) from the lowest up, marking
  // each probed level in cost.psc_probed; on a hit sets cost.psc_hit_level and returns the
  // table below the hit. Otherwise the walk starts at `root` with all `levels` levels.
  WalkStart lookup(uint16_t did, uint64_t iova, unsigned levels, uint64_t root, Cost& cost) {
    // Enabled levels 2 .. levels, lowest first.
    for (unsigned m = enabled_levels_ & ((2u << levels) - 1); m; m &= m - 1) {
      const unsigned lvl = unsigned(__builtin_ctz(m));
      cost.psc_probed |= uint8_t(1u << lvl);
      const uint64_t region = iova >> regionShift(lvl);
      if (const PscEntry* e = caches_[lvl - kPscLowestLevel].lookup(tag(did, region), setIndex(did, region))) {
        cost.psc_hit_level = uint8_t(lvl);
        return WalkStart{e->next_table, lvl - 1, e->permissions};
      }
    }
    return WalkStart{root, levels, 3};
  }

  // Bit L set: the level-L cache is enabled (fills of the others are skipped by callers).
  unsigned enabledLevels() const { return enabled_levels_; }
  // Fills the level-`lvl` cache (the result says whether a valid entry was evicted).
  SetAssocCache<PscEntry>::InsertResult fill(unsigned lvl, uint16_t did, uint64_t iova,
                                             uint64_t next_table, uint8_t permissions);

  uint32_t invalidateAll();
  uint32_t invalidateDomain(uint16_t did);
  // Entries of `did`, any level, whose region overlaps [base, base + 2^(12+am)).
  uint32_t invalidatePages(uint16_t did, uint64_t base, unsigned am);

  const SetAssocCache<PscEntry>& cache(unsigned lvl) const { return caches_[lvl - kPscLowestLevel]; }
  uint32_t validCount() const;
  // f(level, region base address, entry) for every valid entry.
  template <class F>
  void forEachValid(F f) const {
    for (unsigned lvl = kPscLowestLevel; lvl <= kPscHighestLevel; ++lvl)
      cache(lvl).forEachValid([&](uint64_t t, const PscEntry& e) {
        f(lvl, (t & kRegionMask) << regionShift(lvl), e);
      });
  }

  // A level-L entry maps input bits 56:regionShift(L): 2 MiB regions for a PDE, 1 GiB for a
  // PDPE, 512 GiB for a PML4E, 256 TiB for a PML5E.
  static constexpr unsigned regionShift(unsigned lvl) { return 12 + 9 * (lvl - 1); }

 private:
  static constexpr uint64_t kRegionMask = (1ull << 45) - 1;
  // Tag: DID 62:47, region number 44:0 (per-level caches, so the level needs no bits).
  static uint64_t tag(uint16_t did, uint64_t region) {
    return uint64_t(did) << 47 | (region & kRegionMask);
  }
  static uint64_t setIndex(uint16_t did, uint64_t region) { return region ^ (uint64_t(did) * 0x9E5u); }

  std::array<SetAssocCache<PscEntry>, 4> caches_;
  unsigned enabled_levels_ = 0;
};

}  // namespace vtd
