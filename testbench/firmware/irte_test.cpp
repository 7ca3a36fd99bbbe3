// Interrupt-remapping table entries written by the firmware (FS 6.5, 8.1, 8.3, 8.4): every
// IRTE field at its fact-sheet position in both formats, an index-selective IEC
// invalidation after each change, allocation in aligned blocks, the remappable MSI and
// I/O APIC RTE composition, and end to end: an MSI the firmware composed, remapped by the
// model to the vector and destination it wrote. (Update atomicity: irte_update_test.cpp.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/irte_allocator.h"
#include "testbench/firmware/ir_fixture.h"

namespace vtd::test {
namespace {

using fw::Status;

// --- allocation (FS 8.1: blocks of 2^n for multi-message MSI, as Linux's alloc_irte) ---

TEST(IrteAllocator, AlignedPowerOfTwoBlocksFirstFit) {
  fw::IrteAllocator a(64);
  EXPECT_EQ(a.allocate(1), 0);
  EXPECT_EQ(a.allocate(3), 4) << "rounded up to 4, aligned to 4";
  EXPECT_EQ(a.allocate(1), 1);
  EXPECT_EQ(a.allocate(8), 8);
  EXPECT_EQ(a.allocate(2), 2);
  EXPECT_EQ(a.inUse(), 1u + 4 + 1 + 8 + 2);
  EXPECT_EQ(a.order(4), 2u);
  EXPECT_EQ(a.blockOf(6), 4);
  EXPECT_EQ(a.blockOf(15), 8);
  EXPECT_FALSE(a.blockOf(16));
  EXPECT_FALSE(a.release(5)) << "not the start of a block";
  EXPECT_TRUE(a.release(4));
  EXPECT_FALSE(a.release(4)) << "double free";
  EXPECT_FALSE(a.blockOf(6));
  EXPECT_EQ(a.allocate(4), 4);
  EXPECT_FALSE(a.allocate(0));
  EXPECT_FALSE(a.allocate(65));
  EXPECT_EQ(a.allocate(32), 32);
  EXPECT_FALSE(a.allocate(32)) << "no aligned block of 32 left";
  EXPECT_EQ(a.allocate(16), 16);
}

TEST_F(IrFirmwareTest, WritesNeedAnAllocatedIndex) {
  EXPECT_FALSE(ir().allocate()) << "no table before enable";
  bringUpIr();
  fw::RemappedEntry e;
  Status s = ir().setRemapped(7, e);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("not allocated"), std::string::npos) << s.error;
  EXPECT_FALSE(ir().free(7));
  const auto h = ir().allocate(4);
  ASSERT_TRUE(h);
  EXPECT_TRUE(ir().setRemapped(*h + 3, e));
  EXPECT_FALSE(ir().free(*h + 1)) << "free takes the block's first index";
  EXPECT_TRUE(ir().free(*h));
  EXPECT_FALSE(ir().setRemapped(*h + 3, e)) << "freed";
  EXPECT_EQ(driver->stats().irtes_in_use, 0u);
}

// --- IRTE fields (FS 8.3, 8.4), one at a time against a baseline ---

struct FieldCase {
  const char* name;
  uint64_t lo_bits;  // what the field adds to the baseline, typed from the fact sheet
  uint64_t hi_bits;
};

TEST_F(IrFirmwareTest, RemappedFieldsXapic) {
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  auto check = [&](const fw::RemappedEntry& e, const FieldCase& c) {
    ASSERT_TRUE(ir().setRemapped(*h, e)) << c.name;
    const Desc d = irteInMemory(*h);
    EXPECT_EQ(d.lo, 1u | c.lo_bits) << c.name << ": P (bit 0) plus the field";
    EXPECT_EQ(d.hi, c.hi_bits) << c.name;
  };
  fw::RemappedEntry base;
  base.redirection_hint = false;
  check(base, {"baseline", 0, 0});
  fw::RemappedEntry e = base;
  e.fpd = true;
  check(e, {"FPD bit 1", 1ull << 1, 0});
  e = base;
  e.logical = true;
  check(e, {"DM bit 2", 1ull << 2, 0});
  e = base;
  e.redirection_hint = true;
  check(e, {"RH bit 3", 1ull << 3, 0});
  e = base;
  e.level = true;
  check(e, {"TM bit 4", 1ull << 4, 0});
  e = base;
  e.delivery = fw::DeliveryMode::LowestPriority;
  check(e, {"DLM 7:5 = 001", 1ull << 5, 0});
  e.delivery = fw::DeliveryMode::Nmi;
  check(e, {"DLM 7:5 = 100", 4ull << 5, 0});
  e.delivery = fw::DeliveryMode::ExtInt;
  check(e, {"DLM 7:5 = 111", 7ull << 5, 0});
  e = base;
  e.vector = 0xA5;
  check(e, {"V 23:16", 0xA5ull << 16, 0});
  e = base;
  e.destination = 0xC3;
  check(e, {"xAPIC DST 47:40 (39:32 and 63:48 stay 0)", 0xC3ull << 40, 0});
  e = base;
  e.source = fw::SourceCheck::requester(0xBEEF, 3);
  check(e, {"SID 79:64, SQ 81:80, SVT 83:82 = 01", 0, 0xBEEFull | 3ull << 16 | 1ull << 18});
  e.source = fw::SourceCheck::busRange(0x12, 0x34);
  check(e, {"SVT 10: first bus << 8 | last bus", 0, 0x1234ull | 2ull << 18});
  // Reserved delivery modes (011, 110) are refused, not written.
  e = base;
  e.delivery = static_cast<fw::DeliveryMode>(3);
  EXPECT_FALSE(ir().setRemapped(*h, e));
}

TEST_F(IrFirmwareTest, RemappedDestinationX2apic) {
  fw::InterruptRemappingOptions o;
  o.x2apic = true;
  bringUpIr(o);
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.redirection_hint = false;
  e.destination = 0x89AB'CDEF;
  ASSERT_TRUE(ir().setRemapped(*h, e));
  EXPECT_EQ(irteInMemory(*h).lo, 1u | 0x89AB'CDEFull << 32) << "EIME = 1: DST 63:32";
}

TEST_F(IrFirmwareTest, PostedFields) {
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  constexpr uint64_t kIm = 1ull << 15;
  auto check = [&](const fw::PostedEntry& e, const FieldCase& c) {
    ASSERT_TRUE(ir().setPosted(*h, e)) << c.name;
    const Desc d = irteInMemory(*h);
    EXPECT_EQ(d.lo, 1u | kIm | c.lo_bits) << c.name << ": P, IM = 1 (bit 15) plus the field";
    EXPECT_EQ(d.hi, c.hi_bits) << c.name;
  };
  fw::PostedEntry base;
  base.descriptor = 0x40;  // PDA[31:6] = 1
  check(base, {"baseline", 1ull << 38, 0});
  fw::PostedEntry e = base;
  e.fpd = true;
  check(e, {"FPD bit 1", 1ull << 1 | 1ull << 38, 0});
  e = base;
  e.urgent = true;
  check(e, {"URG bit 14", 1ull << 14 | 1ull << 38, 0});
  e = base;
  e.vector = 0x5A;
  check(e, {"VV 23:16", 0x5Aull << 16 | 1ull << 38, 0});
  e = base;
  e.descriptor = 0x0000'0123'4567'89C0;
  check(e,
        {"PDA[31:6] in 63:38, PDA[63:32] in 127:96", (0x4567'89C0ull >> 6) << 38, 0x123ull << 32});
  e = base;
  e.source = fw::SourceCheck::requester(0x00F8, 1);
  check(e, {"SID, SQ, SVT as in the remapped format", 1ull << 38,
            0x00F8ull | 1ull << 16 | 1ull << 18});
  e = base;
  e.descriptor = 0x1020;  // not 64-byte aligned
  const Status s = ir().setPosted(*h, e);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("64-byte"), std::string::npos) << s.error;
}

TEST_F(IrFirmwareTest, PostedNeedsCapPi) {
  build(irConfig(false), withQueue());
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::PostedEntry e;
  e.descriptor = 0x1000;
  const Status s = ir().setPosted(*h, e);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("CAP.PI"), std::string::npos) << s.error;
  EXPECT_EQ(irteInMemory(*h).lo, 0u);
}

// --- the IEC after every change (FS 6.5, Linux's modify_irte / free_irte) ---

TEST_F(IrFirmwareTest, EachChangeIsFollowedByAnIndexSelectiveIecInvalidation) {
  bringUpIr();
  const auto h = ir().allocate(8);
  ASSERT_TRUE(h);
  const uint16_t i = uint16_t(*h + 5);
  // type 4, G = 1 (bit 4), IM 0 (31:27), IIDX (47:32); qword 1 zero.
  const uint64_t one = 0x4 | 1ull << 4 | uint64_t(i) << 32;
  auto expectOne = [&](size_t mark, const char* what) {
    const auto iec = iecSince(mark);
    ASSERT_EQ(iec.size(), 1u) << what;
    EXPECT_EQ(iec[0].lo, one) << what;
    EXPECT_EQ(iec[0].hi, 0u) << what;
  };
  const uint64_t before = sys->unit.stats().inv_iec_index;
  size_t mark = logMark();
  fw::RemappedEntry r;
  r.vector = 0x40;
  ASSERT_TRUE(ir().setRemapped(i, r));
  expectOne(mark, "setRemapped");
  mark = logMark();
  ASSERT_TRUE(ir().retarget(i, 0x41, 2));
  expectOne(mark, "retarget");
  mark = logMark();
  fw::PostedEntry p;
  p.descriptor = 0x10'0000;
  ASSERT_TRUE(ir().setPosted(i, p));
  expectOne(mark, "setPosted");
  mark = logMark();
  ASSERT_TRUE(ir().clear(i));
  expectOne(mark, "clear");
  EXPECT_EQ(sys->unit.stats().inv_iec_index, before + 4);
  EXPECT_EQ(driver->stats().inv_iec_index, 4u);

  // Freeing the block of 8: all entries cleared, one descriptor with IM = 3 at the base.
  ASSERT_TRUE(ir().setRemapped(*h, r));
  mark = logMark();
  ASSERT_TRUE(ir().free(*h));
  const auto iec = iecSince(mark);
  ASSERT_EQ(iec.size(), 1u);
  EXPECT_EQ(iec[0].lo, 0x4 | 1ull << 4 | 3ull << 27 | uint64_t(*h) << 32);
  for (uint16_t k = *h; k < *h + 8; ++k) {
    EXPECT_EQ(irteInMemory(k).lo, 0u);
    EXPECT_EQ(irteInMemory(k).hi, 0u);
  }
}

// FS 6.5: IM must not exceed ECAP.MHMV; a larger block is invalidated globally.
TEST_F(IrFirmwareTest, BlocksAboveMhmvAreInvalidatedGlobally) {
  UnitConfig c = irConfig();
  c.unit.max_handle_mask = 1;
  build(c, withQueue());
  bringUpIr();
  const auto h = ir().allocate(8);
  ASSERT_TRUE(h);
  const size_t mark = logMark();
  ASSERT_TRUE(ir().free(*h));
  const auto iec = iecSince(mark);
  ASSERT_EQ(iec.size(), 1u);
  EXPECT_EQ(iec[0].lo, 0x4u) << "global";
  EXPECT_EQ(sys->unit.stats().inv_queue_errors, 0u);
}

// --- MSI address/data and RTE composition (FS 8.1) ---

TEST(IrComposition, MsiSplitsTheHandleAcrossBits19To5AndBit2) {
  fw::MsiMessage m = fw::InterruptRemapping::msiFor(0x8000 | 0x1234);
  EXPECT_EQ(m.address, 0xFEE0'0000u | 0x1234u << 5 | 1u << 4 | 1u << 2)
      << "HANDLE[14:0] in 19:5, format bit 4, HANDLE[15] in bit 2, SHV (bit 3) clear";
  EXPECT_EQ(m.data, 0u);
  m = fw::InterruptRemapping::msiFor(0x7FFF);
  EXPECT_EQ(m.address, 0xFEE0'0000u | 0xFFFE0u | 1u << 4);
  m = fw::InterruptRemapping::msiFor(0x0010, 3);
  EXPECT_EQ(m.address, 0xFEE0'0000u | 0x10u << 5 | 1u << 4 | 1u << 3) << "SHV";
  EXPECT_EQ(m.data, 3u) << "subhandle in data 15:0";
  EXPECT_EQ(m.address >> 32, 0u);
}

TEST(IrComposition, IoapicRteRemappableFormat) {
  fw::IoapicPin pin;
  pin.vector = 9;
  pin.level = true;
  pin.active_low = true;
  pin.masked = true;
  const uint64_t rte = fw::InterruptRemapping::ioapicRteFor(0x8000 | 0x0ABC, pin);
  EXPECT_EQ(rte & 0xFF, 9u) << "vector 7:0";
  EXPECT_EQ((rte >> 8) & 7, 0u) << "10:8 must be 0";
  EXPECT_EQ((rte >> 11) & 1, 1u) << "INDEX[15] in bit 11";
  EXPECT_EQ((rte >> 13) & 1, 1u) << "polarity";
  EXPECT_EQ((rte >> 15) & 1, 1u) << "trigger mode";
  EXPECT_EQ((rte >> 16) & 1, 1u) << "mask";
  EXPECT_EQ((rte >> 17) & ((1ull << 31) - 1), 0u) << "47:17 reserved";
  EXPECT_EQ((rte >> 48) & 1, 1u) << "format";
  EXPECT_EQ(rte >> 49, 0x0ABCu) << "INDEX[14:0] in 63:49";
  EXPECT_EQ(fw::InterruptRemapping::ioapicRteFor(5, fw::IoapicPin{}), 1ull << 48 | 5ull << 49);
}

// --- end to end through the model ---

TEST_F(IrFirmwareTest, ComposedMsiIsRemappedToTheEntry) {
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.vector = 0x61;
  e.destination = 3;
  e.source = fw::SourceCheck::requester(kSid);
  ASSERT_TRUE(ir().setRemapped(*h, e));
  InterruptResult r = request(ir().msiFor(*h));
  ASSERT_TRUE(r.ok) << faultReasonName(r.reason);
  EXPECT_TRUE(r.send);
  EXPECT_FALSE(r.posted);
  EXPECT_EQ(vectorOf(r), 0x61);
  EXPECT_EQ(destinationOf(r), 3u);
  EXPECT_EQ(sys->unit.stats().interrupts_remapped, 1u);
  r = request(ir().msiFor(*h), kSid2);  // FS 8.3 SVT = 01: another requester
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, FaultReason::IrSourceCheckFailed);
}

TEST_F(IrFirmwareTest, X2apicDestinationEndToEnd) {
  fw::InterruptRemappingOptions o;
  o.x2apic = true;
  bringUpIr(o);
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.vector = 0x70;
  e.destination = 0x1'0203;
  ASSERT_TRUE(ir().setRemapped(*h, e));
  const InterruptResult r = request(ir().msiFor(*h));
  ASSERT_TRUE(r.ok && r.send);
  EXPECT_EQ(destinationOf(r), 0x1'0203u);
  EXPECT_EQ(vectorOf(r), 0x70);
}

// FS 8.1: a multi-message function gets one aligned block, SHV = 1 and data = message
// number: entry base + n.
TEST_F(IrFirmwareTest, MultiVectorBlockUsesTheSubhandle) {
  bringUpIr();
  ASSERT_TRUE(ir().allocate(1));
  const auto base = ir().allocate(4);
  ASSERT_TRUE(base);
  EXPECT_EQ(*base % 4, 0);
  for (uint16_t n = 0; n < 4; ++n) {
    fw::RemappedEntry e;
    e.vector = uint8_t(0x40 + n);
    e.destination = n;
    ASSERT_TRUE(ir().setRemapped(uint16_t(*base + n), e));
  }
  const fw::MsiMessage m = ir().msiFor(*base, 0);
  for (uint32_t n = 0; n < 4; ++n) {
    const InterruptResult r = request(fw::MsiMessage{m.address, m.data | n});
    ASSERT_TRUE(r.ok && r.send) << n;
    EXPECT_EQ(vectorOf(r), 0x40 + n);
    EXPECT_EQ(destinationOf(r), n);
  }
}

// FS 8.1: HANDLE[15] travels in address bit 2.
TEST_F(IrFirmwareTest, HandlesAbove32KUseAddressBit2) {
  bringUpIr();
  ASSERT_EQ(ir().allocate(0x8000), 0);
  const auto h = ir().allocate();
  ASSERT_EQ(h, 0x8000);
  fw::RemappedEntry e;
  e.vector = 0x99;
  ASSERT_TRUE(ir().setRemapped(*h, e));
  const InterruptResult r = request(ir().msiFor(*h));
  ASSERT_TRUE(r.ok && r.send) << faultReasonName(r.reason);
  EXPECT_EQ(vectorOf(r), 0x99);
}

// The unit caches the entry; the change is seen because the firmware invalidated it.
TEST_F(IrFirmwareTest, RetargetTakesEffectThroughTheIec) {
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.vector = 0x30;
  e.destination = 1;
  e.source = fw::SourceCheck::requester(kSid);
  ASSERT_TRUE(ir().setRemapped(*h, e));
  ASSERT_EQ(vectorOf(request(ir().msiFor(*h))), 0x30);  // now cached
  const Desc old = irteInMemory(*h);
  ASSERT_TRUE(ir().retarget(*h, 0x31, 6));
  EXPECT_EQ(irteInMemory(*h).hi, old.hi) << "only the low quadword changes";
  const InterruptResult r = request(ir().msiFor(*h));
  EXPECT_EQ(vectorOf(r), 0x31);
  EXPECT_EQ(destinationOf(r), 6u);
  EXPECT_EQ(r.cost.irte_reads, 1u) << "read again after the invalidation";
  // Only present remapped entries can be retargeted.
  ASSERT_TRUE(ir().clear(*h));
  EXPECT_FALSE(ir().retarget(*h, 0x31, 6));
}

TEST_F(IrFirmwareTest, FreedEntriesAreNotPresent) {
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  fw::RemappedEntry e;
  e.vector = 0x30;
  ASSERT_TRUE(ir().setRemapped(*h, e));
  ASSERT_TRUE(request(ir().msiFor(*h)).ok);
  ASSERT_TRUE(ir().free(*h));
  const InterruptResult r = request(ir().msiFor(*h));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, FaultReason::IrEntryNotPresent);
}

// ECAP.C = 0: each written IRTE is flushed from the CPU caches (Linux's __iommu_flush_cache).
TEST_F(IrFirmwareTest, NonCoherentUnitGetsEntriesFlushed) {
  UnitConfig c = irConfig();
  c.unit.coherent = false;
  build(c, withQueue());
  bringUpIr();
  const auto h = ir().allocate();
  ASSERT_TRUE(h);
  const uint64_t flushes = memory->flushes;
  ASSERT_TRUE(ir().setRemapped(*h, fw::RemappedEntry{}));
  EXPECT_EQ(memory->flushes, flushes + 1);
}

}  // namespace
}  // namespace vtd::test
