// Register-based invalidation (FS 6.11): CCMD granularities and function masks, IOTLB_REG
// with IVA (global, domain, page-selective with AM, superpage overlap), the actual
// granularity reported in CAIG/IAIG, and commands that trigger only on the upper dword.
#include <gtest/gtest.h>

#include <set>

#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

class Invalidation : public UnitTest {
 protected:
  // Devices 00:01.0-00:01.7 and 00:02.0 in domains 1 and 2; pages 0..15 mapped in both.
  void SetUp() override { setUpWith(UnitConfig{}); }
  void setUpWith(const UnitConfig& c) {
    build(c);
    top1_ = tables->newPage();
    top2_ = tables->newPage();
    for (unsigned fn = 0; fn < 8; ++fn) tables->setContext(SourceId::fromBdf(0, 1, fn), top1_, 4, 1);
    tables->setContext(SourceId::fromBdf(0, 2, 0), top2_, 4, 2);
    for (uint64_t p = 0; p < 16; ++p) {
      tables->map(top1_, 4, p << 12, 0x100000 + (p << 12), PageSize::Size4K);
      tables->map(top2_, 4, p << 12, 0x200000 + (p << 12), PageSize::Size4K);
    }
    tables->map(top1_, 4, 0x4000'0000, 0x0040'0000, PageSize::Size2M);
    enableTranslation();
  }
  void warm() {
    for (unsigned fn = 0; fn < 8; ++fn) dmaRead(SourceId::fromBdf(0, 1, fn), 0);
    dmaRead(SourceId::fromBdf(0, 2, 0), 0);
    for (uint64_t p = 0; p < 16; ++p) {
      dmaRead(SourceId::fromBdf(0, 1, 0), p << 12);
      dmaRead(SourceId::fromBdf(0, 2, 0), p << 12);
    }
    dmaRead(SourceId::fromBdf(0, 1, 0), 0x4000'0000);
  }
  uint64_t ccmd(unsigned cirg, uint16_t did = 0, uint16_t sid = 0, unsigned fm = 0) {
    write64(CCMD, ccmd::ICC | uint64_t(cirg) << 61 | uint64_t(fm) << 32 | uint64_t(sid) << 16 | did);
    return read64(CCMD);
  }
  uint64_t iotlbInv(unsigned iirg, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0, bool ih = false) {
    write64(ivaOffset(), addr | (ih ? iva::IH : 0) | am);
    write64(iotlbRegOffset(), iotlb::IVT | uint64_t(iirg) << 60 | uint64_t(did) << 32);
    return read64(iotlbRegOffset());
  }
  std::set<uint64_t> cachedPages(uint16_t did) {
    std::set<uint64_t> pages;
    unit().iotlb().forEachValid([&](uint64_t page, const IotlbEntry& e) {
      if (e.did == did) pages.insert(page);
    });
    return pages;
  }
  uint64_t top1_ = 0, top2_ = 0;
};

TEST_F(Invalidation, ContextGlobal) {
  warm();
  ASSERT_EQ(unit().contextCache().validCount(), 9u);
  const uint64_t v = ccmd(kGranGlobal);
  EXPECT_FALSE(v & ccmd::ICC);
  EXPECT_EQ(getBits(v, 60, 59), uint64_t(kGranGlobal));
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
  EXPECT_EQ(unit().iotlb().validCount(), 33u) << "context invalidation leaves the IOTLB";
}

TEST_F(Invalidation, ContextDomain) {
  warm();
  EXPECT_EQ(getBits(ccmd(kGranDomain, 2), 60, 59), uint64_t(kGranDomain));
  EXPECT_EQ(unit().contextCache().validCount(), 8u);
}

// FM: 0 compares the whole SID; 1/2/3 ignore function bits 2, 2:1, 2:0 (FS 6.2).
TEST_F(Invalidation, ContextDeviceWithFunctionMask) {
  const struct { unsigned fm; uint32_t removed; } cases[] = {{0, 1}, {1, 2}, {2, 4}, {3, 8}};
  for (auto c : cases) {
    warm();
    const uint16_t sid = SourceId::fromBdf(0, 1, 0).value;
    EXPECT_EQ(getBits(ccmd(kGranSelective, 1, sid, c.fm), 60, 59), uint64_t(kGranSelective));
    EXPECT_EQ(unit().contextCache().validCount(), 9u - c.removed) << "FM=" << c.fm;
    ccmd(kGranGlobal);
  }
}

TEST_F(Invalidation, IotlbGlobalAndDomain) {
  warm();
  EXPECT_EQ(getBits(iotlbInv(kGranDomain, 2), 58, 57), uint64_t(kGranDomain));
  EXPECT_TRUE(cachedPages(2).empty());
  EXPECT_EQ(cachedPages(1).size(), 17u);
  EXPECT_EQ(getBits(iotlbInv(kGranGlobal), 58, 57), uint64_t(kGranGlobal));
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
  EXPECT_EQ(unit().contextCache().validCount(), 9u) << "IOTLB invalidation leaves contexts";
}

// Page-selective: 2^AM pages from ADDR (aligned), only in the given domain (FS 6.3).
TEST_F(Invalidation, IotlbPageSelectiveWithAddressMask) {
  warm();
  EXPECT_EQ(getBits(iotlbInv(kGranSelective, 1, 0x4000, 2), 58, 57), uint64_t(kGranSelective));
  std::set<uint64_t> left = cachedPages(1);
  for (uint64_t p = 4; p < 8; ++p) EXPECT_EQ(left.count(p << 12), 0u) << p;
  EXPECT_EQ(left.count(0x3000), 1u);
  EXPECT_EQ(left.count(0x8000), 1u);
  EXPECT_EQ(cachedPages(2).size(), 16u) << "other domain untouched";
  // Unaligned ADDR: the bits below the mask are ignored.
  iotlbInv(kGranSelective, 1, 0x9000, 1);  // covers 0x8000-0x9FFF
  left = cachedPages(1);
  EXPECT_EQ(left.count(0x8000), 0u);
  EXPECT_EQ(left.count(0x9000), 0u);
  EXPECT_EQ(left.count(0xA000), 1u);
}

// A 4 KiB page-selective invalidation inside a 2 MiB entry removes the whole entry.
TEST_F(Invalidation, PageSelectiveHitsOverlappingSuperpage) {
  warm();
  ASSERT_EQ(cachedPages(1).count(0x4000'0000), 1u);
  iotlbInv(kGranSelective, 1, 0x4000'0000 + 0x5'6000, 0);
  EXPECT_EQ(cachedPages(1).count(0x4000'0000), 0u);
}

// AM beyond MAMV, or no PSI: performed as domain-selective and reported so (IAIG=2).
TEST_F(Invalidation, PageSelectiveFallsBackToDomain) {
  warm();
  EXPECT_EQ(getBits(iotlbInv(kGranSelective, 1, 0, 19), 58, 57), uint64_t(kGranDomain));
  EXPECT_TRUE(cachedPages(1).empty());
  UnitConfig c;
  c.unit.page_selective_invalidation = false;
  setUpWith(c);
  warm();
  EXPECT_EQ(getBits(iotlbInv(kGranSelective, 2, 0, 0), 58, 57), uint64_t(kGranDomain));
  EXPECT_TRUE(cachedPages(2).empty());
  EXPECT_EQ(unit().stats().inv_iotlb_page_as_domain, 1u);
}

// Reserved granularity (00): nothing happens and the actual granularity reads 0.
TEST_F(Invalidation, ReservedGranularityReportsZero) {
  warm();
  EXPECT_EQ(getBits(ccmd(kGranReserved), 60, 59), 0u);
  EXPECT_EQ(getBits(iotlbInv(kGranReserved), 58, 57), 0u);
  EXPECT_EQ(unit().contextCache().validCount(), 9u);
  EXPECT_EQ(unit().iotlb().validCount(), 33u);
  EXPECT_EQ(unit().stats().inv_rejected, 2u);
}

// The trigger bit is in the upper dword: a low-dword write alone starts nothing, the
// upper-dword write that follows does (FS 1.3, lo-hi pairs on 32-bit kernels).
TEST_F(Invalidation, CommandRunsOnUpperDwordWrite) {
  warm();
  write32(CCMD, 0);
  EXPECT_EQ(unit().contextCache().validCount(), 9u);
  write32(CCMD + 4, uint32_t((ccmd::ICC | uint64_t(kGranGlobal) << 61) >> 32));
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
  EXPECT_FALSE(read64(CCMD) & ccmd::ICC);
  write32(iotlbRegOffset() + 4, uint32_t((iotlb::IVT | uint64_t(kGranGlobal) << 60) >> 32));
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
}

// An address mask covering the whole address space (AM >= 52, allowed when MAMV is that
// large) removes every entry of the domain: the range saturates instead of wrapping.
TEST_F(Invalidation, HugeAddressMaskCoversTheWholeDomain) {
  UnitConfig c;
  c.unit.max_address_mask = 63;
  setUpWith(c);
  warm();
  EXPECT_EQ(getBits(iotlbInv(kGranSelective, 1, 0, 63), 58, 57), uint64_t(kGranSelective));
  EXPECT_TRUE(cachedPages(1).empty());
  EXPECT_EQ(cachedPages(2).size(), 16u);
}
}  // namespace
}  // namespace vtd::test
