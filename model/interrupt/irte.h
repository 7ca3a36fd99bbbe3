// Interrupt-remapping table entries (VT-d 3.x 9.10-9.11, FS 8.3-8.4): the 128-bit IRTE in
// its remapped format (IM = 0: the interrupt to deliver) and its posted format (IM = 1, with
// CAP.PI: a vector to post into a posted-interrupt descriptor), the reserved-bit rules of
// each format (fault 0x24) and the source-id validation SVT/SQ/SID (fault 0x26).
// Pure functions over the two quadwords; reading the table is interrupt_remapper's job.
// Not modelled: a posted-descriptor address above the host address width (the fact sheet
// gives no HAW rule for PDA), reserved delivery-mode encodings (011, 110) as faults.
#pragma once

#include <cstdint>

#include "model/common/types.h"

namespace vtd {

// Source-validation type (FS 8.3, bits 83:82).
enum class SourceValidation : uint8_t { None = 0, RequesterId = 1, BusRange = 2, Reserved = 3 };

// An IRTE as read from the table: qword 0 holds bits 63:0, qword 1 bits 127:64.
struct IrteRaw {
  uint64_t lo = 0;
  uint64_t hi = 0;
};

// An IRTE decoded under one IRTA.EIME setting. Fields of the other format are zero.
struct Irte {
  IrteRaw raw;
  bool present = false;  // P, bit 0
  bool fpd = false;      // FPD, bit 1: suppresses the recording of qualified faults
  bool posted = false;   // IM, bit 15
  uint8_t avail = 0;     // AVAIL, bits 11:8 (software's; ignored by hardware)
  // Remapped format (IM = 0).
  bool dm = false;           // bit 2
  bool rh = false;           // bit 3
  bool tm = false;           // bit 4
  uint8_t dlm = 0;           // bits 7:5
  uint8_t vector = 0;        // V, bits 23:16 (posted format: VV, the virtual vector)
  uint32_t destination = 0;  // EIME=1: bits 63:32; EIME=0: the xAPIC ID in bits 47:40
  // Posted format (IM = 1).
  bool urgent = false;      // URG, bit 14
  uint64_t descriptor = 0;  // PDA: bits 127:96 << 32 | bits 63:38 << 6
  // Both formats (bits 83:64).
  uint16_t sid = 0;                               // SID, bits 79:64
  uint8_t sq = 0;                                 // SQ, bits 81:80
  SourceValidation svt = SourceValidation::None;  // SVT, bits 83:82
};

Irte decodeIrte(const IrteRaw& raw, bool eime);

// Builders for tests and firmware: the inverse of decodeIrte for the respective format.
struct RemappedIrteFields {
  bool present = true, fpd = false, dm = false, rh = false, tm = false;
  uint8_t dlm = 0, vector = 0, avail = 0;
  uint32_t destination = 0;  // placed per `eime`
  uint16_t sid = 0;
  uint8_t sq = 0;
  SourceValidation svt = SourceValidation::None;
};
IrteRaw encodeRemappedIrte(const RemappedIrteFields& f, bool eime);

struct PostedIrteFields {
  bool present = true, fpd = false, urgent = false;
  uint8_t vector = 0, avail = 0;
  uint64_t descriptor = 0;  // 64-byte aligned
  uint16_t sid = 0;
  uint8_t sq = 0;
  SourceValidation svt = SourceValidation::None;
};
IrteRaw encodePostedIrte(const PostedIrteFields& f);

// Reserved-bit masks per format (FS 8.3, 8.4); `lo` covers bits 63:0, `hi` bits 127:64.
struct IrteReservedMask {
  uint64_t lo;
  uint64_t hi;
};
IrteReservedMask irteReservedMask(bool posted, bool eime);

// True when a present IRTE violates its format (fault 0x24, FS 7.4): a reserved bit set
// (xAPIC mode also reserves destination bits 39:32 and 63:48), IM = 1 without CAP.PI (the
// IM bit is then itself reserved), or SVT = 11. SVT = 11 is a reserved encoding, and a
// reserved field set in a present entry is 0x24 [inferred; QEMU reports 0x26 instead].
bool irteReservedViolation(const IrteRaw& raw, bool eime, bool posted_supported);

// Source-id validation (FS 8.3, SVT/SQ): None passes; RequesterId compares the requester
// with SID under the SQ mask (SQ 01/10/11 ignore function bits 2, 2:1, 2:0); BusRange
// accepts a requester bus in [SID[15:8], SID[7:0]] (first, last; Linux writes
// start_bus << 8 | end_bus; QEMU reads the two bytes the other way round). Reserved fails
// (it is caught earlier as 0x24).
bool irteSourceValid(const Irte& e, SourceId requester);

}  // namespace vtd
