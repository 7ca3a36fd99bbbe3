// Paging-structure caches (VT-d 3.x 6.2.5-6.2.6, FS 5.1): walk reads per IOTLB miss with
// and without them (hand-computed), per-level lookups and hits, superpage leaves, the
// permissions a cached entry carries, and invalidation per granularity and IH (VT-d 3.x
// 6.5.1.2 / 6.5.2.3, FS 6.3) with assertions on what the caches hold.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <tuple>
#include <vector>

#include "model/common/stat_registry.h"
#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);
constexpr SourceId kDev2 = SourceId::fromBdf(0, 5, 0);
constexpr uint64_t k2M = 1ull << 21, k1G = 1ull << 30, k512G = 1ull << 39;
constexpr uint64_t kFivePages[] = {0x0, 0x1000, k2M, k1G, k512G};

// (level, region base, DID) of every cached paging-structure entry.
using PscKey = std::tuple<unsigned, uint64_t, uint16_t>;

std::set<PscKey> operator|(std::set<PscKey> a, const std::set<PscKey>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

class PagingStructureCache : public UnitTest {
 protected:
  uint64_t attach(unsigned levels = 4, SourceId sid = kDev, uint16_t did = 7) {
    const uint64_t top = tables->newPage();
    tables->setContext(sid, top, levels, did);
    return top;
  }
  std::set<PscKey> cached() {
    std::set<PscKey> out;
    unit().pagingStructureCaches().forEachValid(
        [&](unsigned level, uint64_t base, const PscEntry& e) { out.insert({level, base, e.did}); });
    return out;
  }
  uint64_t iotlbInv(unsigned iirg, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0, bool ih = false) {
    write64(ivaOffset(), addr | (ih ? iva::IH : 0) | am);
    write64(iotlbRegOffset(), iotlb::IVT | uint64_t(iirg) << 60 | uint64_t(did) << 32);
    return read64(iotlbRegOffset());
  }
  void ccmdGlobal() { write64(CCMD, ccmd::ICC | uint64_t(kGranGlobal) << 61); }
  static UnitConfig withoutPsc() {
    UnitConfig c;
    for (auto& level : c.psc.level) level.enable = false;
    return c;
  }
};

// Hand-computed, 4-level table, one domain: the first miss reads PML4E, PDPE, PDE, PTE (4);
// a page in the same 2 MiB region hits the PDE cache and reads the PTE only (1); another
// 2 MiB region of the same 1 GiB hits the PDPE cache (PDE + PTE: 2); another 1 GiB of the
// same 512 GiB hits the PML4E cache (3); another 512 GiB misses everywhere (4). 14 reads
// for 5 misses, against 20 without the caches.
TEST_F(PagingStructureCache, WalkReadsPerMissWithAndWithoutTheCaches) {
  const uint64_t pages[] = {0x0, 0x1000, k2M, k1G, k512G};
  const unsigned with[] = {4, 1, 2, 3, 4};
  const unsigned hit_level[] = {0, 2, 3, 4, 0};
  for (bool psc : {true, false}) {
    SCOPED_TRACE(psc ? "with caches" : "without caches");
    build(psc ? UnitConfig{} : withoutPsc());
    const uint64_t top = attach();
    for (uint64_t p : pages) tables->map(top, 4, p, 0x0200'0000 + p % k2M, PageSize::Size4K);
    enableTranslation();
    unsigned total = 0;
    for (size_t i = 0; i < 5; ++i) {
      const Translation t = dmaRead(kDev, pages[i] + 8);
      ASSERT_TRUE(t.ok()) << i;
      EXPECT_EQ(t.output, 0x0200'0000 + pages[i] % k2M + 8);
      EXPECT_EQ(t.cost.walk_reads, psc ? with[i] : 4u) << "page " << i;
      EXPECT_EQ(t.cost.psc_hit_level, psc ? hit_level[i] : 0u) << "page " << i;
      total += t.cost.walk_reads;
    }
    EXPECT_EQ(total, psc ? 14u : 20u);
    EXPECT_EQ(dmaRead(kDev, 0x1000).cost.walk_reads, 0u) << "an IOTLB hit reads nothing";
    const UnitStats& s = unit().stats();
    EXPECT_EQ(s.walk_reads, psc ? 14u : 20u);
    // The histogram of reads per IOTLB lookup (a histogram statistic: JSON array, mean as
    // its value): one hit (0 reads), then the five misses.
    StatRegistry registry;
    unit().describeStats(registry);
    const std::vector<uint64_t> histogram =
        psc ? std::vector<uint64_t>{1, 1, 1, 1, 2, 0} : std::vector<uint64_t>{1, 0, 0, 0, 5, 0};
    EXPECT_EQ(registry.toJson()["walk_reads_per_translation"].get<std::vector<uint64_t>>(), histogram);
    EXPECT_DOUBLE_EQ(registry.value("walk_reads_per_translation"), psc ? 14.0 / 6 : 20.0 / 6);
    EXPECT_NE(registry.describeMarkdown().find("| `walk_reads_per_translation` | translations | histogram 0..5 |"),
              std::string::npos);
    EXPECT_EQ(registry.value("ss_nonleaf_hit_pde"), psc ? 1.0 : 0.0);
  }
}

// Lookups go from the PDE level up and stop at the first hit (perfmon ss_nonleaf_*):
// misses at pages 0 (PDE, PDPE, PML4E looked up), 0x1000 (PDE hit), 2 MiB (PDE, PDPE hit),
// 1 GiB (PDE, PDPE, PML4E hit), 512 GiB (PDE, PDPE, PML4E).
TEST_F(PagingStructureCache, PerLevelLookupsAndHits) {
  const uint64_t top = attach();
  for (uint64_t p : kFivePages) tables->map(top, 4, p, 0x0200'0000, PageSize::Size4K);
  enableTranslation();
  for (uint64_t p : kFivePages) ASSERT_TRUE(dmaRead(kDev, p).ok());
  const UnitStats& s = unit().stats();
  EXPECT_EQ(s.ss_nonleaf_lookup[2], 5u);
  EXPECT_EQ(s.ss_nonleaf_hit[2], 1u);
  EXPECT_EQ(s.ss_nonleaf_lookup[3], 4u);
  EXPECT_EQ(s.ss_nonleaf_hit[3], 1u);
  EXPECT_EQ(s.ss_nonleaf_lookup[4], 3u);
  EXPECT_EQ(s.ss_nonleaf_hit[4], 1u);
  EXPECT_EQ(s.ss_nonleaf_lookup[5], 0u) << "no PML5E in a 4-level table";
  // Fills: every non-leaf entry read: PML4E x2 (regions 0 and 512 GiB), PDPE x3, PDE x4.
  EXPECT_EQ(s.psc_fill[4], 2u);
  EXPECT_EQ(s.psc_fill[3], 3u);
  EXPECT_EQ(s.psc_fill[2], 4u);
  EXPECT_EQ(cached().size(), 9u);
  EXPECT_EQ(cached().count({2, 0x0, 7}), 1u);
  EXPECT_EQ(cached().count({3, k1G, 7}), 1u);
  EXPECT_EQ(cached().count({4, k512G, 7}), 1u);
}

// 5-level tables: a PML5E hit leaves four reads; 3-level tables: the PDPE is the top and
// a PDPE hit leaves two.
TEST_F(PagingStructureCache, FiveAndThreeLevelTables) {
  UnitConfig c;
  c.unit.sagaw_bits = {39, 48, 57};
  c.unit.mgaw_bits = 57;
  build(c);
  const uint64_t top5 = attach(5, kDev, 1), top3 = attach(3, kDev2, 2);
  tables->map(top5, 5, 0x0, 0x0300'0000, PageSize::Size4K);
  tables->map(top5, 5, k512G, 0x0300'1000, PageSize::Size4K);
  tables->map(top3, 3, 0x0, 0x0300'2000, PageSize::Size4K);
  tables->map(top3, 3, k2M, 0x0300'3000, PageSize::Size4K);
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0x0).cost.walk_reads, 5u);
  const Translation t5 = dmaRead(kDev, k512G);
  EXPECT_EQ(t5.cost.walk_reads, 4u);
  EXPECT_EQ(t5.cost.psc_hit_level, 5u);
  EXPECT_EQ(t5.output, 0x0300'1000u);
  EXPECT_EQ(dmaRead(kDev2, 0x0).cost.walk_reads, 3u);
  const Translation t3 = dmaRead(kDev2, k2M);
  EXPECT_EQ(t3.cost.walk_reads, 2u);
  EXPECT_EQ(t3.cost.psc_hit_level, 3u);
  EXPECT_EQ(t3.cost.psc_probed, (1u << 2) | (1u << 3)) << "PML4E/PML5E caches are not probed for 3 levels";
  EXPECT_EQ(t3.output, 0x0300'3000u);
}

// A 2 MiB leaf is a PDE with PS=1: it goes to the IOTLB, never to the PDE cache; the PDPE
// and PML4E above it are cached, so the next 2 MiB leaf in that 1 GiB reads one entry.
TEST_F(PagingStructureCache, SuperpageLeavesAreNotCachedAsPointers) {
  const uint64_t top = attach();
  tables->map(top, 4, k1G, 0x0400'0000, PageSize::Size2M);
  tables->map(top, 4, k1G + k2M, 0x0600'0000, PageSize::Size2M);
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, k1G + 0x1234).cost.walk_reads, 3u);
  EXPECT_EQ(cached(), (std::set<PscKey>{{4, 0x0, 7}, {3, k1G, 7}}));
  const Translation t = dmaRead(kDev, k1G + k2M + 0x10);
  EXPECT_EQ(t.cost.walk_reads, 1u);
  EXPECT_EQ(t.output, 0x0600'0010u);
  EXPECT_EQ(t.page_size, PageSize::Size2M);
}

// A cached entry carries R/W AND-ed down to it: with a read-only PDPE, a write through a
// PDE-cache hit still faults 0x5 and a read still succeeds read-only, as without caches.
TEST_F(PagingStructureCache, CachedEntriesCarryAccumulatedPermissions) {
  for (bool psc : {true, false}) {
    SCOPED_TRACE(psc ? "with caches" : "without caches");
    build(psc ? UnitConfig{} : withoutPsc());
    const uint64_t top = attach();
    tables->map(top, 4, 0x0, 0x0200'0000, PageSize::Size4K);
    tables->map(top, 4, 0x1000, 0x0200'1000, PageSize::Size4K);
    const uint64_t pdpe = tables->entryAddress(top, 4, 0x0, 3);
    sys->memory.write64(pdpe, sys->memory.read64(pdpe) & ~uint64_t(kPermWrite));
    enableTranslation();
    EXPECT_EQ(dmaWrite(kDev, 0x0).reason, FaultReason::WriteNotPermitted);
    const Translation w = dmaWrite(kDev, 0x1000);
    EXPECT_EQ(w.reason, FaultReason::WriteNotPermitted);
    EXPECT_EQ(w.cost.walk_reads, psc ? 1u : 4u);
    const Translation r = dmaRead(kDev, 0x1000);  // the read-only translation was cached
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.permissions, kPermRead);
  }
}

// A walk that faults below a present entry still caches the entries it validated.
TEST_F(PagingStructureCache, FaultingWalkFillsTheLevelsAboveTheFault) {
  const uint64_t top = attach();
  tables->map(top, 4, 0x0, 0x0200'0000, PageSize::Size4K);
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0x5000).reason, FaultReason::ReadNotPermitted);  // PTE not present
  EXPECT_EQ(cached().size(), 3u);
  EXPECT_EQ(dmaRead(kDev, 0x0).cost.walk_reads, 1u);
}

// Set-associative PDE cache (32 entries, 4 ways: 8 sets): 64 distinct 2 MiB regions of
// one domain evict 32 PDEs.
TEST_F(PagingStructureCache, PdeCacheEvictsWhenFull) {
  const uint64_t top = attach();
  for (uint64_t r = 0; r < 64; ++r) tables->map(top, 4, r * k2M, 0x0200'0000, PageSize::Size4K);
  enableTranslation();
  for (uint64_t r = 0; r < 64; ++r) ASSERT_TRUE(dmaRead(kDev, r * k2M).ok());
  EXPECT_EQ(unit().stats().psc_fill[2], 64u);
  EXPECT_EQ(unit().stats().psc_eviction[2], 32u);
  EXPECT_EQ(unit().pagingStructureCaches().cache(2).validCount(), 32u);
}

// Invalidation (VT-d 3.x 6.5.1.2, FS 6.3): two domains with pages at 0, 2 MiB and 1 GiB,
// so each holds PML4E {0}, PDPE {0, 1 GiB}, PDE {0, 2 MiB, 1 GiB}.
class PscInvalidation : public PagingStructureCache {
 protected:
  void SetUp() override {
    build();
    const uint64_t top1 = attach(4, kDev, 1), top2 = attach(4, kDev2, 2);
    for (uint64_t p : kPages) {
      tables->map(top1, 4, p, 0x0200'0000, PageSize::Size4K);
      tables->map(top2, 4, p, 0x0300'0000, PageSize::Size4K);
    }
    enableTranslation();
    for (uint64_t p : kPages) {
      ASSERT_TRUE(dmaRead(kDev, p).ok());
      ASSERT_TRUE(dmaRead(kDev2, p).ok());
    }
    ASSERT_EQ(cached(), domain(1) | domain(2));
  }
  static std::set<PscKey> domain(uint16_t did, std::set<PscKey> without = {}) {
    std::set<PscKey> s = {{4, 0, did}, {3, 0, did}, {3, k1G, did}, {2, 0, did}, {2, k2M, did}, {2, k1G, did}};
    for (const auto& k : without) s.erase(k);
    return s;
  }
  static constexpr uint64_t kPages[] = {0x0, k2M, k1G};
};

TEST_F(PscInvalidation, GlobalClearsEveryLevel) {
  iotlbInv(kGranGlobal);
  EXPECT_TRUE(cached().empty());
  EXPECT_EQ(unit().stats().psc_entries_invalidated, 12u);
}

TEST_F(PscInvalidation, DomainSelectiveClearsThatDomainOnly) {
  iotlbInv(kGranDomain, 2);
  EXPECT_EQ(cached(), domain(1));
  EXPECT_EQ(unit().stats().psc_entries_invalidated, 6u);
}

// Page-selective without IH: the domain's entries at every level whose region holds the
// page (PML4E 0, PDPE 0, PDE 0), nothing of other regions or domains.
TEST_F(PscInvalidation, PageSelectiveClearsTheEntriesMappingTheRange) {
  iotlbInv(kGranSelective, 1, 0x1000, 0);
  EXPECT_EQ(cached(), domain(1, {{4, 0, 1}, {3, 0, 1}, {2, 0, 1}}) | domain(2));
  EXPECT_EQ(unit().stats().psc_entries_invalidated, 3u);
  // AM=9 over the 2 MiB region at 2 MiB: its PDE goes, the PDE at 0 stays.
  iotlbInv(kGranSelective, 2, k2M, 9);
  EXPECT_EQ(cached(), domain(1, {{4, 0, 1}, {3, 0, 1}, {2, 0, 1}}) |
                          domain(2, {{4, 0, 2}, {3, 0, 2}, {2, k2M, 2}}));
  // AM=18 (1 GiB, the MAMV default) at 1 GiB: the PDPE and PDE of that region.
  iotlbInv(kGranSelective, 2, k1G, 18);
  EXPECT_EQ(cached(), (domain(1, {{4, 0, 1}, {3, 0, 1}, {2, 0, 1}}) | std::set<PscKey>{{2, 0, 2}}));
}

// IH=1: only leaves changed, so the paging-structure caches are kept; the IOTLB entry goes.
TEST_F(PscInvalidation, InvalidationHintKeepsThem) {
  const uint32_t before = unit().iotlb().validCount();
  iotlbInv(kGranSelective, 1, 0x0, 0, /*ih=*/true);
  EXPECT_EQ(cached(), domain(1) | domain(2));
  EXPECT_EQ(unit().iotlb().validCount(), before - 1);
  EXPECT_EQ(unit().stats().psc_entries_invalidated, 0u);
}

// Page-selective beyond MAMV is performed as domain-selective (IAIG=2): the domain's
// paging-structure entries go too.
TEST_F(PscInvalidation, PageSelectiveFallbackIsDomainWide) {
  EXPECT_EQ(getBits(iotlbInv(kGranSelective, 1, 0, 19), 58, 57), uint64_t(kGranDomain));
  EXPECT_EQ(cached(), domain(2));
}

// Context-cache invalidation leaves them (software follows it with an IOTLB invalidation).
TEST_F(PscInvalidation, ContextInvalidationLeavesThem) {
  ccmdGlobal();
  EXPECT_EQ(cached(), domain(1) | domain(2));
}

// Stale until invalidated: a PDE re-pointed at another page table without invalidation
// keeps serving the old table for pages not in the IOTLB; IH=1 (which promises only leaves
// changed) does not repair it; IH=0 does.
TEST_F(PagingStructureCache, StalePdeServesTheOldTableUntilInvalidatedWithoutIh) {
  const uint64_t top = attach();
  tables->map(top, 4, 0x0, 0x0200'0000, PageSize::Size4K);
  tables->map(top, 4, 0x3000, 0x0200'3000, PageSize::Size4K);
  enableTranslation();
  ASSERT_TRUE(dmaRead(kDev, 0x0).ok());  // caches the PDE of region 0
  const uint64_t new_pt = tables->newPage();
  sys->memory.write64(new_pt + 8 * 3, 0x0500'3000 | kPermRW);
  sys->memory.write64(tables->entryAddress(top, 4, 0x0, 2), new_pt | kPermRW);
  EXPECT_EQ(dmaRead(kDev, 0x3000).output, 0x0200'3000u) << "walked through the cached PDE";
  iotlbInv(kGranSelective, 7, 0x3000, 0, /*ih=*/true);
  EXPECT_EQ(dmaRead(kDev, 0x3000).output, 0x0200'3000u) << "IH=1 keeps the stale PDE";
  iotlbInv(kGranSelective, 7, 0x3000, 0, /*ih=*/false);
  EXPECT_EQ(dmaRead(kDev, 0x3000).output, 0x0500'3000u);
}

}  // namespace
}  // namespace vtd::test
