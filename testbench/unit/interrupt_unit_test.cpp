// Interrupt remapping through the unit's registers (VT-d 3.x 10.4.4, 10.4.29; FS 3.1, 7.2,
// 7.4, 8.2-8.5, 6.5): capabilities, SIRTP/IRE/CFI and their status bits, remapped
// delivery, faults recorded with the interrupt index in FI and FPD honoured, posted
// delivery with its notification, the interrupt-entry cache kept until a type-4
// descriptor invalidates it, and the statistics.
#include <gtest/gtest.h>

#include "model/interrupt/interrupt_request.h"
#include "model/interrupt/irte.h"
#include "model/interrupt/posted_descriptor.h"
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr uint64_t kIrt = 0x0030'0000;  // interrupt-remapping table: 256 entries
constexpr uint64_t kPid = 0x0031'0000;  // a posted-interrupt descriptor
const SourceId kDev = SourceId::fromBdf(0, 1, 0);

UnitConfig irConfig(bool posted = true, bool eim = false) {
  UnitConfig c;
  c.unit.interrupt_remapping = true;
  c.unit.posted_interrupts = posted;
  c.unit.extended_interrupt_mode = eim;
  return c;
}

class IrUnit : public qi::QueueTest {
 protected:
  void SetUp() override { setUpWith(irConfig()); }
  // The Linux order (FS 9.B.4-6): IRTA, SIRTP, global IEC invalidation, IRE.
  void enableIr(bool eime = false) {
    write64(IRTA, kIrt | (eime ? 1ull << 11 : 0) | 7);
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::SIRTP);
    submit({iecDesc(false), qi::waitDesc(false, false)});
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  }
  static qi::Desc iecDesc(bool index, uint16_t iidx = 0, unsigned im = 0) {
    return {0x4 | (index ? 1ull << 4 : 0) | uint64_t(im) << 27 | uint64_t(iidx) << 32, 0};
  }
  void setIrte(uint32_t index, const IrteRaw& r) {
    sys->memory.write64(kIrt + 16 * index, r.lo);
    sys->memory.write64(kIrt + 16 * index + 8, r.hi);
  }
  void setRemapped(uint32_t index, uint8_t vector, uint32_t dest, bool fpd = false, bool present = true) {
    RemappedIrteFields f;
    f.vector = vector;
    f.destination = dest;
    f.fpd = fpd;
    f.present = present;
    setIrte(index, encodeRemappedIrte(f, false));
  }
  InterruptResult msi(uint16_t handle, SourceId sid = kDev) {
    const MsiMessage m = encodeRemappableRequest(handle, false, 0);
    return unit().remapInterrupt(MsiRequest{sid, m.address, m.data});
  }
  InterruptResult compat(uint8_t vector, uint8_t dest) {
    return unit().remapInterrupt(MsiRequest{kDev, 0xFEE0'0000u | uint64_t(dest) << 12, vector});
  }
  uint64_t frcdHi(unsigned i) { return read64(frcdOffset(i) + 8); }
  uint64_t frcdLo(unsigned i) { return read64(frcdOffset(i)); }
};

// ECAP.IR (bit 3), CAP.PI (bit 59); IRTA exists only with IR (FS 1.1, 2.1).
TEST_F(IrUnit, CapabilitiesAdvertiseIrAndPi) {
  EXPECT_TRUE(read64(ECAP) >> 3 & 1);
  EXPECT_TRUE(read64(CAP) >> 59 & 1);
  setUpWith(irConfig(false));
  EXPECT_FALSE(read64(CAP) >> 59 & 1);
  setUpWith(UnitConfig{});
  EXPECT_FALSE(read64(ECAP) >> 3 & 1);
}

// FS 3.1: SIRTP sets IRTPS; IRE/CFI are persistent and mirrored in IRES/CFIS.
TEST_F(IrUnit, GlobalCommandsSetTheirStatusBits) {
  EXPECT_EQ(read32(GSTS) & (gsts::IRTPS | gsts::IRES | gsts::CFIS), 0u);
  enableIr();
  EXPECT_EQ(read32(GSTS) & (gsts::IRTPS | gsts::IRES), gsts::IRTPS | gsts::IRES);
  EXPECT_EQ(unit().interruptRemapState().table, kIrt);
  EXPECT_EQ(unit().interruptRemapState().entries(), 256u);
  write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::CFI);
  EXPECT_TRUE(read32(GSTS) & gsts::CFIS);
  write32(GCMD, read32(GSTS) & qi::kRecipe & ~gcmd::IRE & ~gcmd::CFI);
  EXPECT_EQ(read32(GSTS) & (gsts::IRES | gsts::CFIS), 0u);
  EXPECT_TRUE(read32(GSTS) & gsts::IRTPS) << "IRTPS stays once latched";
}

// IRES = 0: every request passes as written, remappable or not (FS 8.1).
TEST_F(IrUnit, DisabledRemappingPassesRequestsUnchanged) {
  const InterruptResult r = compat(0x41, 3);
  EXPECT_TRUE(r.ok && r.send);
  EXPECT_EQ(r.address, 0xFEE0'3000u);
  EXPECT_EQ(r.data, 0x41u);
  EXPECT_EQ(unit().stats().interrupts_not_remapped, 1u);
}

// FS 8.3: a remapped-format IRTE gives the interrupt it describes; the IRTE is cached.
TEST_F(IrUnit, RemappedInterruptAndTheCache) {
  setRemapped(5, 0x61, 2);
  enableIr();
  InterruptResult r = msi(5);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.address & 0xFFFFF, 0x02000u) << "destination 2 in address 19:12";
  EXPECT_EQ(r.data & 0xFF, 0x61u);
  EXPECT_EQ(r.cost.irte_reads, 1u);
  r = msi(5);
  EXPECT_EQ(r.cost.irte_reads, 0u);
  EXPECT_EQ(r.cost.iec_hits, 1u);
  EXPECT_EQ(unit().stats().interrupts_remapped, 2u);
  EXPECT_EQ(unit().stats().int_cache_lookup, 2u);
  EXPECT_EQ(unit().stats().int_cache_hit_nonposted, 1u);

  setRemapped(5, 0x62, 2);  // the table changes: the cached IRTE is used until invalidated
  EXPECT_EQ(msi(5).data & 0xFF, 0x61u);
  submit({iecDesc(true, 4, 1), qi::waitDesc(false, false)});  // indexes 4-5
  EXPECT_EQ(msi(5).data & 0xFF, 0x62u);
  EXPECT_EQ(unit().stats().inv_iec_index, 1u);
  EXPECT_EQ(unit().stats().iec_entries_invalidated, 1u);
  EXPECT_EQ(unit().stats().inv_iec_global, 1u) << "the one of enableIr";
}

// FS 7.2, 7.4: a not-present IRTE (0x22) is recorded with FI = index << 48; with FPD set
// it is not (qualified fault); an index beyond the table (0x21) is always recorded.
TEST_F(IrUnit, FaultsAreRecordedWithTheIndex) {
  setRemapped(9, 0x30, 0, false, false);
  setRemapped(10, 0x30, 0, true, false);
  enableIr();
  InterruptResult r = msi(9);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.send);
  EXPECT_EQ(r.reason, FaultReason::IrEntryNotPresent);
  EXPECT_TRUE(r.fault_recorded);
  EXPECT_EQ(frcdLo(0), uint64_t(9) << 48);
  EXPECT_EQ(frcdHi(0) >> 32 & 0xFF, 0x22u);
  EXPECT_EQ(frcdHi(0) & 0xFFFF, kDev.value);
  r = msi(10);
  EXPECT_EQ(r.reason, FaultReason::IrEntryNotPresent);
  EXPECT_FALSE(r.fault_recorded) << "FPD";
  r = msi(300);
  EXPECT_EQ(r.reason, FaultReason::IrIndexOutOfRange);
  EXPECT_EQ(unit().stats().interrupts_faulted, 3u);
  EXPECT_EQ(unit().stats().faults_suppressed_fpd, 1u);
}

// FS 8.1: with IRES = 1 and CFIS = 0 a compatibility-format request is blocked (0x25).
TEST_F(IrUnit, CompatibilityFormatBlockedUnlessCfi) {
  enableIr();
  EXPECT_EQ(compat(0x40, 1).reason, FaultReason::IrCompatBlocked);
  write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::CFI);
  const InterruptResult r = compat(0x40, 1);
  EXPECT_TRUE(r.ok && r.send);
  EXPECT_EQ(r.address, 0xFEE0'1000u);
  EXPECT_EQ(unit().stats().interrupts_compatibility, 1u);
}

// FS 8.4, 8.5: a posted-format IRTE sets PIR[vector]; the first posting sends the
// notification (NV to NDST) and sets ON, the next is coalesced; SN suppresses.
TEST_F(IrUnit, PostedInterruptUpdatesTheDescriptor) {
  PostedIrteFields f;
  f.vector = 0x55;
  f.descriptor = kPid;
  setIrte(7, encodePostedIrte(f));
  PostedDescriptor d;
  d.setNv(0xF2);
  d.setNdst(3u << 8);  // xAPIC: NDST[15:8]
  d.write(sys->memory, kPid);
  enableIr();

  InterruptResult r = msi(7);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.posted);
  ASSERT_TRUE(r.send);
  EXPECT_EQ(r.data & 0xFF, 0xF2u);
  EXPECT_EQ(r.address & 0xFF000, 0x03000u);
  d.read(sys->memory, kPid);
  EXPECT_TRUE(d.pir(0x55));
  EXPECT_TRUE(d.on());
  r = msi(7);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.send) << "ON already set";

  d.qw = {};
  d.setNv(0xF2);
  d.setSn(true);
  d.write(sys->memory, kPid);
  r = msi(7);
  EXPECT_FALSE(r.send) << "SN";
  d.read(sys->memory, kPid);
  EXPECT_TRUE(d.pir(0x55));
  EXPECT_FALSE(d.on());
  const UnitStats& s = unit().stats();
  EXPECT_EQ(s.interrupts_posted, 3u);
  EXPECT_EQ(s.post_notifications, 1u);
  EXPECT_EQ(s.post_already_pending, 1u);
  EXPECT_EQ(s.post_suppressed, 1u);
  EXPECT_EQ(s.int_cache_hit_posted, 2u);
}

// Without CAP.PI a posted-format IRTE is an IRTE with reserved bits set (0x24, FS 8.4).
TEST_F(IrUnit, PostedFormatWithoutPiIsReserved) {
  setUpWith(irConfig(false));
  PostedIrteFields f;
  f.vector = 0x55;
  f.descriptor = kPid;
  setIrte(7, encodePostedIrte(f));
  enableIr();
  EXPECT_EQ(msi(7).reason, FaultReason::IrEntryReserved);
}

// UnitParams: posted interrupts need interrupt remapping.
TEST(IrParams, PostedNeedsRemapping) {
  UnitConfig c;
  c.unit.posted_interrupts = true;
  const auto errors = c.validate();
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().find("unit.posted_interrupts"), std::string::npos);
}

}  // namespace
}  // namespace vtd::test
