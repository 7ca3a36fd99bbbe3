// Primary fault logging (FS 7.1, 7.2, 7.5): record contents, FSTS.PPF/FRI/PFO, round robin
// over NFR+1 records, overflow, FPD on qualified faults, and the fault event through
// FECTL/FEDATA/FEADDR with its IM/IP rules.
#include <gtest/gtest.h>

#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;
constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);

class FaultRecording : public UnitTest {
 protected:
  void SetUp() override {
    UnitConfig c;
    c.unit.fault_records = 4;
    build(c);
    top_ = tables->newPage();
    tables->setContext(kDev, top_, 4, 3);
    enableTranslation();
  }
  uint64_t frcdLo(unsigned i) { return read64(frcdOffset(i)); }
  uint64_t frcdHi(unsigned i) { return read64(frcdOffset(i) + 8); }
  void clearRecord(unsigned i) { write32(frcdOffset(i) + 12, 0x8000'0000); }  // Linux's way
  void unmaskFaultEvent(uint32_t data = 0x44, uint32_t addr = 0xFEE0'0000) {
    write32(FEDATA, data);
    write32(FEADDR, addr);
    write32(FECTL, 0);
  }
  uint64_t top_ = 0;
};

// FS 7.2: FI = page address, SID, FR, T (1 = read), F set last; FSTS.PPF and FRI.
TEST_F(FaultRecording, RecordFields) {
  auto t = dmaWrite(kDev, 0xA0B'0123);
  ASSERT_EQ(t.reason, FaultReason::WriteNotPermitted);
  EXPECT_TRUE(t.fault_recorded);
  EXPECT_EQ(frcdLo(0), 0xA0B'0000u);
  const uint64_t hi = frcdHi(0);
  EXPECT_TRUE(hi & frcd::F);
  EXPECT_FALSE(hi & frcd::T) << "T=0 for a write";
  EXPECT_EQ(getBits(hi, 39, 32), 0x05u);
  EXPECT_EQ(getBits(hi, 15, 0), kDev.value);
  EXPECT_EQ(getBits(hi, 59, 40), 0u) << "no PASID: PV is 0 (QEMU writes 0xFFFF here)";
  EXPECT_EQ(read32(FSTS), fsts::PPF);  // FRI = 0
  dmaRead(kDev, 0x5000);
  EXPECT_TRUE(frcdHi(1) & frcd::T) << "T=1 for a read";
  EXPECT_EQ(getBits(frcdHi(1), 39, 32), 0x06u);
  EXPECT_EQ(getBits(read32(FSTS), 15, 8), 0u) << "FRI stays at the first pending record";
}

// FI keeps only bits below MGAW (FS 7.2).
TEST_F(FaultRecording, FaultInfoBelowMgaw) {
  dmaRead(kDev, (1ull << 50) | 0x1234'5000);  // beyond MGAW 48
  EXPECT_EQ(getBits(frcdHi(0), 39, 32), 0x04u);
  EXPECT_EQ(frcdLo(0), 0x1234'5000u);
}

// Records fill round robin; with all NFR+1 records pending the next fault sets PFO and is
// dropped; while PFO is set nothing is recorded (FS 7.5 steps 1 and 3).
TEST_F(FaultRecording, RoundRobinAndOverflow) {
  for (unsigned i = 0; i < 4; ++i) EXPECT_TRUE(dmaRead(kDev, 0x1000 * (i + 1)).fault_recorded);
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(frcdLo(i), 0x1000u * (i + 1));
  auto dropped = dmaRead(kDev, 0x9000);
  EXPECT_FALSE(dropped.fault_recorded);
  EXPECT_EQ(read32(FSTS) & (fsts::PFO | fsts::PPF), fsts::PFO | fsts::PPF);
  EXPECT_EQ(frcdLo(0), 0x1000u) << "records are not overwritten";
  clearRecord(0);
  EXPECT_FALSE(dmaRead(kDev, 0xA000).fault_recorded) << "PFO still set";
  write32(FSTS, fsts::PFO);
  auto next = dmaRead(kDev, 0xB000);
  EXPECT_TRUE(next.fault_recorded);
  EXPECT_EQ(frcdLo(0), 0xB000u) << "round robin continues at record 0";
  EXPECT_EQ(unit().stats().faults_dropped_overflow, 2u);
}

// Clearing F (RW1C) keeps the rest of the record; PPF follows the F bits.
TEST_F(FaultRecording, ClearingRecordsUpdatesPpf) {
  dmaRead(kDev, 0x1000);
  dmaRead(kDev, 0x2000);
  clearRecord(0);
  EXPECT_EQ(frcdLo(0), 0x1000u);
  EXPECT_FALSE(frcdHi(0) & frcd::F);
  EXPECT_EQ(getBits(frcdHi(0), 39, 32), 0x06u);
  EXPECT_TRUE(read32(FSTS) & fsts::PPF);
  write32(frcdOffset(1) + 12, 0);  // writing 0 leaves F alone
  EXPECT_TRUE(frcdHi(1) & frcd::F);
  clearRecord(1);
  EXPECT_FALSE(read32(FSTS) & fsts::PPF);
}

// FPD in the context entry silences qualified faults only (FS 7.5).
TEST_F(FaultRecording, FpdSuppressesQualifiedFaultsOnly) {
  tables->setContext(kDev, top_, 4, 3, 0, /*fpd=*/true);
  const SourceId missing = SourceId::fromBdf(9, 0, 0);  // no root entry: not qualified
  auto t = dmaRead(kDev, 0x1000);
  EXPECT_EQ(t.reason, FaultReason::ReadNotPermitted);
  EXPECT_FALSE(t.fault_recorded);
  EXPECT_EQ(read32(FSTS), 0u);
  EXPECT_TRUE(dmaRead(missing, 0).fault_recorded);
  EXPECT_EQ(unit().stats().faults_suppressed_fpd, 1u);
  // A non-present context entry's FPD is honoured too (its fault is qualified).
  const SourceId absent = SourceId::fromBdf(0, 6, 0);
  tables->setContext(absent, top_, 4, 3, 0, /*fpd=*/true, /*present=*/false);
  EXPECT_FALSE(dmaRead(absent, 0).fault_recorded);
}

// Fault event: with IM=1 the event is held in IP; clearing IM sends it (FS 7.5).
TEST_F(FaultRecording, MaskedEventIsHeldThenSent) {
  write32(FEDATA, 0x44);
  write32(FEADDR, 0xFEE0'0000);
  dmaRead(kDev, 0x1000);
  EXPECT_EQ(read32(FECTL), ectl::IM | ectl::IP);
  EXPECT_TRUE(sys->sink.messages.empty());
  write32(FECTL, 0);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].address, 0xFEE0'0000u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x44u);
  EXPECT_EQ(read32(FECTL), 0u);
}

// Unmasked: one message when PPF becomes 1; none for further faults while it is set;
// a new one after software has cleared everything.
TEST_F(FaultRecording, OneEventPerPendingEpisode) {
  unmaskFaultEvent(0x51);
  dmaRead(kDev, 0x1000);
  dmaRead(kDev, 0x2000);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x51u);
  clearRecord(0);
  clearRecord(1);
  write32(FSTS, fsts::PFO | fsts::PPF);
  dmaRead(kDev, 0x3000);
  EXPECT_EQ(sys->sink.messages.size(), 2u);
}

// IP clears without a message when software clears the status bits behind it (FS 7.5).
TEST_F(FaultRecording, ClearingStatusRetiresHeldEvent) {
  dmaRead(kDev, 0x1000);
  ASSERT_TRUE(read32(FECTL) & ectl::IP);
  clearRecord(0);
  EXPECT_FALSE(read32(FECTL) & ectl::IP);
  write32(FECTL, 0);
  EXPECT_TRUE(sys->sink.messages.empty());
}

// Optional collapsing: while a record from the same source is pending, further faults
// from it are dropped without PFO (what QEMU does); other sources are still recorded.
TEST_F(FaultRecording, CollapseSameSourceWhenConfigured) {
  UnitConfig c;
  c.unit.fault_records = 4;
  c.unit.collapse_same_source_faults = true;
  build(c);
  tables->setContext(kDev, top_, 4, 3);
  enableTranslation();
  EXPECT_TRUE(dmaRead(kDev, 0x1000).fault_recorded);
  EXPECT_FALSE(dmaRead(kDev, 0x2000).fault_recorded);
  EXPECT_EQ(read32(FSTS) & fsts::PFO, 0u);
  EXPECT_TRUE(dmaRead(SourceId::fromBdf(7, 0, 0), 0).fault_recorded);
  EXPECT_EQ(unit().stats().faults_collapsed, 1u);
}

// With one record (QEMU's NFR=0) a second source overflows (FS 7.5 step 3).
TEST_F(FaultRecording, SingleRecordOverflowsOnSecondSource) {
  UnitConfig c;
  c.unit.fault_records = 1;
  build(c);
  enableTranslation();
  EXPECT_TRUE(dmaRead(SourceId::fromBdf(1, 0, 0), 0).fault_recorded);
  EXPECT_FALSE(dmaRead(SourceId::fromBdf(2, 0, 0), 0).fault_recorded);
  EXPECT_EQ(read32(FSTS) & 0xFF, fsts::PFO | fsts::PPF);
}

// A 64-bit write over FECTL and FEDATA is two accesses, low dword first: clearing IM sends
// the held event with the FEDATA of that moment, before the upper dword changes it (FS 1.3).
TEST_F(FaultRecording, SixtyFourBitWriteOverTwoRegistersRunsInOrder) {
  write32(FEDATA, 0x11);
  write32(FEADDR, 0xFEE0'0000);
  dmaRead(kDev, 0x1000);
  ASSERT_TRUE(read32(FECTL) & ectl::IP);
  write64(FECTL, uint64_t(0x22) << 32);  // FECTL = 0 (unmask), then FEDATA = 0x22
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x11u);
  EXPECT_EQ(read32(FEDATA), 0x22u);
}

}  // namespace
}  // namespace vtd::test
