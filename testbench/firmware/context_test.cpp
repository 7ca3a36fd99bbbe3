// Domains and context entries against the model (FS 4.1, 4.2, 9.E): entry encoding read
// back from memory, context tables per bus, pass-through, attach/detach errors, detach
// invalidation, domain-id allocation and exhaustion, width choice, domain isolation.
#include <gtest/gtest.h>

#include <stdexcept>

#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::ContextMode;
using fw::Perm;
using fw::Status;

// The raw 128-bit context entry of `sid`, found by walking the root table by hand.
std::pair<uint64_t, uint64_t> rawContext(FlatMemory& m, uint64_t root, uint16_t sid) {
  const uint64_t root_lo = m.read64(root + 16ull * (sid >> 8));
  if (!(root_lo & 1)) return {0, 0};
  const uint64_t slot = (root_lo & ~0xFFFull) + 16ull * (sid & 0xFF);
  return {m.read64(slot), m.read64(slot + 8)};
}

TEST_F(FirmwareTest, AttachWritesALegacyContextEntry) {
  fw::Domain& d = bringUpWithDomain(48);
  const auto [lo, hi] = rawContext(sys->memory, driver->rootTable(), kSid);
  EXPECT_EQ(lo & 1, 1u);                       // P
  EXPECT_EQ(lo & 2, 0u);                       // FPD
  EXPECT_EQ((lo >> 2) & 3, 0u);                // TT = 00
  EXPECT_EQ(lo & ~0xFFFull, d.rootTable());    // SLPTPTR
  EXPECT_EQ(hi & 7, 2u);                       // AW = 010: 48-bit, 4-level
  EXPECT_EQ((hi >> 8) & 0xFFFF, d.did());      // DID
  EXPECT_EQ(hi & ~0xFFFF07ull, 0u) << "reserved bits clear";
  EXPECT_EQ(d.did(), 1u) << "DID 0 is reserved";
  EXPECT_EQ(d.devices().count(kSid), 1u);
}

TEST_F(FirmwareTest, ContextTablesAreAllocatedPerBus) {
  fw::Domain& d = bringUpWithDomain();
  EXPECT_EQ(driver->stats().context_tables, 1u);
  ASSERT_TRUE(driver->attach(0x0008, d));  // same bus 0
  EXPECT_EQ(driver->stats().context_tables, 1u);
  const uint16_t other_bus = 0x2A10;  // 2a:02.0
  ASSERT_TRUE(driver->attach(other_bus, d));
  EXPECT_EQ(driver->stats().context_tables, 2u);
  ASSERT_TRUE(driver->map(d, 0x1000, 0x500000, 0x1000, Perm::ReadWrite));
  EXPECT_EQ(dmaRead(0x1000, other_bus).output, 0x500000u);
  EXPECT_EQ(dmaRead(0x1000, 0x0008).output, 0x500000u);
  EXPECT_EQ(dmaRead(0x1000, 0x2A11).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(dmaRead(0x1000, 0x2B10).reason, FaultReason::RootNotPresent);
}

TEST_F(FirmwareTest, PassThroughContext) {
  bringUp();
  fw::Domain& d = driver->createDomain(39);
  Status s = driver->attach(kSid, d, ContextMode::PassThrough);
  ASSERT_TRUE(s) << s.error;
  const auto [lo, hi] = rawContext(sys->memory, driver->rootTable(), kSid);
  EXPECT_EQ((lo >> 2) & 3, 2u);  // TT = 10
  EXPECT_EQ(hi & 7, 2u) << "AW must be the largest supported (48 bits), not the domain's";
  const Translation t = dmaWrite(0x1234'5678);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t.translated);
  EXPECT_EQ(t.output, 0x1234'5678u);
  EXPECT_EQ(sys->unit.stats().dma_pass_through, 1u);
}

TEST_F(FirmwareTest, PassThroughNeedsEcapPt) {
  UnitConfig config;
  config.unit.pass_through = false;
  build(config);
  bringUp();
  fw::Domain& d = driver->createDomain();
  const Status s = driver->attach(kSid, d, ContextMode::PassThrough);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("ECAP.PT"), std::string::npos);
  EXPECT_EQ(dmaRead(0x1000).reason, FaultReason::RootNotPresent) << "nothing was written";
}

TEST_F(FirmwareTest, AttachAndDetachErrors) {
  fw::Domain& d = bringUpWithDomain();
  fw::Domain& other = driver->createDomain();
  Status s = driver->attach(kSid, other);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("already attached"), std::string::npos);
  EXPECT_FALSE(driver->detach(kSid2));
  EXPECT_FALSE(driver->destroyDomain(d)) << "devices still attached";
  ASSERT_TRUE(driver->detach(kSid));
  EXPECT_FALSE(driver->detach(kSid));
  EXPECT_TRUE(driver->destroyDomain(d));
}

TEST_F(FirmwareTest, AttachBeforeEnableIsAnError) {
  ASSERT_TRUE(driver->probe());
  fw::Domain& d = driver->createDomain();
  EXPECT_FALSE(driver->attach(kSid, d));
}

TEST_F(FirmwareTest, DetachInvalidatesTheCachedContext) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x1000, 0x500000, 0x1000, Perm::ReadWrite));
  ASSERT_TRUE(dmaRead(0x1000).ok());  // context and translation are now cached
  ASSERT_EQ(sys->unit.stats().ctxt_cache_fill, 1u);
  ASSERT_TRUE(driver->detach(kSid));
  EXPECT_EQ(sys->unit.stats().inv_context_device, 1u);
  EXPECT_EQ(dmaRead(0x1000).reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(rawContext(sys->memory, driver->rootTable(), kSid).first, 0u);
  EXPECT_TRUE(d.devices().empty());
  // Re-attaching works and translates again.
  ASSERT_TRUE(driver->attach(kSid, d));
  EXPECT_EQ(dmaRead(0x1000).output, 0x500000u);
}

TEST_F(FirmwareTest, DomainIdsRunOutAtCapNd) {
  UnitConfig config;
  config.unit.domain_id_bits = 4;  // ND = 0: 16 ids, 0 reserved
  build(config);
  bringUp();
  std::vector<fw::Domain*> domains;
  for (int i = 0; i < 15; ++i) domains.push_back(&driver->createDomain(39));
  EXPECT_EQ(domains.front()->did(), 1u);
  EXPECT_EQ(domains.back()->did(), 15u);
  // The highest id fits the 4-bit DID field the unit checks (FS 2.1 ND).
  ASSERT_TRUE(driver->attach(kSid, *domains.back()));
  ASSERT_TRUE(driver->map(*domains.back(), 0x1000, 0x9000, 0x1000, Perm::Read));
  EXPECT_EQ(dmaRead(0x1000).output, 0x9000u);
  try {
    driver->createDomain(39);
    FAIL() << "the 16th domain must not get an id";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CAP.ND"), std::string::npos) << e.what();
  }
  // Freeing one makes its id available again.
  ASSERT_TRUE(driver->detach(kSid));
  ASSERT_TRUE(driver->destroyDomain(*domains[6]));
  EXPECT_EQ(driver->findDomain(7), nullptr);
  EXPECT_EQ(driver->createDomain(39).did(), 7u);
}

TEST_F(FirmwareTest, DomainWidthIsTheSmallestSagawCovering) {
  bringUp();  // default SAGAW: 39 and 48
  EXPECT_EQ(driver->createDomain(32).widthBits(), 39u);
  EXPECT_EQ(driver->createDomain(39).levels(), 3u);
  fw::Domain& d = driver->createDomain(40);
  EXPECT_EQ(d.width_bits(), 48u);
  EXPECT_EQ(d.levels(), 4u);
  EXPECT_THROW(driver->createDomain(50), std::runtime_error);
}

TEST_F(FirmwareTest, CreateDomainBeforeProbeThrows) {
  EXPECT_THROW(driver->createDomain(), std::logic_error);
}

TEST_F(FirmwareTest, DomainsAreIsolated) {
  fw::Domain& a = bringUpWithDomain();
  fw::Domain& b = driver->createDomain();
  ASSERT_TRUE(driver->attach(kSid2, b));
  ASSERT_TRUE(driver->map(a, 0x8000, 0x100000, 0x1000, Perm::ReadWrite));
  ASSERT_TRUE(driver->map(b, 0x8000, 0x200000, 0x1000, Perm::Read));
  EXPECT_EQ(dmaRead(0x8000, kSid).output, 0x100000u);
  EXPECT_EQ(dmaRead(0x8000, kSid2).output, 0x200000u);
  EXPECT_EQ(dmaWrite(0x8000, kSid2).reason, FaultReason::WriteNotPermitted);
  // Unmapping in one domain leaves the other's (cached) translation alone.
  ASSERT_TRUE(driver->unmap(a, 0x8000, 0x1000));
  EXPECT_EQ(dmaRead(0x8000, kSid).reason, FaultReason::ReadNotPermitted);
  EXPECT_EQ(dmaRead(0x8000, kSid2).output, 0x200000u);
}

TEST_F(FirmwareTest, DestroyDomainReturnsItsTables) {
  bringUp();
  const uint64_t pages = allocator->pagesInUse();
  fw::Domain& d = driver->createDomain();
  ASSERT_TRUE(driver->map(d, 0x1000, 0x1000, 0x1000, Perm::Read));
  ASSERT_TRUE(driver->map(d, 0x80'0000'0000, 0x2000, 0x1000, Perm::Read));
  EXPECT_EQ(allocator->pagesInUse(), pages + 7);
  ASSERT_TRUE(driver->destroyDomain(d));
  EXPECT_EQ(allocator->pagesInUse(), pages);
  EXPECT_EQ(driver->stats().page_table_pages, 0u);
}

}  // namespace
}  // namespace vtd::test
