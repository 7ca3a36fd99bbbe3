// Interrupt-remapping bring-up against the model (FS 3.1-3.2, 8.1-8.2, 9.B): the table and
// IRTA (S, EIME), the Linux order IRTA -> SIRTP -> global IEC invalidation -> IRE -> CFI
// clear, one command per GCMD write with the shadow kept, refusal without the queue or
// ECAP.IR, state left by earlier software, CAP.ESIRTPS (FakeUnit).
#include <gtest/gtest.h>

#include <string>

#include "testbench/firmware/fake_unit.h"
#include "testbench/firmware/ir_fixture.h"

namespace vtd::test {
namespace {

using fw::Status;

int firstGcmdWith(const std::vector<LoggingMmio::Access>& log, uint32_t bits, size_t from = 0) {
  for (size_t i = from; i < log.size(); ++i)
    if (log[i].write && log[i].offset == spec::kGcmd && (log[i].value & bits) == bits)
      return int(i);
  return -1;
}

// FS 8.2, 9.B.1, 9.B.4: a zeroed, 4 KiB-aligned table of 2^(S+1) entries, S = 15 by default
// (Linux), latched by SIRTP; IRTPS and IRES set, CFIS clear.
TEST_F(IrFirmwareTest, EnableProgramsIrtaAndLatchesTheTable) {
  bringUpIr();
  const uint64_t table = ir().table();
  ASSERT_NE(table, 0u);
  EXPECT_EQ(table % 4096, 0u);
  EXPECT_EQ(reg64(irspec::kIrta), table | 0xF) << "base | EIME 0 | S 15";
  EXPECT_EQ(ir().entries(), 65536u);
  for (uint64_t a = table; a < table + (1u << 20); a += 4096) ASSERT_EQ(mem64(a), 0u);
  const uint32_t gsts = reg32(spec::kGsts);
  EXPECT_TRUE(gsts & irspec::kSirtp) << "IRTPS";
  EXPECT_TRUE(gsts & irspec::kIre) << "IRES";
  EXPECT_FALSE(gsts & irspec::kCfi) << "CFIS";
  EXPECT_TRUE(gsts & spec::kTe) << "translation stays on";
  const InterruptRemapState& st = sys->unit.interruptRemapState();
  EXPECT_EQ(st.table, table);
  EXPECT_EQ(st.entries(), 65536u);
  EXPECT_FALSE(st.eime);
  EXPECT_TRUE(ir().enabled());
  EXPECT_FALSE(ir().x2apic());
}

// FS 9.B.4-6, 3.2, 6.5: IRTA, then SIRTP, then a global IEC invalidation (G = 0, with its
// wait), then IRE; each GCMD write keeps TE and QIE (the shadow) and changes one thing.
TEST_F(IrFirmwareTest, EnableFollowsLinuxOrder) {
  bringUp();
  const size_t mark = logMark();
  ASSERT_TRUE(driver->enableInterruptRemapping());
  const auto& log = mmio->accesses;
  int irta = -1;
  for (size_t i = mark; i < log.size(); ++i)
    if (log[i].write && log[i].offset == irspec::kIrta) irta = irta < 0 ? int(i) : irta;
  const int sirtp = firstGcmdWith(log, irspec::kSirtp, mark);
  const int ire = firstGcmdWith(log, irspec::kIre, mark);
  int iqt = -1;
  for (int i = sirtp; i >= 0 && i < ire; ++i)
    if (log[i].write && log[i].offset == irspec::kIqt) iqt = i;
  ASSERT_GE(irta, 0);
  ASSERT_GE(sirtp, 0);
  ASSERT_GE(ire, 0);
  EXPECT_LT(irta, sirtp);
  ASSERT_GT(iqt, sirtp) << "the IEC invalidation is submitted between SIRTP and IRE";
  EXPECT_LT(iqt, ire);
  EXPECT_EQ(log[irta].size, 8u);
  EXPECT_EQ(log[sirtp].value, spec::kTe | irspec::kQie | irspec::kSirtp);
  EXPECT_EQ(log[ire].value, spec::kTe | irspec::kQie | irspec::kIre);
  EXPECT_EQ(mmio->writesTo(spec::kGcmd).size(), 3u + 2u) << "QIE, SRTP, TE; SIRTP, IRE";

  const auto iec = iecSince(mark);
  ASSERT_EQ(iec.size(), 1u);
  EXPECT_EQ(iec[0].lo, 0x4u) << "type 4, G = 0 (global), IM 0, IIDX 0";
  EXPECT_EQ(iec[0].hi, 0u);
  const auto all = submittedSince(mark);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].lo & 0xF, 0x5u) << "followed by a wait";
  EXPECT_EQ(sys->unit.stats().inv_iec_global, 1u);
  EXPECT_EQ(driver->stats().inv_iec_global, 1u);
  EXPECT_EQ(sys->unit.stats().gcmd_multiple_commands, 0u);
  EXPECT_EQ(sys->unit.registers().unknownAccesses(), 0u);
  EXPECT_EQ(sys->unit.registers().refusedAccesses(), 0u);
}

// FS 8.2: EIME (bit 11) when x2APIC is asked for and ECAP.EIM allows it; latched at SIRTP.
TEST_F(IrFirmwareTest, X2apicSetsEimeWhenEcapEimAllows) {
  fw::InterruptRemappingOptions o;
  o.x2apic = true;
  bringUpIr(o);
  EXPECT_EQ(reg64(irspec::kIrta), ir().table() | irspec::kIrtaEime | 0xF);
  EXPECT_TRUE(sys->unit.interruptRemapState().eime);
  EXPECT_TRUE(ir().x2apic());
}

TEST_F(IrFirmwareTest, WithoutEcapEimTheTableStaysInXapicMode) {
  build(irConfig(true, false), withQueue());
  fw::InterruptRemappingOptions o;
  o.x2apic = true;
  bringUpIr(o);
  EXPECT_EQ(reg64(irspec::kIrta) & irspec::kIrtaEime, 0u);
  EXPECT_FALSE(ir().x2apic());
  // Destinations above 8 bits are then refused rather than truncated (FS 8.3).
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.destination = 0x100;
  const Status s = ir().setRemapped(*h, e);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("x2APIC"), std::string::npos) << s.error;
}

// FS 8.2: S sets the size; the allocator never hands out an index beyond it (0x21).
TEST_F(IrFirmwareTest, TableSizeFollowsS) {
  fw::InterruptRemappingOptions o;
  o.table_size = 3;  // 16 entries
  bringUpIr(o);
  EXPECT_EQ(reg64(irspec::kIrta) & 0xF, 3u);
  EXPECT_EQ(sys->unit.interruptRemapState().entries(), 16u);
  EXPECT_TRUE(ir().allocate(16));
  EXPECT_FALSE(ir().allocate(1)) << "table full";
  o.table_size = 16;
  build(irConfig(), withQueue());
  bringUp();
  EXPECT_FALSE(driver->enableInterruptRemapping(o)) << "S is 4 bits, at most 15";
}

// FS 9.B.2, 9.G.2: IR needs queued invalidation (the IEC is invalidated only through the
// queue); without it nothing is programmed.
TEST_F(IrFirmwareTest, RefusedWithoutQueuedInvalidation) {
  build(irConfig(), fw::DriverOptions{});  // register-based invalidation
  bringUp();
  const Status s = driver->enableInterruptRemapping();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("queued invalidation"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("QIES"), std::string::npos) << s.error;
  EXPECT_TRUE(mmio->writesTo(irspec::kIrta).empty());
  EXPECT_EQ(firstGcmdWith(mmio->accesses, irspec::kSirtp), -1);
  EXPECT_EQ(firstGcmdWith(mmio->accesses, irspec::kIre), -1);
  EXPECT_FALSE(reg32(spec::kGsts) & irspec::kIre);
  EXPECT_FALSE(ir().enabled());
  EXPECT_FALSE(ir().allocate()) << "no table";

  UnitConfig no_qi = irConfig();
  no_qi.unit.queued_invalidation = false;  // ECAP.QI = 0
  build(no_qi, withQueue());
  bringUp();
  EXPECT_FALSE(driver->enableInterruptRemapping());
}

// FS 2.2: ECAP.IR = 0.
TEST_F(IrFirmwareTest, RefusedWithoutEcapIr) {
  build(UnitConfig{}, withQueue());
  bringUp();
  const Status s = driver->enableInterruptRemapping();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("ECAP.IR"), std::string::npos) << s.error;
  EXPECT_TRUE(mmio->writesTo(irspec::kIrta).empty());
}

TEST_F(IrFirmwareTest, RefusedBeforeProbe) {
  const Status s = driver->enableInterruptRemapping();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error.find("probe"), std::string::npos) << s.error;
}

// FS 8.1, 9.B.7: CFI left set by earlier software is cleared after IRE (one write each);
// a compatibility-format MSI is then blocked (0x25).
TEST_F(IrFirmwareTest, CompatibilityFormatLeftOnIsCleared) {
  sys->unit.mmioWrite(spec::kGcmd, 4, irspec::kCfi);
  ASSERT_TRUE(reg32(spec::kGsts) & irspec::kCfi);
  bringUpIr();
  EXPECT_FALSE(reg32(spec::kGsts) & irspec::kCfi);
  const auto& log = mmio->accesses;
  const int ire = firstGcmdWith(log, irspec::kIre);
  ASSERT_GE(ire, 0);
  EXPECT_TRUE(log[ire].value & irspec::kCfi) << "the IRE write keeps CFI (shadow from GSTS)";
  const auto gcmd = mmio->writesTo(spec::kGcmd);
  EXPECT_EQ(gcmd.back().value, spec::kTe | irspec::kQie | irspec::kIre) << "then CFI cleared";
  const InterruptResult r = request(fw::MsiMessage{0xFEE0'1000, 0x41});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, FaultReason::IrCompatBlocked);
  EXPECT_EQ(sys->unit.stats().gcmd_multiple_commands, 0u);
}

// FS 8.1: on request (xAPIC mode only) CFI stays set and compatibility MSIs pass.
TEST_F(IrFirmwareTest, CompatibilityFormatOnRequest) {
  fw::InterruptRemappingOptions o;
  o.compatibility_format = true;
  bringUpIr(o);
  EXPECT_TRUE(reg32(spec::kGsts) & irspec::kCfi);
  const InterruptResult r = request(fw::MsiMessage{0xFEE0'1000, 0x41});
  EXPECT_TRUE(r.ok && r.send);
  EXPECT_EQ(r.address, 0xFEE0'1000u);

  build(irConfig(), withQueue());
  bringUp();
  o.x2apic = true;  // with EIME, CFIS has no effect (FS 8.1): refused
  const Status s = driver->enableInterruptRemapping(o);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("x2APIC"), std::string::npos) << s.error;
}

// FS 9.B.3: remapping left on by earlier software is switched off before the new table.
TEST_F(IrFirmwareTest, RemappingLeftOnIsSwitchedOffFirst) {
  sys->unit.mmioWrite(irspec::kIrta, 8, 0x0020'0000 | 7);
  sys->unit.mmioWrite(spec::kGcmd, 4, irspec::kSirtp);
  sys->unit.mmioWrite(spec::kGcmd, 4, irspec::kIre);
  ASSERT_TRUE(reg32(spec::kGsts) & irspec::kIre);
  bringUp();
  const size_t mark = logMark();
  ASSERT_TRUE(driver->enableInterruptRemapping());
  std::vector<uint64_t> gcmd;
  for (size_t i = mark; i < mmio->accesses.size(); ++i)
    if (mmio->accesses[i].write && mmio->accesses[i].offset == spec::kGcmd)
      gcmd.push_back(mmio->accesses[i].value);
  const uint32_t base = spec::kTe | irspec::kQie;
  ASSERT_EQ(gcmd.size(), 3u);
  EXPECT_EQ(gcmd[0], base) << "IRE cleared";
  EXPECT_EQ(gcmd[1], base | irspec::kSirtp);
  EXPECT_EQ(gcmd[2], base | irspec::kIre);
  EXPECT_EQ(sys->unit.interruptRemapState().table, ir().table());
}

// FS 3.2: IRE is in the shadow, so switching translation off and on keeps remapping on,
// and the queue it depends on keeps running across enable().
TEST_F(IrFirmwareTest, TranslationChangesKeepRemappingOn) {
  bringUpIr();
  ASSERT_TRUE(driver->disable());
  EXPECT_EQ(mmio->writesTo(spec::kGcmd).back().value, irspec::kQie | irspec::kIre);
  ASSERT_TRUE(driver->enable());
  EXPECT_EQ(mmio->writesTo(spec::kGcmd).back().value, spec::kTe | irspec::kQie | irspec::kIre);
  EXPECT_TRUE(reg32(spec::kGsts) & irspec::kIre);
  EXPECT_TRUE(reg32(spec::kGsts) & irspec::kQie);
  // The entry path still works through the same queue.
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.vector = 0x33;
  e.destination = 1;
  ASSERT_TRUE(ir().setRemapped(*h, e));
  const InterruptResult r = request(ir().msiFor(*h));
  ASSERT_TRUE(r.ok && r.send);
  EXPECT_EQ(vectorOf(r), 0x33);
  EXPECT_EQ(sys->unit.stats().gcmd_multiple_commands, 0u);
}

// ir().disable() clears IRE only; a later enable reuses the table.
TEST_F(IrFirmwareTest, DisableAndEnableAgainReuseTheTable) {
  bringUpIr();
  const uint64_t table = ir().table();
  ASSERT_TRUE(ir().disable());
  EXPECT_FALSE(reg32(spec::kGsts) & irspec::kIre);
  EXPECT_TRUE(reg32(spec::kGsts) & spec::kTe);
  ASSERT_TRUE(driver->enableInterruptRemapping());
  EXPECT_EQ(ir().table(), table);
  EXPECT_TRUE(reg32(spec::kGsts) & irspec::kIre);
}

// --- CAP.ESIRTPS (FakeUnit: the model does not advertise it) ---

// FS 3.1, 9.B.5: with ESIRTPS, SIRTP itself invalidates the IEC: no descriptor is queued.
TEST(IrFakeUnit, EsirtpsSkipsTheGlobalIecInvalidation) {
  FakeUnit fake;
  fake.cap |= 1ull << 62 | 1ull << 63;             // ESIRTPS, ESRTPS (no queued flushes at all)
  fake.ecap |= 1ull << 1 | 1ull << 3 | 1ull << 4;  // QI, IR, EIM
  FlatMemory flat(8 << 20);
  DirectMemory phys(flat);
  ManualClock clock;
  fw::PhysAllocator alloc(phys, 1 << 20, 4 << 20);
  fw::Hal hal{fake, phys, clock};
  fw::DriverOptions o;
  o.queued_invalidation = true;
  fw::VtdDriver driver(hal, alloc, o);
  ASSERT_TRUE(driver.probe());
  Status s = driver.enable();
  ASSERT_TRUE(s) << s.error;
  const size_t iqt_writes = fake.writesTo(irspec::kIqt).size();
  fw::InterruptRemappingOptions ir;
  ir.x2apic = true;
  s = driver.enableInterruptRemapping(ir);
  ASSERT_TRUE(s) << s.error;
  EXPECT_EQ(fake.writesTo(irspec::kIqt).size(), iqt_writes) << "nothing queued";
  EXPECT_EQ(driver.stats().inv_iec_global, 0u);
  const auto irta = fake.writesTo(irspec::kIrta);
  ASSERT_EQ(irta.size(), 1u);
  EXPECT_EQ(irta[0], driver.interruptRemapping().table() | irspec::kIrtaEime | 0xF);
  EXPECT_EQ(fake.gsts & (irspec::kIre | irspec::kSirtp), irspec::kIre | irspec::kSirtp);
}

}  // namespace
}  // namespace vtd::test
