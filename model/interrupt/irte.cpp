// IRTE field decoding, reserved-bit rules and source-id validation (FS 8.3, 8.4).
#include "model/interrupt/irte.h"

#include "model/common/bits.h"

namespace vtd {

namespace {
constexpr unsigned kIm = 15;
// Qword-1 positions of the fields both formats share (absolute bits 83:64).
constexpr unsigned kSidHi = 15, kSidLo = 0, kSqHi = 17, kSqLo = 16, kSvtHi = 19, kSvtLo = 18;
}  // namespace

Irte decodeIrte(const IrteRaw& raw, bool eime) {
  Irte e;
  e.raw = raw;
  e.present = testBit(raw.lo, 0);
  e.fpd = testBit(raw.lo, 1);
  e.posted = testBit(raw.lo, kIm);
  e.avail = uint8_t(getBits(raw.lo, 11, 8));
  e.vector = uint8_t(getBits(raw.lo, 23, 16));
  e.sid = uint16_t(getBits(raw.hi, kSidHi, kSidLo));
  e.sq = uint8_t(getBits(raw.hi, kSqHi, kSqLo));
  e.svt = SourceValidation(getBits(raw.hi, kSvtHi, kSvtLo));
  if (e.posted) {
    // FS 8.4: URG bit 14; PDA[31:6] in bits 63:38, PDA[63:32] in bits 127:96.
    e.urgent = testBit(raw.lo, 14);
    e.descriptor = getBits(raw.hi, 63, 32) << 32 | getBits(raw.lo, 63, 38) << 6;
  } else {
    e.dm = testBit(raw.lo, 2);
    e.rh = testBit(raw.lo, 3);
    e.tm = testBit(raw.lo, 4);
    e.dlm = uint8_t(getBits(raw.lo, 7, 5));
    // FS 8.3: x2APIC mode uses all 32 DST bits; xAPIC mode the 8-bit ID in bits 47:40.
    e.destination = eime ? uint32_t(getBits(raw.lo, 63, 32)) : uint32_t(getBits(raw.lo, 47, 40));
  }
  return e;
}

namespace {
uint64_t encodeCommonHigh(uint16_t sid, uint8_t sq, SourceValidation svt) {
  uint64_t hi = setBits(0, kSidHi, kSidLo, sid);
  hi = setBits(hi, kSqHi, kSqLo, sq);
  return setBits(hi, kSvtHi, kSvtLo, uint64_t(svt));
}
}  // namespace

IrteRaw encodeRemappedIrte(const RemappedIrteFields& f, bool eime) {
  IrteRaw r;
  r.lo = (f.present ? bit(0) : 0) | (f.fpd ? bit(1) : 0) | (f.dm ? bit(2) : 0) |
         (f.rh ? bit(3) : 0) | (f.tm ? bit(4) : 0);
  r.lo = setBits(r.lo, 7, 5, f.dlm);
  r.lo = setBits(r.lo, 11, 8, f.avail);
  r.lo = setBits(r.lo, 23, 16, f.vector);
  r.lo = eime ? setBits(r.lo, 63, 32, f.destination) : setBits(r.lo, 47, 40, f.destination);
  r.hi = encodeCommonHigh(f.sid, f.sq, f.svt);
  return r;
}

IrteRaw encodePostedIrte(const PostedIrteFields& f) {
  IrteRaw r;
  r.lo = (f.present ? bit(0) : 0) | (f.fpd ? bit(1) : 0) | (f.urgent ? bit(14) : 0) | bit(kIm);
  r.lo = setBits(r.lo, 11, 8, f.avail);
  r.lo = setBits(r.lo, 23, 16, f.vector);
  r.lo = setBits(r.lo, 63, 38, f.descriptor >> 6);  // PDA_L = (addr >> 6) & (2^26 - 1)
  r.hi = encodeCommonHigh(f.sid, f.sq, f.svt) | (f.descriptor >> 32) << 32;
  return r;
}

IrteReservedMask irteReservedMask(bool posted, bool eime) {
  if (posted) {
    // FS 8.4: 7:2, 13:12, 37:24 and 95:84.
    return {bitMask(7, 2) | bitMask(13, 12) | bitMask(37, 24), bitMask(31, 20)};
  }
  // FS 8.3: 14:12, 31:24, 127:84; in xAPIC mode also DST bits 39:32 and 63:48.
  uint64_t lo = bitMask(14, 12) | bitMask(31, 24);
  if (!eime) lo |= bitMask(39, 32) | bitMask(63, 48);
  return {lo, bitMask(63, 20)};
}

bool irteReservedViolation(const IrteRaw& raw, bool eime, bool posted_supported) {
  const bool posted = testBit(raw.lo, kIm);
  if (posted && !posted_supported) return true;  // IM is a reserved bit without CAP.PI
  const IrteReservedMask m = irteReservedMask(posted, eime);
  if ((raw.lo & m.lo) || (raw.hi & m.hi)) return true;
  return SourceValidation(getBits(raw.hi, kSvtHi, kSvtLo)) == SourceValidation::Reserved;
}

bool irteSourceValid(const Irte& e, SourceId requester) {
  switch (e.svt) {
    case SourceValidation::None:
      return true;
    case SourceValidation::RequesterId: {
      // SQ: which function-number bits (2:0 of the SID) the comparison ignores.
      return sameSourceUnderMask(requester, SourceId{e.sid}, e.sq);
    }
    case SourceValidation::BusRange: {
      const unsigned first = e.sid >> 8, last = e.sid & 0xFF, bus = requester.bus();
      return bus >= first && bus <= last;
    }
    case SourceValidation::Reserved:
      break;
  }
  return false;
}

}  // namespace vtd
