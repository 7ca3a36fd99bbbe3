// Mappings against the model (FS 5.1, 6.11): DMA through mapped pages, permission and
// not-present faults, leaf-size choice, table contents, double maps, unmap with
// invalidation (and a stale IOTLB entry when the invalidation is left out), page-table
// reclaim, CAP.PSI/MAMV fallbacks, CAP.CM and ECAP.C.
#include <gtest/gtest.h>

#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::LeafSize;
using fw::Perm;
using fw::Status;

TEST_F(FirmwareTest, MappedDmaTranslatesReadAndWrite) {
  fw::Domain& d = bringUpWithDomain();
  Status s = driver->map(d, 0x10000, 0x200000, 0x4000, Perm::ReadWrite);
  ASSERT_TRUE(s) << s.error;
  Translation r = dmaRead(0x10123);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.translated);
  EXPECT_EQ(r.output, 0x200123u);
  EXPECT_EQ(r.page_size, PageSize::Size4K);
  Translation w = dmaWrite(0x13FF8);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.output, 0x203FF8u);
  // Just past the mapping: not present (FS 5.1: R=W=0), read -> 6, write -> 5.
  EXPECT_EQ(dmaRead(0x14000).reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(dmaWrite(0xF000).reason, FaultReason::WriteNotPermitted);
  EXPECT_EQ(driver->stats().maps, 1u);
  EXPECT_EQ(driver->stats().leaves_mapped[0], 4u);
}

TEST_F(FirmwareTest, PermissionsAreHonoured) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x1000, 0x100000, 0x1000, Perm::Read));
  ASSERT_TRUE(driver->map(d, 0x2000, 0x101000, 0x1000, Perm::Write));
  EXPECT_TRUE(dmaRead(0x1000).ok());
  EXPECT_EQ(dmaWrite(0x1000).reason, FaultReason::WriteNotPermitted);
  EXPECT_TRUE(dmaWrite(0x2000).ok());
  EXPECT_EQ(dmaRead(0x2000).reason, FaultReason::ReadNotPermitted);
  // The leaf entries say exactly R or W.
  EXPECT_EQ(d.lookup(0x1000)->entry & 3, spec::kPteR);
  EXPECT_EQ(d.lookup(0x2000)->entry & 3, spec::kPteW);
}

TEST_F(FirmwareTest, TwoMegabyteLeavesWhenAlignedAndAllowed) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x4000'0000, 0x8000'0000, 4ull << 20, Perm::ReadWrite, LeafSize::k2M));
  EXPECT_EQ(driver->stats().leaves_mapped[1], 2u);
  EXPECT_EQ(driver->stats().leaves_mapped[0], 0u);
  const Translation t = dmaRead(0x4030'1234);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.page_size, PageSize::Size2M);
  EXPECT_EQ(t.output, 0x8030'1234u);
  // In memory: a PDE with PS=1 holding the 2 MiB frame (FS 5.1).
  const auto leaf = d.lookup(0x4020'0000);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->size, LeafSize::k2M);
  EXPECT_TRUE(leaf->entry & spec::kPtePs);
  EXPECT_EQ(leaf->entry & ~0xFFFull, 0x8020'0000u);
}

TEST_F(FirmwareTest, OneGigabyteLeafWhenAlignedAndAllowed) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 1ull << 30, 3ull << 30, 1ull << 30, Perm::ReadWrite, LeafSize::k1G));
  EXPECT_EQ(driver->stats().leaves_mapped[2], 1u);
  const Translation t = dmaWrite((1ull << 30) + 0x2345'6789);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.page_size, PageSize::Size1G);
  EXPECT_EQ(t.output, (3ull << 30) + 0x2345'6789);
  const auto leaf = d.lookup(1ull << 30);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->size, LeafSize::k1G);
  EXPECT_TRUE(leaf->entry & spec::kPtePs);
  // Root (PML4) + one PDPT: no PD or PT was needed.
  EXPECT_EQ(driver->stats().page_table_pages, 2u);
}

TEST_F(FirmwareTest, MisalignmentFallsBackToSmallerLeaves) {
  fw::Domain& d = bringUpWithDomain();
  // IOVA 2 MiB aligned, physical only 4 KiB aligned: 4 KiB leaves only.
  ASSERT_TRUE(driver->map(d, 0x20'0000, 0x30'1000, 2ull << 20, Perm::ReadWrite, LeafSize::k2M));
  EXPECT_EQ(driver->stats().leaves_mapped[0], 512u);
  EXPECT_EQ(driver->stats().leaves_mapped[1], 0u);
  EXPECT_EQ(dmaRead(0x20'0000).page_size, PageSize::Size4K);
  // A range with an unaligned head and tail: 4 KiB, then 2 MiB, then 4 KiB.
  ASSERT_TRUE(driver->map(d, 0x5F'0000, 0x15F'0000, 0x22'0000, Perm::ReadWrite, LeafSize::k1G));
  EXPECT_EQ(driver->stats().leaves_mapped[0], 512u + 32u);
  EXPECT_EQ(driver->stats().leaves_mapped[1], 1u);
  EXPECT_EQ(dmaRead(0x60'0000).page_size, PageSize::Size2M);
  EXPECT_EQ(dmaRead(0x80'8000).output, 0x180'8000u);
  // max_leaf caps the size even when everything is aligned.
  ASSERT_TRUE(driver->map(d, 0x4000'0000, 0x4000'0000, 2ull << 20, Perm::Read, LeafSize::k4K));
  EXPECT_EQ(dmaRead(0x4000'0000).page_size, PageSize::Size4K);
}

TEST_F(FirmwareTest, SuperpagesOnlyWhereSllpsAllows) {
  UnitConfig config;
  config.unit.superpage_1g = false;
  build(config);
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 1ull << 30, 1ull << 30, 1ull << 30, Perm::ReadWrite, LeafSize::k1G));
  EXPECT_EQ(driver->stats().leaves_mapped[2], 0u);
  EXPECT_EQ(driver->stats().leaves_mapped[1], 512u);
  EXPECT_EQ(dmaRead((1ull << 30) + 0x1000).page_size, PageSize::Size2M);

  config.unit.superpage_2m = false;
  build(config);
  fw::Domain& d2 = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d2, 0x20'0000, 0x20'0000, 2ull << 20, Perm::ReadWrite, LeafSize::k1G));
  EXPECT_EQ(driver->stats().leaves_mapped[0], 512u);
  EXPECT_EQ(dmaRead(0x20'0000).page_size, PageSize::Size4K);
}

TEST_F(FirmwareTest, DoubleMapIsAnErrorAndChangesNothing) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x30'0000, 0x100'0000, 0x1000, Perm::ReadWrite));
  const uint64_t pages = allocator->pagesInUse();
  Status s = driver->map(d, 0x30'0000, 0x200'0000, 0x1000, Perm::ReadWrite);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("overlaps"), std::string::npos) << s.error;
  // A superpage request whose range contains the 4 KiB mapping is refused as a whole.
  s = driver->map(d, 0x20'0000, 0x200'0000, 2ull << 20, Perm::ReadWrite, LeafSize::k2M);
  EXPECT_FALSE(s);
  // And a 4 KiB map inside an existing superpage.
  ASSERT_TRUE(driver->map(d, 0x40'0000, 0x40'0000, 2ull << 20, Perm::ReadWrite, LeafSize::k2M));
  EXPECT_FALSE(driver->map(d, 0x41'0000, 0x900'0000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(dmaRead(0x30'0000).output, 0x100'0000u);
  EXPECT_EQ(dmaRead(0x41'0000).output, 0x41'0000u);
  EXPECT_EQ(allocator->pagesInUse(), pages);  // the 2 MiB leaf needed no new table
  EXPECT_EQ(driver->stats().maps, 2u);
}

TEST_F(FirmwareTest, MapOutsideTheDomainWidthIsAnError) {
  fw::Domain& d = bringUpWithDomain(39);
  ASSERT_EQ(d.widthBits(), 39u);
  EXPECT_FALSE(driver->map(d, (1ull << 39) - 0x1000, 0, 0x2000, Perm::Read));
  EXPECT_TRUE(driver->map(d, (1ull << 39) - 0x1000, 0, 0x1000, Perm::Read));
  EXPECT_FALSE(driver->map(d, 0x1000, 0x1000, 0x800, Perm::Read));  // not 4 KiB aligned
}

TEST_F(FirmwareTest, MgawBelowTheTableWidthLimitsMappings) {
  UnitConfig config;
  config.unit.sagaw_bits = {48};
  config.unit.mgaw_bits = 39;
  build(config);
  fw::Domain& d = bringUpWithDomain();
  ASSERT_EQ(d.levels(), 4u);
  EXPECT_FALSE(driver->map(d, 1ull << 39, 0x1000, 0x1000, Perm::Read)) << "beyond MGAW";
  ASSERT_TRUE(driver->map(d, (1ull << 39) - 0x1000, 0x1000, 0x1000, Perm::Read));
  EXPECT_TRUE(dmaRead((1ull << 39) - 0x1000).ok());
  // The unit refuses inputs above MGAW (FS 5.1: 0x4) and records FI without those bits
  // (FS 7.2).
  EXPECT_EQ(dmaRead((1ull << 40) + 0x3008).reason, FaultReason::AddressBeyondWidth);
  const auto records = driver->handleFaults();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].reason, 0x04);
  EXPECT_EQ(records[0].address, 0x3000u);
}

TEST_F(FirmwareTest, UnmapInvalidatesSoDmaFaults) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x2000, Perm::ReadWrite));
  ASSERT_TRUE(dmaRead(0x10000).ok());  // the translation is now in the IOTLB
  ASSERT_TRUE(dmaRead(0x11000).ok());
  const uint64_t page_inv = sys->unit.stats().inv_iotlb_page;
  Status s = driver->unmap(d, 0x10000, 0x1000);
  ASSERT_TRUE(s) << s.error;
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page, page_inv + 1);
  EXPECT_EQ(dmaRead(0x10000).reason, FaultReason::ReadNotPermitted);
  EXPECT_TRUE(dmaRead(0x11000).ok()) << "the neighbour stays mapped";
  EXPECT_EQ(driver->stats().unmaps, 1u);
  EXPECT_EQ(driver->stats().leaves_unmapped[0], 1u);
}

TEST_F(FirmwareTest, StaleIotlbEntryTranslatesUntilInvalidated) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  ASSERT_EQ(dmaRead(0x10000).output, 0x200000u);
  // Change the leaf behind the driver's back, as buggy software would, with no flush.
  const auto leaf = d.lookup(0x10000);
  ASSERT_TRUE(leaf);
  sys->memory.write64(leaf->entry_address, 0);
  const Translation stale = dmaRead(0x10000);
  ASSERT_TRUE(stale.ok()) << "hardware keeps using its cached translation";
  EXPECT_EQ(stale.output, 0x200000u);
  // The page-selective invalidation the driver would have issued drops it.
  ASSERT_TRUE(driver->flushIotlbPages(d.did(), 0x10000, 0, true));
  EXPECT_EQ(dmaRead(0x10000).reason, FaultReason::ReadNotPermitted);
}

TEST_F(FirmwareTest, UnmapFreesEmptyTablesAndRefusesSplits) {
  fw::Domain& d = bringUpWithDomain();
  const uint64_t base_pages = allocator->pagesInUse();
  const uint64_t base_tables = driver->stats().page_table_pages;
  ASSERT_TRUE(driver->map(d, 0x80'0000'0000, 0x100000, 0x3000, Perm::ReadWrite));
  EXPECT_EQ(driver->stats().page_table_pages, base_tables + 3);  // PDPT, PD, PT
  ASSERT_TRUE(driver->map(d, 0x20'0000, 0x20'0000, 2ull << 20, Perm::ReadWrite, LeafSize::k2M));
  ASSERT_EQ(dmaRead(0x2F'F000).page_size, PageSize::Size2M);  // a cached 2 MiB translation
  Status s = driver->unmap(d, 0x20'0000, 0x1000);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("split"), std::string::npos) << s.error;
  EXPECT_TRUE(dmaRead(0x20'0000).ok());
  EXPECT_FALSE(driver->unmap(d, 0x900'0000, 0x1000)) << "nothing mapped there";
  ASSERT_TRUE(driver->unmap(d, 0x80'0000'0000, 0x3000));
  ASSERT_TRUE(driver->unmap(d, 0x20'0000, 2ull << 20));
  EXPECT_EQ(driver->stats().leaves_unmapped[1], 1u);
  EXPECT_EQ(dmaRead(0x2F'F000).reason, FaultReason::ReadNotPermitted) << "2 MiB entry invalidated (AM = 9)";
  EXPECT_EQ(driver->stats().page_table_pages, base_tables);
  EXPECT_EQ(allocator->pagesInUse(), base_pages);
  for (uint64_t a = d.rootTable(); a < d.rootTable() + 4096; a += 8) ASSERT_EQ(mem64(a), 0u);
}

TEST_F(FirmwareTest, UnmapWithoutPsiUsesDomainInvalidation) {
  UnitConfig config;
  config.unit.page_selective_invalidation = false;
  build(config);
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  ASSERT_TRUE(dmaRead(0x10000).ok());
  ASSERT_TRUE(driver->unmap(d, 0x10000, 0x1000));
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page, 0u);
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page_as_domain, 0u) << "the driver must not ask";
  EXPECT_EQ(driver->stats().inv_iotlb_domain, 1u);
  EXPECT_EQ(dmaRead(0x10000).reason, FaultReason::ReadNotPermitted);
}

TEST_F(FirmwareTest, UnmapBeyondMamvUsesDomainInvalidation) {
  UnitConfig config;
  config.unit.max_address_mask = 2;  // at most 4 pages per page-selective request
  build(config);
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x4000, Perm::ReadWrite));
  ASSERT_TRUE(driver->map(d, 0x40000, 0x300000, 0x10000, Perm::ReadWrite));
  ASSERT_TRUE(driver->unmap(d, 0x10000, 0x4000));  // AM = 2: page-selective
  EXPECT_EQ(driver->stats().inv_iotlb_page, 1u);
  ASSERT_TRUE(driver->unmap(d, 0x40000, 0x10000));  // AM = 4 > MAMV: domain
  EXPECT_EQ(driver->stats().inv_iotlb_domain, 1u);
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page_as_domain, 0u);
}

TEST(AddressMask, CoversTheRangeWithOneAlignedBlock) {
  using fw::RegisterInvalidator;
  EXPECT_EQ(RegisterInvalidator::addressMaskFor(0x10000, 0x1000), 0u);
  EXPECT_EQ(RegisterInvalidator::addressMaskFor(0x10000, 0x4000), 2u);
  EXPECT_EQ(RegisterInvalidator::addressMaskFor(0x1F000, 0x2000), 6u);  // crosses 0x20000
  EXPECT_EQ(RegisterInvalidator::addressMaskFor(0x200000, 0x200000), 9u);
}

TEST_F(FirmwareTest, CachingModeInvalidatesOnMapAndAttach) {
  UnitConfig config;
  config.unit.caching_mode = true;
  build(config);
  bringUp();
  fw::Domain& d = driver->createDomain();
  ASSERT_TRUE(driver->attach(kSid, d));
  // FS 9.E.2: device-selective context invalidation with DID 0, then the domain's IOTLB.
  const auto ccmd = mmio->writesTo(spec::kCcmd);
  ASSERT_EQ(ccmd.size(), 2u);  // global at enable, then this one
  EXPECT_EQ((ccmd[1].value >> 61) & 3, 3u);
  EXPECT_EQ(ccmd[1].value & 0xFFFF, 0u);
  EXPECT_EQ((ccmd[1].value >> 16) & 0xFFFF, kSid);
  EXPECT_EQ(sys->unit.stats().inv_context_device, 1u);
  EXPECT_EQ(sys->unit.stats().inv_iotlb_domain, 1u);
  const uint64_t before = sys->unit.stats().inv_iotlb_page;
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page, before + 1);
  EXPECT_EQ(dmaRead(0x10000).output, 0x200000u);
}

TEST_F(FirmwareTest, WithoutCachingModeMapNeedsNoInvalidation) {
  fw::Domain& d = bringUpWithDomain();
  const auto writes = mmio->accesses.size();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(mmio->accesses.size(), writes) << "no register access for a plain map";
}

TEST_F(FirmwareTest, WriteBufferFlushAfterContextAndMapWithRwbf) {
  UnitConfig config;
  config.unit.write_buffer_flush = true;
  build(config);
  bringUp();
  const uint64_t at_enable = sys->unit.stats().write_buffer_flushes;
  fw::Domain& d = driver->createDomain();
  ASSERT_TRUE(driver->attach(kSid, d));  // FS 9.E.2: CM = 0, so WBF
  EXPECT_EQ(sys->unit.stats().write_buffer_flushes, at_enable + 1);
  ASSERT_TRUE(driver->map(d, 0x1000, 0x2000, 0x1000, Perm::Read));
  EXPECT_EQ(sys->unit.stats().write_buffer_flushes, at_enable + 2);
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page, 0u) << "no invalidation without CM";
  EXPECT_EQ(dmaRead(0x1000).output, 0x2000u);
}

TEST_F(FirmwareTest, NonCoherentWalkerGetsCacheFlushes) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(memory->flushes, 0u) << "ECAP.C = 1: no clflush";

  UnitConfig config;
  config.unit.coherent = false;
  build(config);
  fw::Domain& d2 = bringUpWithDomain();
  const uint64_t after_attach = memory->flushes;
  EXPECT_GT(after_attach, 0u);  // root table, context table, root entry, context entry
  ASSERT_TRUE(driver->map(d2, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));
  // Three new tables and three pointers to them, plus the leaf.
  EXPECT_EQ(memory->flushes - after_attach, 7u);
  EXPECT_EQ(driver->stats().cache_flushes, memory->flushes);
  EXPECT_EQ(dmaRead(0x10000).output, 0x200000u);
}

// 3-, 4- and 5-level domains: depth, context AW, and a translation near the top.
struct LevelCase {
  std::vector<uint32_t> sagaw;
  uint32_t mgaw;
  unsigned levels;
};
class LevelTest : public FirmwareTest, public ::testing::WithParamInterface<LevelCase> {};

TEST_P(LevelTest, TranslatesThroughEveryLevel) {
  UnitConfig config;
  config.unit.sagaw_bits = GetParam().sagaw;
  config.unit.mgaw_bits = GetParam().mgaw;
  build(config);
  bringUp();
  fw::Domain& d = driver->createDomain(GetParam().mgaw);
  ASSERT_EQ(d.levels(), GetParam().levels);
  ASSERT_TRUE(driver->attach(kSid, d));
  const auto ctx = driver->contextEntry(kSid);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->aw, GetParam().levels - 2);
  const uint64_t iova = (1ull << (GetParam().mgaw - 1)) + 0x5000;
  ASSERT_TRUE(driver->map(d, iova, 0x300000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(driver->stats().page_table_pages, GetParam().levels);
  const Translation t = dmaWrite(iova + 0x10);
  ASSERT_TRUE(t.ok()) << int(t.reason);
  EXPECT_EQ(t.output, 0x300010u);
  EXPECT_EQ(t.cost.walk_reads, GetParam().levels);
  EXPECT_EQ(dmaRead(iova + 0x1000).reason, FaultReason::ReadNotPermitted);
}

INSTANTIATE_TEST_SUITE_P(Widths, LevelTest,
                         ::testing::Values(LevelCase{{30}, 30, 2}, LevelCase{{39}, 39, 3}, LevelCase{{48}, 48, 4},
                                           LevelCase{{57}, 57, 5}, LevelCase{{39, 48, 57}, 57, 5}));

}  // namespace
}  // namespace vtd::test
