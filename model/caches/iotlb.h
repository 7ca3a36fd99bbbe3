// IOTLB: cached second-level translations (VT-d 3.x 6.2.4, FS 6.3/6.11). Legacy-mode
// entries are tagged by domain id, input page number and page size. Organisation
// (`iotlb.organisation`): unified, one array (iotlb.*) probed once per page size the unit
// holds entries of; or split, one array per page size (iotlb.4k.*, iotlb.2m.*, iotlb.1g.*,
// as the separate 4K/2M/1G hit counters of Sapphire Rapids' IIO PMU suggest), probed in the
// same order. Entries carry the effective R/W of the walk, so permission checks on a hit
// match those on a miss. An entry stays until replaced or invalidated: a driver that
// changes tables without invalidating keeps getting the old translation, as on hardware.
// Caching mode (CAP.CM, VT-d 3.x 6.1): an entry may be negative, a cached not-present or
// reserved-bit paging entry met by a walk, which faults every request to its 4 KiB page
// until invalidated (model/translation/iotlb_miss.cpp decides when one is filled).
// Not modelled yet: source-id/PASID tags (scalable mode).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/caches/cache_params.h"
#include "model/caches/set_assoc_cache.h"
#include "model/common/types.h"

namespace vtd {

class ParamRegistry;

enum class IotlbOrganisation : uint8_t { Unified, Split };

// The split organisation's arrays (the unified array is UnitConfig::iotlb, `iotlb.*`).
// Sizes are placeholders until calibration (CALIBRATION.md gives no per-size geometry).
struct IotlbOrganisationParams {
  IotlbOrganisation organisation = IotlbOrganisation::Unified;
  std::array<CacheParams, 3> split = {
      CacheParams{128, 8, ReplacementPolicy::Lru, 1, 2, true},  // iotlb.4k.*
      CacheParams{32, 4, ReplacementPolicy::Lru, 1, 2, true},   // iotlb.2m.*
      CacheParams{8, 0, ReplacementPolicy::Lru, 1, 2, true},    // iotlb.1g.*
  };

  void describe(ParamRegistry& r, const std::string& prefix);  // prefix "iotlb."
  std::vector<std::string> validate(const std::string& prefix) const;
  static const char* sizeName(unsigned size);  // "4k", "2m", "1g"
};

struct IotlbEntry {
  uint64_t output_page = 0;  // output address of the page (page-size aligned)
  uint16_t did = 0;
  PageSize size = PageSize::Size4K;
  uint8_t permissions = kPermNone;
  bool snoop = false;
  // CM=1 only: the fault a cached not-present (5/6 by access) or reserved-bit (0xC) entry
  // gives; None for a translation.
  FaultReason negative = FaultReason::None;
};

class Iotlb {
 public:
  Iotlb(const CacheParams& unified, const IotlbOrganisationParams& organisation);

  // Probes each page size that holds entries; `probes` counts the array probes.
  const IotlbEntry* lookup(uint16_t did, uint64_t iova, uint8_t& probes) {
    // Two instances, so that each reaches its arrays at fixed offsets (no pointer to load on
    // the hit path's dependency chain); the organisation test is predicted perfectly.
    return split_ ? probe<true>(did, iova, probes) : probe<false>(did, iova, probes);
  }

  // Fills an entry; the result says whether it was filled and whether a valid one was
  // evicted (evicted_size: the page size of the entry replaced).
  struct FillResult {
    bool inserted = false;
    bool evicted = false;
    PageSize evicted_size = PageSize::Size4K;
  };
  FillResult insert(uint64_t iova, const IotlbEntry& entry);

  uint32_t invalidateAll();
  uint32_t invalidateDomain(uint16_t did);
  // Entries of `did` overlapping [base, base + 2^(12+am)).
  uint32_t invalidatePages(uint16_t did, uint64_t base, unsigned am);

  uint32_t validCount() const;
  template <class F>
  void forEachValid(F f) const {
    for (unsigned a = 0; a < array_count_; ++a)
      arrays_[a].forEachValid([&](uint64_t t, const IotlbEntry& e) { f(pageOf(t, e.size), e); });
  }
  IotlbOrganisation organisation() const { return organisation_; }
  // The array holding entries of page size s (the same one for every size when unified).
  const SetAssocCache<IotlbEntry>& array(PageSize s) const { return arrays_[split_ ? unsigned(s) : 0]; }

  // Tag layout: DID 62:47, page size 46:45, input page number 44:0 (57-bit inputs).
  static uint64_t tagOf(uint16_t did, PageSize s, uint64_t page) {
    return uint64_t(did) << 47 | uint64_t(s) << 45 | (page & ((1ull << 45) - 1));
  }
  // Set index from the low page-number bits, mixed with the domain so that domains using
  // the same IOVAs do not all land in the same sets. Public so that the miss curve
  // (platform/replay/miss_curve.h) indexes its per-set stacks exactly as the IOTLB does.
  static uint64_t setIndex(uint16_t did, uint64_t page) { return page ^ (uint64_t(did) * 0x9E5u); }

 private:
  static uint64_t pageOf(uint64_t tag, PageSize s) {
    return (tag & ((1ull << 45) - 1)) << pageShift(s);
  }
  template <class Pred>
  uint32_t invalidateIf(Pred pred);
  template <bool kSplit>
  const IotlbEntry* probe(uint16_t did, uint64_t iova, uint8_t& probes) {
    for (unsigned s = 0; s < 3; ++s) {
      if (resident_[s] == 0) continue;
      ++probes;
      const uint64_t page = iova >> pageShift(PageSize(s));
      SetAssocCache<IotlbEntry>& a = arrays_[kSplit ? s : 0];
      if (const IotlbEntry* e = a.lookup(tagOf(did, PageSize(s), page), setIndex(did, page))) return e;
    }
    return nullptr;
  }

  IotlbOrganisation organisation_;
  // Split: one array per page size. Unified: arrays_[0] for every size (the others are
  // disabled and unused).
  std::array<uint32_t, 3> resident_{};  // valid entries per page size (skips empty probes)
  bool split_;
  unsigned array_count_;
  std::array<SetAssocCache<IotlbEntry>, 3> arrays_;
};

}  // namespace vtd
