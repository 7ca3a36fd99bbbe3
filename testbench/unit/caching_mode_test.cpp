// Caching mode (CAP.CM, VT-d 3.x 6.1 and 6.2.1; FS 2.1 CM, 9.E.2): with CM=1 the unit caches
// not-present and erroneous entries, so a request keeps faulting after software made the
// entry valid until software invalidates: a negative IOTLB entry (not-present or
// reserved-bit paging entry, tagged with the context's DID) until a page-selective or
// wider IOTLB invalidation, a negative context-cache entry (not-present or erroneous
// root/context entry, tagged DID 0) until a device-selective, DID-0 domain-selective or
// global context-cache invalidation. With CM=0 nothing negative is cached.
#include <gtest/gtest.h>

#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);
constexpr uint16_t kDid = 7;

class CachingMode : public UnitTest {
 protected:
  void setUp(bool cm) {
    UnitConfig c;
    c.unit.caching_mode = cm;
    build(c);
    top_ = tables->newPage();
    tables->setContext(kDev, top_, 4, kDid);
    tables->map(top_, 4, 0x0, 0x0200'0000, PageSize::Size4K);  // builds the tables
    enableTranslation();
  }
  uint64_t iotlbInv(unsigned iirg, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0, bool ih = false) {
    write64(ivaOffset(), addr | (ih ? iva::IH : 0) | am);
    write64(iotlbRegOffset(), iotlb::IVT | uint64_t(iirg) << 60 | uint64_t(did) << 32);
    return read64(iotlbRegOffset());
  }
  void ccmd(unsigned cirg, uint16_t did = 0, uint16_t sid = 0) {
    write64(CCMD, ccmd::ICC | uint64_t(cirg) << 61 | uint64_t(sid) << 16 | did);
  }
  uint64_t pte(uint64_t iova) { return tables->entryAddress(top_, 4, iova, 1); }
  uint64_t top_ = 0;
};

// CM=0: the not-present PTE is not cached; mapping it is enough (FS 2.1: no invalidation
// needed for not-present -> present without CM).
TEST_F(CachingMode, WithoutCmNothingNegativeIsCached) {
  setUp(false);
  EXPECT_EQ(dmaRead(kDev, 0x5000).reason, FaultReason::ReadNotPermitted);
  sys->memory.write64(pte(0x5000), 0x0200'5000 | kPermRW);
  const Translation t = dmaRead(kDev, 0x5000);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.output, 0x0200'5000u);
  EXPECT_EQ(unit().stats().iotlb_negative_fill, 0u);
  EXPECT_EQ(unit().stats().iotlb_negative_hit, 0u);
}

// CM=1: the fault is cached for the page; each access reports its own permission fault
// (6 read, 5 write), without a walk; only the page's invalidation (as Linux issues on map
// with CM=1: page-selective, IH=0) makes the new mapping visible.
TEST_F(CachingMode, NotPresentLeafIsCachedUntilPageSelectiveInvalidation) {
  setUp(true);
  EXPECT_EQ(dmaRead(kDev, 0x5000).reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(unit().stats().iotlb_negative_fill, 1u);
  sys->memory.write64(pte(0x5000), 0x0200'5000 | kPermRW);
  const Translation r = dmaRead(kDev, 0x5000);
  EXPECT_EQ(r.reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(r.cost.walk_reads, 0u);
  EXPECT_EQ(r.cost.iotlb_hits, 1u);
  EXPECT_EQ(dmaWrite(kDev, 0x5000).reason, FaultReason::WriteNotPermitted);
  EXPECT_EQ(unit().stats().iotlb_negative_hit, 2u);
  EXPECT_TRUE(dmaRead(kDev, 0x6000).reason == FaultReason::ReadNotPermitted) << "a neighbour walks itself";
  iotlbInv(kGranSelective, kDid + 1, 0x5000, 0);  // another domain: no effect
  EXPECT_EQ(dmaRead(kDev, 0x5000).reason, FaultReason::ReadNotPermitted);
  iotlbInv(kGranSelective, kDid, 0x5000, 0);
  const Translation ok = dmaWrite(kDev, 0x5000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.output, 0x0200'5000u);
}

// A not-present entry higher up (here the PDE of another 2 MiB region) is cached the same
// way, per 4 KiB page; a domain-selective invalidation clears it too.
TEST_F(CachingMode, NotPresentNonLeafIsCachedUntilDomainInvalidation) {
  setUp(true);
  EXPECT_EQ(dmaWrite(kDev, 0x40'0000).reason, FaultReason::WriteNotPermitted);
  tables->map(top_, 4, 0x40'0000, 0x0300'0000, PageSize::Size4K);
  EXPECT_EQ(dmaWrite(kDev, 0x40'0000).reason, FaultReason::WriteNotPermitted);
  iotlbInv(kGranDomain, kDid);
  EXPECT_TRUE(dmaWrite(kDev, 0x40'0000).ok());
}

// An erroneous (reserved-bit) PTE is cached too and keeps giving 0xC after it is fixed;
// a page-selective invalidation with IH=1 removes it (it is a leaf entry).
TEST_F(CachingMode, ReservedBitEntryIsCached) {
  setUp(true);
  sys->memory.write64(pte(0x0), 0x0200'0000 | kPermRW | (1ull << 62));  // TM without DT
  EXPECT_EQ(dmaRead(kDev, 0x0).reason, FaultReason::PagingEntryReserved);
  sys->memory.write64(pte(0x0), 0x0200'0000 | kPermRW);
  EXPECT_EQ(dmaWrite(kDev, 0x0).reason, FaultReason::PagingEntryReserved);
  iotlbInv(kGranSelective, kDid, 0x0, 0, /*ih=*/true);
  EXPECT_TRUE(dmaWrite(kDev, 0x0).ok());
}

// Read errors are not entries: never cached.
TEST_F(CachingMode, ReadErrorsAreNotCached) {
  setUp(true);
  sys->memory.write64(tables->entryAddress(top_, 4, 0x0, 2), (1ull << 40) | kPermRW);  // PT outside memory
  EXPECT_EQ(dmaRead(kDev, 0x7000).reason, FaultReason::PagingEntryReadError);
  EXPECT_EQ(unit().stats().iotlb_negative_fill, 0u);
}

// CM=1, context: a not-present context entry is cached with DID 0; making it present is
// not seen until a context-cache invalidation (Linux: device-selective with DID 0, FS
// 9.E.2). A domain-selective invalidation of another DID does not reach it; DID 0 does.
TEST_F(CachingMode, NotPresentContextIsCachedWithDidZero) {
  setUp(true);
  constexpr SourceId kNew = SourceId::fromBdf(0, 6, 0);
  tables->setContext(kNew, top_, 4, kDid, 0, false, /*present=*/false);
  EXPECT_EQ(dmaRead(kNew, 0x0).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(unit().stats().ctxt_cache_negative_fill, 1u);
  bool negative_seen = false;
  unit().contextCache().forEachValid([&](SourceId sid, const ContextInfo& c) {
    if (sid.value == kNew.value) negative_seen = c.negative == FaultReason::ContextNotPresent && c.did == 0;
  });
  EXPECT_TRUE(negative_seen);
  tables->setContext(kNew, top_, 4, kDid);
  const Translation t = dmaRead(kNew, 0x0);
  EXPECT_EQ(t.reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(t.cost.context_reads, 0u) << "served from the context cache";
  EXPECT_EQ(unit().stats().ctxt_cache_negative_hit, 1u);
  ccmd(kGranDomain, kDid);
  EXPECT_EQ(dmaRead(kNew, 0x0).reason, FaultReason::ContextNotPresent);
  ccmd(kGranDomain, 0);
  EXPECT_TRUE(dmaRead(kNew, 0x0).ok());
  // The same with the device-selective form Linux uses.
  constexpr SourceId kOther = SourceId::fromBdf(0, 7, 0);
  tables->setContext(kOther, top_, 4, kDid, 0, false, /*present=*/false);
  EXPECT_FALSE(dmaRead(kOther, 0x0).ok());
  tables->setContext(kOther, top_, 4, kDid);
  EXPECT_FALSE(dmaRead(kOther, 0x0).ok());
  ccmd(kGranSelective, 0, kOther.value);
  EXPECT_TRUE(dmaRead(kOther, 0x0).ok());
}

// A not-present root entry (a whole bus) is cached per source id.
TEST_F(CachingMode, NotPresentRootIsCached) {
  setUp(true);
  constexpr SourceId kBus3 = SourceId::fromBdf(3, 0, 0);
  EXPECT_EQ(dmaRead(kBus3, 0x0).reason, FaultReason::RootNotPresent);
  tables->setContext(kBus3, top_, 4, kDid);  // creates the root entry and context table
  EXPECT_EQ(dmaRead(kBus3, 0x0).reason, FaultReason::RootNotPresent);
  ccmd(kGranGlobal);
  EXPECT_TRUE(dmaRead(kBus3, 0x0).ok());
}

// CM=0: a context that becomes present is used at once (no negative entry).
TEST_F(CachingMode, WithoutCmContextIsReadAgain) {
  setUp(false);
  constexpr SourceId kNew = SourceId::fromBdf(0, 6, 0);
  tables->setContext(kNew, top_, 4, kDid, 0, false, /*present=*/false);
  EXPECT_EQ(dmaRead(kNew, 0x0).reason, FaultReason::ContextNotPresent);
  tables->setContext(kNew, top_, 4, kDid);
  EXPECT_TRUE(dmaRead(kNew, 0x0).ok());
  EXPECT_EQ(unit().stats().ctxt_cache_negative_fill, 0u);
}

}  // namespace
}  // namespace vtd::test
