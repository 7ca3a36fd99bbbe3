// Legacy-mode DMA translation rules: root/context lookup (FS 4.1, 4.2), the second-level
// walk for each level count and leaf size (FS 5.1), the fault reason of each failure
// (FS 7.4), and the IOTLB/context caches keeping stale state until invalidated.
#include <gtest/gtest.h>

#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);  // 00:04.0 = 0x20
constexpr uint16_t kDid = 7;

class Translation : public UnitTest {
 protected:
  // A context for kDev with a fresh top table of `levels` levels.
  uint64_t attach(unsigned levels = 4, SourceId sid = kDev, uint16_t did = kDid) {
    const uint64_t top = tables->newPage();
    tables->setContext(sid, top, levels, did);
    return top;
  }
};

// TES = 0: requests pass unchanged and nothing is looked up (FS 3.1).
TEST_F(Translation, RemappingDisabledPassesUnchanged) {
  auto t = dmaWrite(kDev, 0x1234'5678);
  EXPECT_TRUE(t.ok());
  EXPECT_FALSE(t.translated);
  EXPECT_EQ(t.output, 0x1234'5678u);
  EXPECT_EQ(unit().stats().iotlb_lookup, 0u);
  EXPECT_EQ(t.cost.memoryReads(), 0u);
}

// One test per supported table depth: 3, 4, 5 levels read that many entries on a miss.
class TranslationLevels : public Translation, public ::testing::WithParamInterface<unsigned> {};

TEST_P(TranslationLevels, FourKiBLeafTranslatesAndWalksEveryLevel) {
  const unsigned levels = GetParam();
  UnitConfig c;
  c.unit.sagaw_bits = {39, 48, 57};
  c.unit.mgaw_bits = 57;
  build(c);
  const uint64_t top = attach(levels);
  const uint64_t iova = levels == 3 ? 0x7F'1234'5000ull : 0x1234'5678'9000ull & ((1ull << (30 + 9 * (levels - 2))) - 1);
  tables->map(top, levels, iova, 0x0250'3000, PageSize::Size4K);
  enableTranslation();
  auto t = dmaRead(kDev, iova + 0x123);
  ASSERT_TRUE(t.ok()) << faultReasonName(t.reason);
  EXPECT_TRUE(t.translated);
  EXPECT_EQ(t.output, 0x0250'3123u);
  EXPECT_EQ(t.page_size, PageSize::Size4K);
  EXPECT_EQ(t.cost.walk_reads, levels);
  EXPECT_EQ(t.cost.root_reads, 1u);
  EXPECT_EQ(t.cost.context_reads, 1u);
  // Second request to the page: IOTLB and context-cache hits, no memory reads.
  auto again = dmaWrite(kDev, iova + 0x800);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.output, 0x0250'3800u);
  EXPECT_EQ(again.cost.memoryReads(), 0u);
  EXPECT_EQ(again.cost.iotlb_hits, 1u);
  EXPECT_EQ(again.cost.context_cache_hits, 1u);
}
INSTANTIATE_TEST_SUITE_P(Levels, TranslationLevels, ::testing::Values(3u, 4u, 5u));

// FS 5.1: PS=1 at a PDE maps 2 MiB, at a PDPE 1 GiB, when CAP.SLLPS allows.
TEST_F(Translation, TwoMiBAndOneGiBLeaves) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x4000'0000, 0x0060'0000, PageSize::Size2M);
  tables->map(top, 4, 0x80'0000'0000, 0x0, PageSize::Size1G);
  enableTranslation();
  auto t2m = dmaRead(kDev, 0x4000'0000 + 0x1'2345);
  ASSERT_TRUE(t2m.ok());
  EXPECT_EQ(t2m.output, 0x0061'2345u);
  EXPECT_EQ(t2m.page_size, PageSize::Size2M);
  EXPECT_EQ(t2m.cost.walk_reads, 3u);
  auto t1g = dmaRead(kDev, 0x80'0000'0000 + 0x0123'4567);
  ASSERT_TRUE(t1g.ok());
  EXPECT_EQ(t1g.output, 0x0123'4567u);
  EXPECT_EQ(t1g.page_size, PageSize::Size1G);
  EXPECT_EQ(t1g.cost.walk_reads, 2u);
  // A different 4 KiB page inside the 2 MiB leaf hits the same IOTLB entry.
  EXPECT_EQ(dmaRead(kDev, 0x4000'0000 + 0x1F'F000).cost.iotlb_hits, 1u);
}

// PS=1 where SLLPS does not allow that size is a reserved-bit fault (FS 5.1).
TEST_F(Translation, SuperpageNotSupportedIsReservedFault) {
  UnitConfig c;
  c.unit.superpage_2m = false;
  c.unit.superpage_1g = false;
  build(c);
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x4000'0000, 0x0060'0000, PageSize::Size2M);
  tables->map(top, 4, 0x80'0000'0000, 0x0, PageSize::Size1G);
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0x4000'0000).reason, FaultReason::PagingEntryReserved);
  EXPECT_EQ(dmaRead(kDev, 0x80'0000'0000).reason, FaultReason::PagingEntryReserved);
}

// PS is reserved in PML4E (FS 5.1).
TEST_F(Translation, PsBitInPml4eIsReserved) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x1000, 0x2000, PageSize::Size4K);
  const uint64_t pml4e = tables->entryAddress(top, 4, 0x1000, 4);
  sys->memory.write64(pml4e, sys->memory.read64(pml4e) | (1ull << 7));
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0x1000).reason, FaultReason::PagingEntryReserved);
}

// Reserved bits per entry kind (FS 5.1): bit 11 in a table pointer, SNP without ECAP.SC,
// frame bits below a superpage, TM without ECAP.DT, address bits at or above HAW.
TEST_F(Translation, ReservedBitsPerEntryKind) {
  UnitConfig c;
  c.unit.snoop_control = false;
  build(c);
  const uint64_t top = attach(4);
  struct Case { uint64_t iova; PageSize size; uint64_t extra; unsigned poke_level; uint64_t poke; };
  const Case cases[] = {
      {0x0000'1000, PageSize::Size4K, 1ull << 11, 0, 0},                // SNP, SC=0
      {0x0000'2000, PageSize::Size4K, 1ull << 62, 0, 0},                // TM, DT=0
      {0x0000'3000, PageSize::Size4K, 1ull << 46, 0, 0},                // above HAW (46)
      {0x4000'0000, PageSize::Size2M, 1ull << 12, 0, 0},                // 2 MiB frame bit 12
      {0x80'0000'0000, PageSize::Size1G, 1ull << 21, 0, 0},             // 1 GiB frame bit 21
      {0x100'0000'0000, PageSize::Size4K, 0, 2, 1ull << 11},            // PDE pointer bit 11
  };
  for (auto& k : cases) tables->map(top, 4, k.iova, 0x0080'0000, k.size, kPermRW, k.extra);
  const uint64_t pde = tables->entryAddress(top, 4, cases[5].iova, 2);
  sys->memory.write64(pde, sys->memory.read64(pde) | cases[5].poke);
  enableTranslation();
  for (auto& k : cases)
    EXPECT_EQ(dmaRead(kDev, k.iova).reason, FaultReason::PagingEntryReserved) << std::hex << k.iova;
}

// With ECAP.SC the SNP bit is a leaf attribute, reported in the translation.
TEST_F(Translation, SnoopBitWithSnoopControl) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x5000, 0x6000, PageSize::Size4K, kPermRW, 1ull << 11);
  enableTranslation();
  auto t = dmaRead(kDev, 0x5000);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t.snoop);
}

// Permissions: a non-present entry ends the walk with the access's fault; R/W are ANDed
// over all levels (FS 5.1, 7.4 LGN.2/LGN.3).
TEST_F(Translation, PermissionFaults) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x1000, 0x10000, PageSize::Size4K, kPermRead);
  tables->map(top, 4, 0x2000, 0x20000, PageSize::Size4K, kPermWrite);
  tables->map(top, 4, 0x4000'0000, 0x30000, PageSize::Size4K, kPermRW);
  // Make the PDE above 0x4000_0000 read-only: writes below it are refused.
  const uint64_t pde = tables->entryAddress(top, 4, 0x4000'0000, 2);
  sys->memory.write64(pde, sys->memory.read64(pde) & ~2ull);
  enableTranslation();
  EXPECT_EQ(dmaWrite(kDev, 0x1000).reason, FaultReason::WriteNotPermitted);
  EXPECT_TRUE(dmaRead(kDev, 0x1000).ok());
  EXPECT_EQ(dmaRead(kDev, 0x2000).reason, FaultReason::ReadNotPermitted);
  EXPECT_TRUE(dmaWrite(kDev, 0x2000).ok());
  EXPECT_EQ(dmaWrite(kDev, 0x4000'0000).reason, FaultReason::WriteNotPermitted);
  EXPECT_TRUE(dmaRead(kDev, 0x4000'0000).ok());
  // Not present (R=W=0) anywhere: 5 for writes, 6 for reads.
  EXPECT_EQ(dmaWrite(kDev, 0x9000).reason, FaultReason::WriteNotPermitted);
  EXPECT_EQ(dmaRead(kDev, 0x77'0000'0000).reason, FaultReason::ReadNotPermitted);
}

// A read-only translation cached by a read still refuses a later write, with a recorded
// fault (QEMU drops such writes silently; see docs/compliance.md).
TEST_F(Translation, PermissionCheckedOnIotlbHit) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x1000, 0x10000, PageSize::Size4K, kPermRead);
  enableTranslation();
  ASSERT_TRUE(dmaRead(kDev, 0x1000).ok());
  auto t = dmaWrite(kDev, 0x1000);
  EXPECT_EQ(t.cost.iotlb_hits, 1u);
  EXPECT_EQ(t.reason, FaultReason::WriteNotPermitted);
  EXPECT_TRUE(t.fault_recorded);
}

// LGN.1: addresses at or above the table's AGAW or the unit's MGAW fault 0x4.
TEST_F(Translation, AddressWidthFaults) {
  UnitConfig c;
  c.unit.mgaw_bits = 39;  // 4-level tables allowed, but no address above 39 bits
  build(c);
  const uint64_t top3 = attach(3, kDev);
  const uint64_t top4 = attach(4, SourceId::fromBdf(0, 5, 0), 8);
  (void)top3;
  (void)top4;
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 1ull << 39).reason, FaultReason::AddressBeyondWidth);
  EXPECT_EQ(dmaRead(SourceId::fromBdf(0, 5, 0), 1ull << 40).reason, FaultReason::AddressBeyondWidth);
  // Below both limits the walk runs (and finds nothing mapped).
  EXPECT_EQ(dmaRead(kDev, (1ull << 39) - 4096).reason, FaultReason::ReadNotPermitted);
}

// LGN.4: a translation whose output lies in 0xFEEx_xxxx is blocked with 0xE.
TEST_F(Translation, OutputInInterruptRange) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x1000, 0xFEE0'0000, PageSize::Size4K);
  enableTranslation();
  EXPECT_EQ(dmaWrite(kDev, 0x1010).reason, FaultReason::InterruptRangeOutput);
}

// LSL.1: a paging-entry read that fails faults 0x7.
TEST_F(Translation, PagingEntryReadError) {
  const uint64_t top = attach(4);
  sys->memory.write64(top, (0x3000'0000'0000ull & ((1ull << 46) - 1)) | 3);  // beyond memory
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0x1000).reason, FaultReason::PagingEntryReadError);
}

// Root and context faults in the order of FS 7.4 (0x1, 0x8, 0xA, 0x9, 0x2, 0xB, 0x3).
TEST_F(Translation, RootAndContextFaults) {
  UnitConfig c;
  c.unit.domain_id_bits = 8;
  c.unit.pass_through = false;
  build(c);
  const SourceId no_root = SourceId::fromBdf(3, 0, 0);
  const SourceId bad_root = SourceId::fromBdf(4, 0, 0);
  const SourceId ctx_read = SourceId::fromBdf(5, 0, 0);
  const SourceId no_ctx = SourceId::fromBdf(0, 1, 0);
  const SourceId ctx_rsvd = SourceId::fromBdf(0, 2, 0);
  const SourceId did_rsvd = SourceId::fromBdf(0, 2, 1);
  const SourceId tt11 = SourceId::fromBdf(0, 3, 0);
  const SourceId tt01 = SourceId::fromBdf(0, 3, 1);
  const SourceId tt10 = SourceId::fromBdf(0, 3, 2);
  const SourceId aw_bad = SourceId::fromBdf(0, 3, 3);
  const uint64_t top = tables->newPage();
  sys->memory.write64(tables->rootEntryAddress(bad_root), tables->newPage() | 1 | (1ull << 5));
  sys->memory.write64(tables->rootEntryAddress(ctx_read), 0x2000'0000'0000ull | 1);  // < HAW, no memory
  tables->setContext(no_ctx, top, 4, 1, 0, false, /*present=*/false);
  tables->setContext(ctx_rsvd, top, 4, 1);
  sys->memory.write64(tables->contextEntryAddress(ctx_rsvd) + 8, (1ull << 7) | 2 | (1ull << 8));
  tables->setContext(did_rsvd, top, 4, 0x100);  // DID beyond the 8-bit ND width
  tables->setContext(tt11, top, 4, 1, 3);
  tables->setContext(tt01, top, 4, 1, 1);  // device-TLB type without ECAP.DT
  tables->setContext(tt10, top, 4, 1, 2);  // pass-through without ECAP.PT
  tables->setContext(aw_bad, top, 5, 1);   // AW=3 (57-bit) not in SAGAW {39,48}
  enableTranslation();
  EXPECT_EQ(dmaRead(no_root, 0).reason, FaultReason::RootNotPresent);
  EXPECT_EQ(dmaRead(bad_root, 0).reason, FaultReason::RootReserved);
  EXPECT_EQ(dmaRead(ctx_read, 0).reason, FaultReason::ContextReadError);
  EXPECT_EQ(dmaRead(no_ctx, 0).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(dmaRead(ctx_rsvd, 0).reason, FaultReason::ContextReserved);
  EXPECT_EQ(dmaRead(did_rsvd, 0).reason, FaultReason::ContextReserved);
  EXPECT_EQ(dmaRead(tt11, 0).reason, FaultReason::ContextInvalid);
  EXPECT_EQ(dmaRead(tt01, 0).reason, FaultReason::ContextInvalid);
  EXPECT_EQ(dmaRead(tt10, 0).reason, FaultReason::ContextInvalid);
  EXPECT_EQ(dmaRead(aw_bad, 0).reason, FaultReason::ContextInvalid);
}

// LRT.1: a root table outside memory faults 0x8 for every request.
TEST_F(Translation, RootReadError) {
  enableTranslation(0x3000'0000'0000ull);
  EXPECT_EQ(dmaRead(kDev, 0).reason, FaultReason::RootReadError);
}

// TT=10 with ECAP.PT: output = input; ATS requests are blocked by the context (0xD).
TEST_F(Translation, PassThroughContext) {
  tables->setContext(kDev, 0, 4, kDid, /*tt=*/2);
  enableTranslation();
  auto t = dmaWrite(kDev, 0x0123'4567);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t.translated);
  EXPECT_EQ(t.output, 0x0123'4567u);
  EXPECT_EQ(unit().stats().dma_pass_through, 1u);
  DmaRequest ats;
  ats.source = kDev;
  ats.address = 0x1000;
  ats.at = AddressType::Translated;
  EXPECT_EQ(unit().translate(ats).reason, FaultReason::TranslationTypeBlocked);
}

// Requests with a PASID in legacy mode fault 0x31; an unsupported TTM faults 0x30 (FS 3.3).
TEST_F(Translation, PasidAndTtmFaults) {
  attach(4);
  enableTranslation();
  DmaRequest r;
  r.source = kDev;
  r.pasid_present = true;
  r.pasid = 5;
  EXPECT_EQ(unit().translate(r).reason, FaultReason::PasidInLegacyMode);
  enableTranslation(tables->root(), /*ttm=*/1);  // scalable mode, not supported
  EXPECT_EQ(dmaRead(kDev, 0).reason, FaultReason::RootTableModeInvalid);
  enableTranslation(tables->root(), /*ttm=*/2);  // reserved
  EXPECT_EQ(dmaRead(kDev, 0).reason, FaultReason::RootTableModeInvalid);
}

// The IOTLB keeps a translation after the PTE changes, until invalidated (FS 6.11).
TEST_F(Translation, StaleIotlbEntryUntilInvalidated) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x7000, 0x10000, PageSize::Size4K);
  enableTranslation();
  ASSERT_EQ(dmaRead(kDev, 0x7000).output, 0x10000u);
  tables->map(top, 4, 0x7000, 0x20000, PageSize::Size4K);  // remap without invalidation
  EXPECT_EQ(dmaRead(kDev, 0x7000).output, 0x10000u) << "hardware keeps the cached translation";
  write64(ivaOffset(), 0x7000);                                            // AM = 0
  write64(iotlbRegOffset(), reg::iotlb::IVT | 3ull << 60 | uint64_t(kDid) << 32);  // PSI
  EXPECT_EQ(dmaRead(kDev, 0x7000).output, 0x20000u);
}

// The context cache keeps a context after the entry changes, until invalidated.
TEST_F(Translation, StaleContextEntryUntilInvalidated) {
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x7000, 0x10000, PageSize::Size4K);
  enableTranslation();
  ASSERT_TRUE(dmaRead(kDev, 0x7000).ok());
  tables->setContext(kDev, top, 4, kDid, 0, false, /*present=*/false);
  EXPECT_TRUE(dmaRead(kDev, 0x7000).ok()) << "cached context still used";
  write64(reg::CCMD, reg::ccmd::ICC | 3ull << 61 | uint64_t(kDev.value) << 16);  // device
  EXPECT_EQ(dmaRead(kDev, 0x7000).reason, FaultReason::ContextNotPresent);
}

// Domains share IOTLB entries: a second device in the same domain hits what the first
// filled (legacy IOTLB tags are DID + address, FS 6.3).
TEST_F(Translation, DevicesInOneDomainShareIotlbEntries) {
  const uint64_t top = attach(4);
  const SourceId other = SourceId::fromBdf(0, 5, 0);
  tables->setContext(other, top, 4, kDid);
  tables->map(top, 4, 0x7000, 0x10000, PageSize::Size4K);
  enableTranslation();
  ASSERT_TRUE(dmaRead(kDev, 0x7000).ok());
  EXPECT_EQ(dmaRead(other, 0x7000).cost.iotlb_hits, 1u);
}

// LRU replacement in a fully associative IOTLB: touching N+1 pages evicts the oldest.
TEST_F(Translation, IotlbCapacityAndEviction) {
  UnitConfig c;
  c.iotlb = CacheParams{4, 0, ReplacementPolicy::Lru, 1, 1, true};
  build(c);
  const uint64_t top = attach(4);
  for (uint64_t p = 0; p < 5; ++p) tables->map(top, 4, p << 12, 0x100000 + (p << 12), PageSize::Size4K);
  enableTranslation();
  for (uint64_t p = 0; p < 4; ++p) dmaRead(kDev, p << 12);
  EXPECT_EQ(unit().iotlb().validCount(), 4u);
  dmaRead(kDev, 0);                 // page 0 becomes most recent
  dmaRead(kDev, 4ull << 12);        // evicts page 1
  EXPECT_EQ(unit().stats().iotlb_eviction, 1u);
  EXPECT_EQ(dmaRead(kDev, 0).cost.iotlb_hits, 1u);
  EXPECT_EQ(dmaRead(kDev, 1ull << 12).cost.iotlb_hits, 0u);
}

// A disabled IOTLB misses every time and walks every time, with correct results; with the
// paging-structure caches off too, every walk reads all four levels.
TEST_F(Translation, DisabledCachesStillTranslate) {
  UnitConfig c;
  c.iotlb.enable = false;
  c.context_cache.enable = false;
  for (auto& level : c.psc.level) level.enable = false;
  build(c);
  const uint64_t top = attach(4);
  tables->map(top, 4, 0x7000, 0x10000, PageSize::Size4K);
  enableTranslation();
  for (int i = 0; i < 3; ++i) {
    auto t = dmaRead(kDev, 0x7004);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.output, 0x10004u);
    EXPECT_EQ(t.cost.walk_reads, 4u);
    EXPECT_EQ(t.cost.context_reads, 1u);
  }
  EXPECT_EQ(unit().stats().iotlb_fill, 0u) << "nothing is filled into a disabled cache";
  EXPECT_EQ(unit().stats().ctxt_cache_fill, 0u);
}

// CAP.ZLR (FS 2.1): a zero-length read may use a write-only page; without ZLR it needs R.
TEST_F(Translation, ZeroLengthReadOfWriteOnlyPageNeedsZlr) {
  for (bool zlr : {false, true}) {
    UnitConfig c;
    c.unit.zero_length_reads = zlr;
    build(c);
    const uint64_t top = attach(4);
    tables->map(top, 4, 0x3000, 0x30000, PageSize::Size4K, kPermWrite);
    enableTranslation();
    auto t = dma(kDev, 0x3000, AccessKind::Read, /*size=*/0);
    EXPECT_EQ(t.ok(), zlr) << "ZLR=" << zlr;
    if (!zlr) {
      EXPECT_EQ(t.reason, FaultReason::ReadNotPermitted);
    }
    EXPECT_EQ(dma(kDev, 0x3000, AccessKind::Read, 4).reason, FaultReason::ReadNotPermitted)
        << "non-zero reads still need R";
  }
}

// FS 8.1: the interrupt window is never DMA, whether translation is on or off; such a
// request is blocked without a fault record.
TEST_F(Translation, InterruptWindowIsNotDma) {
  auto off = dmaRead(kDev, 0xFEE0'0000);
  EXPECT_EQ(off.status, TranslationStatus::Blocked);
  const uint64_t top = attach(4);
  tables->map(top, 4, 0xFEE0'1000, 0x10000, PageSize::Size4K);  // even if the tables map it
  enableTranslation();
  auto on = dmaWrite(kDev, 0xFEE0'1000);
  EXPECT_EQ(on.status, TranslationStatus::Blocked);
  EXPECT_FALSE(on.fault_recorded);
  EXPECT_EQ(read32(reg::FSTS), 0u);
  EXPECT_EQ(unit().stats().dma_interrupt_window, 2u);
  EXPECT_TRUE(dmaWrite(kDev, 0xFED0'0000 - 4096).reason == FaultReason::WriteNotPermitted)
      << "just below the window is ordinary DMA";
}
}  // namespace
}  // namespace vtd::test
