// Bring-up against the model (FS 9.A, 9.C, 9.D): final register state, the order of the
// writes, the one-command-per-write rule, CAP.RWBF, translation left on by earlier
// software, disable. Failure paths (timeouts, refused invalidations, capabilities the
// model does not offer) run against FakeUnit.
#include <gtest/gtest.h>

#include <algorithm>

#include "testbench/firmware/fake_unit.h"
#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::Status;

// Index of the first logged write to `offset` whose value has all of `bits`, or -1.
int firstWrite(const std::vector<LoggingMmio::Access>& log, uint32_t offset, uint64_t bits = 0) {
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i].write && log[i].offset == offset && (log[i].value & bits) == bits) return int(i);
  return -1;
}

TEST_F(FirmwareTest, EnableTurnsTranslationOnWithTheRootLatched) {
  bringUp();
  const uint32_t gsts = reg32(spec::kGsts);
  EXPECT_TRUE(gsts & spec::kTe) << "GSTS.TES";
  EXPECT_TRUE(gsts & spec::kRtps) << "GSTS.RTPS";
  const uint64_t root = driver->rootTable();
  EXPECT_NE(root, 0u);
  EXPECT_EQ(root % 4096, 0u);
  EXPECT_EQ(reg64(spec::kRtaddr), root);  // TTM = 00 (legacy)
  for (uint64_t a = root; a < root + 4096; a += 8) ASSERT_EQ(mem64(a), 0u) << "root table not zeroed";
  const UnitStats& u = sys->unit.stats();
  EXPECT_EQ(u.inv_context_global, 1u);
  EXPECT_EQ(u.inv_iotlb_global, 1u);
  EXPECT_EQ(u.gcmd_multiple_commands, 0u);
  EXPECT_EQ(u.te_enabled_without_root, 0u);
  EXPECT_TRUE(driver->enabled());
  EXPECT_EQ(sys->unit.registers().unknownAccesses(), 0u) << "driver touched a non-register";
  EXPECT_EQ(sys->unit.registers().refusedAccesses(), 0u);
  // With no context entries yet, any DMA is blocked at the root entry (FS 7.4, 0x1).
  EXPECT_EQ(dmaRead(0x1000).reason, FaultReason::RootNotPresent);
}

TEST_F(FirmwareTest, EnableFollowsLinuxOrder) {
  bringUp();
  const auto& log = mmio->accesses;
  const int rtaddr = firstWrite(log, spec::kRtaddr);
  const int srtp = firstWrite(log, spec::kGcmd, spec::kSrtp);
  const int ccmd = firstWrite(log, spec::kCcmd, 1ull << 63);
  const int iotlb = firstWrite(log, 0x500 + 8, 1ull << 63);  // default IRO*16 = 0x500
  const int te = firstWrite(log, spec::kGcmd, spec::kTe);
  ASSERT_GE(rtaddr, 0);
  EXPECT_LT(rtaddr, srtp);
  EXPECT_LT(srtp, ccmd);
  EXPECT_LT(ccmd, iotlb);
  EXPECT_LT(iotlb, te);
  // Global granularity in both (CIRG = 01 at 62:61, IIRG = 01 at 61:60), as 64-bit writes.
  EXPECT_EQ((log[ccmd].value >> 61) & 3, 1u);
  EXPECT_EQ(log[ccmd].size, 8u);
  EXPECT_EQ((log[iotlb].value >> 60) & 3, 1u);
  EXPECT_EQ(log[iotlb].size, 8u);
  // One command per GCMD write, and the SRTP write carries no TE.
  EXPECT_EQ(log[srtp].value, spec::kSrtp);
  EXPECT_EQ(log[te].value, spec::kTe);
  EXPECT_EQ(mmio->writesTo(spec::kGcmd).size(), 2u);
}

TEST_F(FirmwareTest, TranslationLeftOnIsSwitchedOffFirst) {
  // Earlier software (a previous kernel) left translation on with some other root.
  sys->unit.mmioWrite(spec::kRtaddr, 8, 0x2000);
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kSrtp);
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kTe);
  ASSERT_TRUE(reg32(spec::kGsts) & spec::kTe);
  bringUp();
  const auto gcmd = mmio->writesTo(spec::kGcmd);
  ASSERT_EQ(gcmd.size(), 3u);
  EXPECT_EQ(gcmd[0].value, 0u);            // TE cleared, nothing else
  EXPECT_EQ(gcmd[1].value, spec::kSrtp);   // shadow (now 0) | SRTP
  EXPECT_EQ(gcmd[2].value, spec::kTe);
  EXPECT_EQ(reg64(spec::kRtaddr), driver->rootTable());
  EXPECT_EQ(sys->unit.stats().gcmd_multiple_commands, 0u);
}

TEST_F(FirmwareTest, ProbeMirrorsTeIntoTheShadow) {
  // A one-shot command issued while TE is on must carry TE (the shadow rebuilt from GSTS
  // at probe), or the same write would switch translation off (FS 3.2, 9.A.3).
  UnitConfig config;
  config.unit.write_buffer_flush = true;
  build(config);
  sys->unit.mmioWrite(spec::kRtaddr, 8, 0x2000);
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kSrtp);
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kTe);
  ASSERT_TRUE(driver->probe());
  ASSERT_TRUE(driver->flushWriteBuffer());
  const auto gcmd = mmio->writesTo(spec::kGcmd);
  ASSERT_EQ(gcmd.size(), 1u);
  EXPECT_EQ(gcmd[0].value, spec::kTe | spec::kWbf);
  EXPECT_TRUE(reg32(spec::kGsts) & spec::kTe);
}

TEST_F(FirmwareTest, WriteBufferFlushWithRwbf) {
  UnitConfig config;
  config.unit.write_buffer_flush = true;
  build(config);
  bringUp();
  // FS 9.C.4 and 9.C.6: one before SRTP, one after the global invalidations.
  EXPECT_EQ(driver->stats().write_buffer_flushes, 2u);
  EXPECT_EQ(sys->unit.stats().write_buffer_flushes, 2u);
  const auto gcmd = mmio->writesTo(spec::kGcmd);
  ASSERT_EQ(gcmd.size(), 4u);
  EXPECT_EQ(gcmd[0].value, spec::kWbf);
  EXPECT_EQ(gcmd[1].value, spec::kSrtp);
  EXPECT_EQ(gcmd[2].value, spec::kWbf);
  EXPECT_EQ(gcmd[3].value, spec::kTe);
  // After TE, a WBF keeps TE set in the written value.
  ASSERT_TRUE(driver->flushWriteBuffer());
  EXPECT_EQ(mmio->writesTo(spec::kGcmd).back().value, spec::kTe | spec::kWbf);
  EXPECT_TRUE(reg32(spec::kGsts) & spec::kTe);
}

TEST_F(FirmwareTest, DisableTurnsTranslationOff) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x1000, 0x300000, 0x1000, fw::Perm::ReadWrite));
  EXPECT_EQ(dmaRead(0x1000).output, 0x300000u);
  ASSERT_TRUE(driver->disable());
  EXPECT_FALSE(reg32(spec::kGsts) & spec::kTe);
  const Translation t = dmaRead(0x1000);
  EXPECT_TRUE(t.ok());
  EXPECT_FALSE(t.translated);
  EXPECT_EQ(t.output, 0x1000u);
  // Re-enabling keeps the root table and its contexts.
  const uint64_t root = driver->rootTable();
  ASSERT_TRUE(driver->enable());
  EXPECT_EQ(driver->rootTable(), root);
  EXPECT_EQ(dmaRead(0x1000).output, 0x300000u);
}

TEST_F(FirmwareTest, EnableBeforeProbeIsAnError) {
  const Status s = driver->enable();
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("probe"), std::string::npos);
}

// --- FakeUnit: paths the model does not produce ---

class FakeUnitTest : public ::testing::Test {
 protected:
  FakeUnitTest() : flat(8 << 20), phys(flat), alloc(phys, 1 << 20, 4 << 20) {}
  fw::VtdDriver& make(fw::DriverOptions options = {}) {
    hal = std::make_unique<fw::Hal>(fw::Hal{fake, phys, clock});
    driver = std::make_unique<fw::VtdDriver>(*hal, alloc, options);
    return *driver;
  }
  FakeUnit fake;
  FlatMemory flat;
  DirectMemory phys;
  ManualClock clock;
  fw::PhysAllocator alloc;
  std::unique_ptr<fw::Hal> hal;
  std::unique_ptr<fw::VtdDriver> driver;
};

TEST_F(FakeUnitTest, RootPointerTimeoutIsAnErrorNotAHang) {
  fake.never_set = spec::kRtps;
  fw::DriverOptions options;
  options.poll_timeout_ns = 50'000;
  options.poll_interval_ns = 1'000;
  fw::VtdDriver& d = make(options);
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("GSTS.RTPS"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("SRTP"), std::string::npos) << s.error;
  EXPECT_GE(clock.nowNs(), 50'000u);
  EXPECT_LT(clock.nowNs(), 60'000u);
  EXPECT_EQ(d.stats().poll_timeouts, 1u);
  EXPECT_FALSE(d.enabled());
  EXPECT_TRUE(fake.writesTo(0x28).empty()) << "no invalidation after a failed SRTP";
}

TEST_F(FakeUnitTest, TranslationEnableTimeoutNamesTes) {
  fake.never_set = spec::kTe;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("GSTS.TES"), std::string::npos) << s.error;
}

TEST_F(FakeUnitTest, StuckWriteBufferFlushTimesOut) {
  fake.cap |= 1ull << 4;  // RWBF
  fake.wbf_stuck = true;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("GSTS.WBFS = 0"), std::string::npos) << s.error;
}

TEST_F(FakeUnitTest, StuckContextInvalidationTimesOut) {
  fake.icc_stuck = true;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("CCMD.ICC"), std::string::npos) << s.error;
}

TEST_F(FakeUnitTest, RefusedIotlbInvalidationIsAnError) {
  fake.iaig = 0;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("IAIG = 0"), std::string::npos) << s.error;
}

TEST_F(FakeUnitTest, CoarserGranularityIsAcceptedAndCounted) {
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  ASSERT_TRUE(d.enable());
  fake.caig = 1;  // hardware does global whatever was asked
  fake.iaig = 2;  // and domain-selective for page requests
  EXPECT_TRUE(d.flushContextDomain(5));
  EXPECT_TRUE(d.flushIotlbPages(5, 0x10000, 4, false));
  EXPECT_EQ(d.stats().inv_coarser, 2u);
  fake.iaig = 3;  // finer than a domain request: the hardware is wrong
  EXPECT_FALSE(d.flushIotlbDomain(5));
}

TEST_F(FakeUnitTest, EsrtpsSkipsTheGlobalFlushes) {
  fake.cap |= 1ull << 63;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  ASSERT_TRUE(d.enable());
  EXPECT_TRUE(fake.writesTo(0x28).empty());
  EXPECT_TRUE(fake.writesTo(FakeUnit::kIotlbReg).empty());
}

TEST_F(FakeUnitTest, ProtectedMemoryIsDisabledAfterTe) {
  fake.cap |= 1ull << 5;  // PLMR
  fake.regs[0x64] = (1u << 31) | 1;  // firmware left EPM on
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  ASSERT_TRUE(d.enable());
  EXPECT_EQ(fake.regs[0x64], 0u);
}

TEST_F(FakeUnitTest, PageInvalidationWritesIvaThenIotlb) {
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  ASSERT_TRUE(d.flushIotlbPages(7, 0x40000, 2, true));
  const auto iva = fake.writesTo(0x500);
  const auto iotlb = fake.writesTo(FakeUnit::kIotlbReg);
  ASSERT_EQ(iva.size(), 1u);
  ASSERT_EQ(iotlb.size(), 1u);
  EXPECT_EQ(iva[0], 0x40000u | 1u << 6 | 2u);  // ADDR | IH | AM
  // IVT | IIRG=11 | DID 7 | DW | DR (the fake advertises DWD and DRD).
  EXPECT_EQ(iotlb[0], 1ull << 63 | 3ull << 60 | 7ull << 32 | 1ull << 48 | 1ull << 49);
  // The address must be aligned to 2^AM pages.
  EXPECT_FALSE(d.flushIotlbPages(7, 0x41000, 2, false));
  // Beyond MAMV (18): domain-selective instead.
  ASSERT_TRUE(d.flushIotlbPages(7, 0, 20, false));
  EXPECT_EQ((fake.writesTo(FakeUnit::kIotlbReg).back() >> 60) & 3, 2u);
}

TEST_F(FakeUnitTest, QueueLeftOnIsDrainedAndSwitchedOff) {
  fake.ecap |= 1ull << 1;      // QI
  fake.gsts = 1u << 26;        // QIES: earlier software left the queue running
  fake.regs[0x88] = 0x40;      // IQT
  fake.regs[0x80] = 0x40;      // IQH: everything fetched
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  ASSERT_TRUE(d.enable());
  const auto gcmd = fake.writesTo(0x18);
  ASSERT_GE(gcmd.size(), 1u);
  EXPECT_EQ(gcmd[0], 0u) << "QIE cleared first";
  EXPECT_EQ(fake.gsts & (1u << 26), 0u);
  EXPECT_FALSE(fake.writesTo(0x28).empty()) << "then register-based invalidation";
  for (uint64_t v : gcmd) EXPECT_EQ(v & (1u << 26), 0u) << "QIE never written back";
}

TEST_F(FakeUnitTest, QueueThatNeverDrainsTimesOut) {
  fake.ecap |= 1ull << 1;
  fake.gsts = 1u << 26;
  fake.regs[0x88] = 0x40;
  fake.regs[0x80] = 0x20;
  fw::VtdDriver& d = make();
  ASSERT_TRUE(d.probe());
  const Status s = d.enable();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("IQH = IQT"), std::string::npos) << s.error;
}

TEST_F(FakeUnitTest, UnusableUnitsFailProbe) {
  fake.ver = 0x60;  // register-based invalidation gone, and no QI support here
  Status s = make().probe();
  EXPECT_FALSE(s);
  fake.ver = 0x10;
  fake.cap |= 7;  // ND reserved
  s = make().probe();
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("CAP.ND"), std::string::npos);
}

}  // namespace
}  // namespace vtd::test
