// The driver against a caching-mode unit (CAP.CM, VT-d 3.x 6.1; FS 2.1 CM, 9.E.2): the unit
// caches the faults of not-present entries, and the invalidations the driver issues with
// CM=1 (page-selective on map, device-selective with DID 0 plus the domain's IOTLB on
// attach) are exactly what makes new mappings and contexts visible.
#include <gtest/gtest.h>

#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::Perm;

TEST_F(FirmwareTest, CachingModeFaultsStayCachedUntilTheDriverInvalidates) {
  UnitConfig config;
  config.unit.caching_mode = true;
  build(config);
  bringUp();
  fw::Domain& d = driver->createDomain();
  ASSERT_TRUE(driver->attach(kSid, d));
  // DMA before the map: the not-present entry is cached (a negative IOTLB entry).
  EXPECT_EQ(dmaRead(0x10000).reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(sys->unit.stats().iotlb_negative_fill, 1u);
  EXPECT_EQ(dmaRead(0x10000).reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(sys->unit.stats().iotlb_negative_hit, 1u);
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, Perm::ReadWrite));  // + page-selective
  EXPECT_EQ(dmaRead(0x10000).output, 0x200000u);
  // A device not attached yet: its not-present context is cached with DID 0; attach's
  // device-selective invalidation removes it.
  EXPECT_EQ(dmaRead(0x10000, kSid2).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(sys->unit.stats().ctxt_cache_negative_fill, 1u);
  EXPECT_EQ(dmaRead(0x10000, kSid2).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(sys->unit.stats().ctxt_cache_negative_hit, 1u);
  ASSERT_TRUE(driver->attach(kSid2, d));
  const Translation t = dmaRead(0x10000, kSid2);
  ASSERT_TRUE(t.ok()) << faultReasonName(t.reason);
  EXPECT_EQ(t.output, 0x200000u);
}

}  // namespace
}  // namespace vtd::test
