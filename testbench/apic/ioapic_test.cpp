// IoApic: the register window (82093AA: IOREGSEL, IOWIN; ID, VER, ARB, RTE halves; the EOI
// register of version 0x20), both RTE formats and the interrupt write each produces (FS 8.1
// remappable RTE and address tables), edge and level pins with Remote IRR and EOI, masking.
// Expected values are hand-typed. One elaboration per process.
#include <gtest/gtest.h>

#include "model/common/stat_registry.h"
#include "platform/apic/ioapic.h"
#include "platform/apic/ioapic_rte.h"
#include "testbench/apic/apic_bench.h"

namespace vtd::test {
namespace {

using platform::IoApic;
namespace rte = platform::rte;

struct IoApicBench {
  MmioInitiator cpu{"cpu"};
  IoApic ioapic{"ioapic"};
  WriteRecorder unit{"unit"};

  IoApicBench() {
    cpu.out.bind(ioapic.mmio_in);
    ioapic.irq_out.bind(unit.in);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  uint32_t readReg(uint8_t index) {
    EXPECT_TRUE(cpu.write(IoApic::kIoRegSel, index));
    return cpu.read(IoApic::kIoWin);
  }
  void writeReg(uint8_t index, uint32_t value) {
    EXPECT_TRUE(cpu.write(IoApic::kIoRegSel, index));
    EXPECT_TRUE(cpu.write(IoApic::kIoWin, value));
  }
  // As Linux does: the high half first, the low half (with the mask bit) last.
  void writeRte(unsigned pin, uint64_t e) {
    writeReg(uint8_t(0x11 + 2 * pin), uint32_t(e >> 32));
    writeReg(uint8_t(0x10 + 2 * pin), uint32_t(e));
  }
  uint64_t readRte(unsigned pin) {
    return uint64_t(readReg(uint8_t(0x11 + 2 * pin))) << 32 | readReg(uint8_t(0x10 + 2 * pin));
  }
  size_t sent() const { return unit.writes.size(); }
};

TEST(IoApic, IdVersionArbitrationAndResetEntries) {
  IoApicBench b;
  EXPECT_EQ(b.readReg(0x01), 0x0017'0020u) << "version 0x20, 24 entries (max index 23)";
  EXPECT_EQ(b.readReg(0x00), 0u);
  b.writeReg(0x00, 0xFA00'0000);  // only ID bits 27:24 exist
  EXPECT_EQ(b.readReg(0x00), 0x0A00'0000u);
  EXPECT_EQ(b.readReg(0x02), 0x0A00'0000u) << "ARB follows the ID";
  b.writeReg(0x01, 0xFFFF'FFFF);
  EXPECT_EQ(b.readReg(0x01), 0x0017'0020u) << "VER is read-only";
  EXPECT_EQ(b.cpu.read(IoApic::kIoRegSel), 0x01u) << "IOREGSEL reads back";
  for (unsigned pin : {0u, 23u}) EXPECT_EQ(b.readRte(pin), 0x0000'0000'0001'0000ull) << "masked";
  EXPECT_EQ(b.readReg(0x40), 0u) << "beyond the 24 entries";
  EXPECT_EQ(b.readReg(0x03), 0u);
  EXPECT_EQ(b.ioapic.id(), 0x0A);
}

TEST(IoApic, OnlyThe4ByteRegistersAnswer) {
  IoApicBench b;
  uint32_t v = 0;
  EXPECT_FALSE(b.cpu.access(false, IoApic::kIoWin, v, 2));
  EXPECT_FALSE(b.cpu.access(true, 0x20, v));
  EXPECT_FALSE(b.cpu.access(false, 0x04, v));
  EXPECT_EQ(b.ioapic.stats().bad_accesses, 3u);
}

TEST(IoApic, RteLowHalfKeepsDeliveryStatusRemoteIrrAndReservedBitsReadOnly) {
  IoApicBench b;
  b.writeReg(0x10 + 2 * 3, 0xFFFF'FFFF);
  EXPECT_EQ(b.readReg(0x10 + 2 * 3), 0x0001'AFFFu);
  b.writeReg(0x11 + 2 * 3, 0xFFFF'FFFF);
  EXPECT_EQ(b.readReg(0x11 + 2 * 3), 0xFFFF'FFFFu) << "the high half is all software's";
}

TEST(IoApic, CompatibilityEntriesSendOrdinaryXapicMessages) {
  IoApicBench b;
  rte::Fields f;
  f.vector = 0x31;
  f.destination = 0x03;
  EXPECT_EQ(rte::makeCompatibility(f), 0x0300'0000'0000'0031ull);
  b.writeRte(1, rte::makeCompatibility(f));
  f.vector = 0x41;
  f.delivery_mode = platform::kDeliveryLowestPriority;
  f.logical = true;
  f.destination = 0x0F;
  f.level_triggered = true;
  f.polarity_low = true;
  EXPECT_EQ(rte::makeCompatibility(f), 0x0F00'0000'0000'A941ull);
  b.writeRte(2, rte::makeCompatibility(f));
  b.ioapic.pulse(1);
  b.ioapic.setPin(2, true);
  ASSERT_EQ(b.sent(), 2u);
  EXPECT_EQ(b.unit.writes[0].address, 0xFEE0'3000ull);
  EXPECT_EQ(b.unit.writes[0].data, 0x0000'0031u);
  EXPECT_EQ(b.unit.writes[1].address, 0xFEE0'F004ull);  // destination 0x0F, logical
  EXPECT_EQ(b.unit.writes[1].data, 0x0000'8141u);       // level, lowest priority, 0x41
  EXPECT_TRUE(b.unit.writes[0].has_source);
  EXPECT_EQ(b.unit.writes[0].source, 0xF0F8) << "F0:1F.0";
}

// FS 8.1: INDEX[14:0] in RTE 63:49 -> address 19:5, INDEX[15] in RTE bit 11 -> address
// bit 2, format bit 48 -> address bit 4, SHV (bit 3) = 0 so the index is the handle.
TEST(IoApic, RemappableEntriesSendTheirHandleInRemappableFormat) {
  IoApicBench b;
  rte::Fields f;
  f.index = 0x8123;
  f.vector = 5;  // Linux: the pin number, for its directed EOI
  f.level_triggered = true;
  const uint64_t e = rte::makeRemappable(f);
  EXPECT_EQ(e, 0x0247'0000'0000'8805ull);
  EXPECT_EQ(rte::index(e), 0x8123);
  b.writeRte(5, e);
  EXPECT_EQ(b.readRte(5), e);
  b.ioapic.setPin(5, true);
  ASSERT_EQ(b.sent(), 1u);
  EXPECT_EQ(b.unit.writes[0].address, 0xFEE0'2474ull);  // 0x123 << 5 | 0x10 | 0x4
  EXPECT_EQ(b.unit.writes[0].data, 0x0000'8005u);
  f.index = 0x0001;
  f.level_triggered = false;
  EXPECT_EQ(rte::message(rte::makeRemappable(f)).address, 0xFEE0'0030ull);
  f.index = 0x7FFF;
  EXPECT_EQ(rte::message(rte::makeRemappable(f)).address, 0xFEEF'FFF0ull);
}

TEST(IoApic, AnEdgePinSendsOncePerRisingEdgeAndLosesEdgesWhileMasked) {
  IoApicBench b;
  rte::Fields f;
  f.vector = 0x33;
  b.writeRte(4, rte::makeCompatibility(f));
  b.ioapic.setPin(4, true);
  b.ioapic.setPin(4, true);  // still high: no edge
  b.ioapic.setPin(4, false);
  b.ioapic.setPin(4, true);
  EXPECT_EQ(b.sent(), 2u);
  b.ioapic.setPin(4, false);
  f.masked = true;
  b.writeRte(4, rte::makeCompatibility(f));
  b.ioapic.pulse(4);
  EXPECT_EQ(b.ioapic.stats().masked_edges, 1u);
  f.masked = false;
  b.writeRte(4, rte::makeCompatibility(f));
  EXPECT_EQ(b.sent(), 2u) << "a masked edge is not held pending";
  EXPECT_FALSE(rte::remoteIrr(b.readRte(4))) << "edge entries have no Remote IRR";
}

TEST(IoApic, ALevelPinWaitsForTheEoiOfItsVectorAndSendsAgainIfStillAsserted) {
  IoApicBench b;
  rte::Fields f;
  f.vector = 0x40;
  f.level_triggered = true;
  b.writeRte(9, rte::makeCompatibility(f));
  b.ioapic.setPin(9, true);
  EXPECT_EQ(b.sent(), 1u);
  EXPECT_TRUE(rte::remoteIrr(b.readRte(9)));
  b.ioapic.setPin(9, true);
  EXPECT_EQ(b.sent(), 1u) << "held by Remote IRR";
  b.ioapic.eoi(0x41);
  EXPECT_TRUE(rte::remoteIrr(b.readRte(9))) << "another vector";
  b.ioapic.eoi(0x40);
  EXPECT_EQ(b.sent(), 2u) << "still asserted: sent again";
  EXPECT_TRUE(rte::remoteIrr(b.readRte(9)));
  b.ioapic.setPin(9, false);
  EXPECT_TRUE(b.cpu.write(IoApic::kEoiRegister, 0x40));  // the version-0x20 EOI register
  EXPECT_FALSE(rte::remoteIrr(b.readRte(9)));
  EXPECT_EQ(b.sent(), 2u);
  EXPECT_EQ(b.ioapic.stats().eois, 3u);
  EXPECT_EQ(b.ioapic.stats().remote_irr_cleared, 2u);
  EXPECT_EQ(b.ioapic.stats().held_by_remote_irr, 1u);
}

TEST(IoApic, AMaskedLevelPinSendsWhenUnmaskedIfStillAsserted) {
  IoApicBench b;
  rte::Fields f;
  f.vector = 0x50;
  f.level_triggered = true;
  f.masked = true;
  b.writeRte(7, rte::makeCompatibility(f));
  b.ioapic.setPin(7, true);
  EXPECT_EQ(b.sent(), 0u);
  f.masked = false;
  b.writeRte(7, rte::makeCompatibility(f));
  ASSERT_EQ(b.sent(), 1u);
  EXPECT_EQ(b.unit.writes[0].data, 0x0000'8050u);
  EXPECT_TRUE(rte::remoteIrr(b.readRte(7)));
  // Switching the entry to edge drops Remote IRR (nothing will EOI it).
  f.level_triggered = false;
  b.writeRte(7, rte::makeCompatibility(f));
  EXPECT_FALSE(rte::remoteIrr(b.readRte(7)));
  StatRegistry r;
  b.ioapic.describeStats(r, "ioapic.");
  EXPECT_EQ(r.value("ioapic.interrupts_sent"), 1.0);
}

}  // namespace
}  // namespace vtd::test
