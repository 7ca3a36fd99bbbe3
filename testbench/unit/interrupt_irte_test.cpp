// IRTE decoding (FS 8.3 remapped format, FS 8.4 posted format), the reserved-bit rules of
// each format (fault 0x24, FS 7.4) and source-id validation (SVT/SQ/SID, fault 0x26).
// The raw entries are typed by hand from the fact-sheet bit tables.
#include <gtest/gtest.h>

#include "model/interrupt/irte.h"

namespace vtd {
namespace {

// P=1, DM=1, RH=1, TM=1, DLM=010, AVAIL=0xA, V=0x31, xAPIC DST 0x2A in bits 47:40;
// SID 03:02.0 (0x0310), SQ=10, SVT=01.
constexpr IrteRaw kRemapped{0x0000'2A00'0031'0A5Dull, 0x0000'0000'0006'0310ull};
// P=1, FPD=1, URG=1, IM=1, AVAIL=5, VV=0x47, PDA 0x1'2345'6780; SID 0x00F8, SQ=11, SVT=01.
constexpr IrteRaw kPosted{0x2345'6780'0047'C503ull, 0x0000'0001'0007'00F8ull};

TEST(Irte, Fs83RemappedFields) {
  const Irte e = decodeIrte(kRemapped, /*eime=*/false);
  EXPECT_TRUE(e.present);
  EXPECT_FALSE(e.fpd);
  EXPECT_FALSE(e.posted);
  EXPECT_TRUE(e.dm);
  EXPECT_TRUE(e.rh);
  EXPECT_TRUE(e.tm);
  EXPECT_EQ(e.dlm, 2);
  EXPECT_EQ(e.avail, 0xA);
  EXPECT_EQ(e.vector, 0x31);
  EXPECT_EQ(e.destination, 0x2Au);
  EXPECT_EQ(e.sid, 0x0310);
  EXPECT_EQ(e.sq, 2);
  EXPECT_EQ(e.svt, SourceValidation::RequesterId);
  EXPECT_FALSE(e.urgent);
  EXPECT_EQ(e.descriptor, 0u);
}

// FS 8.3 DST: x2APIC mode (EIME=1) takes all of bits 63:32.
TEST(Irte, Fs83DestinationXapicVsX2apic) {
  const IrteRaw r{0x8765'4321'0020'0001ull, 0};
  EXPECT_EQ(decodeIrte(r, true).destination, 0x8765'4321u);
  EXPECT_EQ(decodeIrte(r, false).destination, 0x43u);  // bits 47:40
}

TEST(Irte, Fs83FpdBit) {
  const IrteRaw r{0x2, 0};
  const Irte e = decodeIrte(r, false);
  EXPECT_FALSE(e.present);
  EXPECT_TRUE(e.fpd);
}

TEST(Irte, Fs84PostedFields) {
  const Irte e = decodeIrte(kPosted, false);
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.fpd);
  EXPECT_TRUE(e.posted);
  EXPECT_TRUE(e.urgent);
  EXPECT_EQ(e.avail, 5);
  EXPECT_EQ(e.vector, 0x47);
  EXPECT_EQ(e.descriptor, 0x1'2345'6780ull);
  EXPECT_EQ(e.sid, 0x00F8);
  EXPECT_EQ(e.sq, 3);
  EXPECT_EQ(e.svt, SourceValidation::RequesterId);
  EXPECT_EQ(e.destination, 0u);  // no DST in the posted format
  EXPECT_FALSE(e.dm);
}

TEST(Irte, EncodersMatchHandTypedEntries) {
  RemappedIrteFields rf;
  rf.dm = rf.rh = rf.tm = true;
  rf.dlm = 2;
  rf.avail = 0xA;
  rf.vector = 0x31;
  rf.destination = 0x2A;
  rf.sid = 0x0310;
  rf.sq = 2;
  rf.svt = SourceValidation::RequesterId;
  const IrteRaw r = encodeRemappedIrte(rf, false);
  EXPECT_EQ(r.lo, kRemapped.lo);
  EXPECT_EQ(r.hi, kRemapped.hi);
  PostedIrteFields pf;
  pf.fpd = pf.urgent = true;
  pf.avail = 5;
  pf.vector = 0x47;
  pf.descriptor = 0x1'2345'6780;
  pf.sid = 0x00F8;
  pf.sq = 3;
  pf.svt = SourceValidation::RequesterId;
  const IrteRaw p = encodePostedIrte(pf);
  EXPECT_EQ(p.lo, kPosted.lo);
  EXPECT_EQ(p.hi, kPosted.hi);
}

// FS 8.3 reserved bits of the remapped format, one at a time; AVAIL (11:8) is not reserved.
TEST(Irte, Fs83RemappedReservedBits) {
  EXPECT_FALSE(irteReservedViolation(kRemapped, false, false));
  for (unsigned b : {12u, 13u, 14u, 24u, 31u}) {
    const IrteRaw r{kRemapped.lo | 1ull << b, kRemapped.hi};
    EXPECT_TRUE(irteReservedViolation(r, false, true)) << "bit " << b;
    EXPECT_TRUE(irteReservedViolation(r, true, true)) << "bit " << b;
  }
  for (unsigned b : {84u, 100u, 127u}) {
    const IrteRaw r{kRemapped.lo, kRemapped.hi | 1ull << (b - 64)};
    EXPECT_TRUE(irteReservedViolation(r, false, true)) << "bit " << b;
  }
  EXPECT_FALSE(irteReservedViolation({kRemapped.lo | 0xF00, kRemapped.hi}, false, false));
}

// FS 8.3 / 7.4: xAPIC mode reserves DST bits 39:32 and 63:48; x2APIC mode uses them.
TEST(Irte, Fs83XapicDestinationReservedBits) {
  for (unsigned b : {32u, 39u, 48u, 63u}) {
    const IrteRaw r{0x0020'0001ull | 1ull << b, 0};
    EXPECT_TRUE(irteReservedViolation(r, /*eime=*/false, true)) << "bit " << b;
    EXPECT_FALSE(irteReservedViolation(r, /*eime=*/true, true)) << "bit " << b;
  }
}

// FS 8.4: IM=1 needs CAP.PI; without it IM is a reserved bit.
TEST(Irte, Fs84PostedNeedsCapPi) {
  EXPECT_FALSE(irteReservedViolation(kPosted, false, /*posted_supported=*/true));
  EXPECT_TRUE(irteReservedViolation(kPosted, false, /*posted_supported=*/false));
}

// FS 8.4 reserved bits of the posted format: 7:2, 13:12, 37:24, 95:84. PDA bits and the
// remapped-format DST positions are legal here.
TEST(Irte, Fs84PostedReservedBits) {
  for (unsigned b : {2u, 7u, 12u, 13u, 24u, 37u}) {
    const IrteRaw r{kPosted.lo | 1ull << b, kPosted.hi};
    EXPECT_TRUE(irteReservedViolation(r, false, true)) << "bit " << b;
  }
  for (unsigned b : {84u, 95u}) {
    const IrteRaw r{kPosted.lo, kPosted.hi | 1ull << (b - 64)};
    EXPECT_TRUE(irteReservedViolation(r, false, true)) << "bit " << b;
  }
  const IrteRaw pda{kPosted.lo | 1ull << 38 | 1ull << 63, kPosted.hi | 1ull << 63};
  EXPECT_FALSE(irteReservedViolation(pda, false, true));
}

// FS 8.3: SVT=11 is reserved -> 0x24 (our reading; QEMU fails the SID check instead).
TEST(Irte, Fs83SvtReservedIsReservedViolation) {
  const IrteRaw r{kRemapped.lo, 0x000C'0000ull};
  EXPECT_TRUE(irteReservedViolation(r, false, true));
  EXPECT_FALSE(irteSourceValid(decodeIrte(r, false), SourceId{0}));
}

Irte withSource(SourceValidation svt, uint8_t sq, uint16_t sid) {
  Irte e;
  e.present = true;
  e.svt = svt;
  e.sq = sq;
  e.sid = sid;
  return e;
}

// FS 8.3 SVT=00: no check.
TEST(Irte, Fs83SvtNone) {
  EXPECT_TRUE(irteSourceValid(withSource(SourceValidation::None, 0, 0x1234), SourceId{0xFFFF}));
}

// FS 8.3 SVT=01 with SQ: 00 all 16 bits, 01 ignore bit 2, 10 ignore 2:1, 11 ignore 2:0.
TEST(Irte, Fs83SvtRequesterIdWithSq) {
  const uint16_t sid = 0x0310;  // 03:02.0
  auto ok = [&](uint8_t sq, uint16_t req) {
    return irteSourceValid(withSource(SourceValidation::RequesterId, sq, sid), SourceId{req});
  };
  EXPECT_TRUE(ok(0, 0x0310));
  EXPECT_FALSE(ok(0, 0x0311));
  EXPECT_TRUE(ok(1, 0x0314));   // fn 4: only bit 2 differs
  EXPECT_FALSE(ok(1, 0x0312));  // fn 2: bit 1 differs
  EXPECT_TRUE(ok(2, 0x0316));   // fn 6: bits 2:1
  EXPECT_FALSE(ok(2, 0x0311));  // fn 1: bit 0
  EXPECT_TRUE(ok(3, 0x0317));   // fn 7: bits 2:0
  EXPECT_FALSE(ok(3, 0x0318));  // device 3: bit 3 is never ignored
  EXPECT_FALSE(ok(3, 0x0410));  // another bus
}

// FS 8.3 SVT=10: requester bus in [SID[15:8], SID[7:0]].
TEST(Irte, Fs83SvtBusRange) {
  const Irte e = withSource(SourceValidation::BusRange, 3, 0x0406);  // buses 4..6; SQ ignored
  EXPECT_FALSE(irteSourceValid(e, SourceId::fromBdf(3, 0, 0)));
  EXPECT_TRUE(irteSourceValid(e, SourceId::fromBdf(4, 31, 7)));
  EXPECT_TRUE(irteSourceValid(e, SourceId::fromBdf(5, 0, 0)));
  EXPECT_TRUE(irteSourceValid(e, SourceId::fromBdf(6, 1, 0)));
  EXPECT_FALSE(irteSourceValid(e, SourceId::fromBdf(7, 0, 0)));
}

}  // namespace
}  // namespace vtd
