// Address Translation Services as the remapping unit sees them (VT-d 3.x 4.1-4.3, FS 4.2
// TT=01; PCIe ATS: translation completions and invalidate requests): the translation
// completion a translation request (AT=01) receives, its PCIe data-entry encoding, and the
// size-in-address (S bit) encoding that completions and device-TLB invalidations share.
// Pure data and encodings: the rules for which request gets which completion are in
// translation/ats_translation.cpp.
//
// Completion data entry (PCIe ATS, one 8-byte entry per translation): 63:12 translated
// address (with the range size folded into its low bits when S=1), 11 S (range larger than
// 4 KiB), 10 N (the device must not set No Snoop), 2 U (untranslated access only), 1 W,
// 0 R. Exe/Priv/Global (bits 3-5) need PASIDs and are always 0 here.
#pragma once

#include <cstdint>

#include "model/common/types.h"

namespace vtd {

// PCIe completion status of a translation request.
enum class AtsStatus : uint8_t {
  Success = 0,             // SC: an entry follows (possibly with R=W=0)
  UnsupportedRequest = 1,  // UR: the request is not allowed (software can correct it)
  CompleterAbort = 4,      // CA: the unit met an error translating it
};

struct AtsCompletion {
  AtsStatus status = AtsStatus::Success;
  uint64_t translated_address = 0;  // base of the range, aligned to `range_bytes`
  uint64_t range_bytes = 4096;      // a power of two, at least 4 KiB
  bool read = false;                // R
  bool write = false;               // W
  bool untranslated_only = false;   // U: use untranslated requests for this range
  bool non_snooped = false;         // N: requests using it must clear No Snoop

  bool usable() const {
    return status == AtsStatus::Success && (read || write) && !untranslated_only;
  }
};

namespace ats {

constexpr uint64_t kR = 1ull << 0, kW = 1ull << 1, kU = 1ull << 2, kN = 1ull << 10, kS = 1ull << 11;

// Address field of a range: S=0 for 4 KiB, else base | ones below the size bit (PCIe:
// bit 12 clear means 8 KiB, bits 12 set and 13 clear mean 16 KiB, ...).
constexpr uint64_t encodeRange(uint64_t base, uint64_t bytes, bool& s) {
  s = bytes > 4096;
  return s ? (base & ~(bytes - 1)) | (((bytes >> 1) - 1) & ~0xFFFull) : base & ~0xFFFull;
}

// The range an address field with S describes. S=1 with bit 63 clear and bits 62:12 all
// set is the whole address space (PCIe "invalidate all"); S=1 with 63:12 all set is
// undefined in PCIe, and treated the same way here.
struct Range {
  uint64_t base = 0;
  uint64_t bytes = 4096;
  bool all = false;
};
inline Range decodeRange(uint64_t address, bool s) {
  Range r;
  if (!s) {
    r.base = address & ~0xFFFull;
    return r;
  }
  const uint64_t pages = address >> 12;
  const unsigned n = unsigned(__builtin_ctzll(~pages | (1ull << 51)));  // lowest clear bit
  if (n >= 51) {
    r.all = true;
    r.bytes = 0;
    return r;
  }
  r.bytes = 4096ull << (n + 1);
  r.base = address & ~(r.bytes - 1);
  return r;
}

inline uint64_t encodeEntry(const AtsCompletion& c) {
  bool s = false;
  uint64_t e = encodeRange(c.translated_address, c.range_bytes, s);
  e |= (s ? kS : 0) | (c.non_snooped ? kN : 0) | (c.untranslated_only ? kU : 0) |
       (c.write ? kW : 0) | (c.read ? kR : 0);
  return e;
}

inline AtsCompletion decodeEntry(uint64_t e) {
  AtsCompletion c;
  const Range r = decodeRange(e & ~0xFFFull, e & kS);
  c.translated_address = r.base;
  c.range_bytes = r.all ? 0 : r.bytes;
  c.read = e & kR;
  c.write = e & kW;
  c.untranslated_only = e & kU;
  c.non_snooped = e & kN;
  return c;
}

}  // namespace ats

// Which completion a translation request gets when its translation stopped on `reason`
// (VT-d 3.x 4.2.3 as docs/compliance.md reads it): UR for requests the entries do not
// allow (root or context not present, TT other than 01), CA for errors in the structures
// (read errors, reserved bits, an invalid context); the fault is recorded for both (FPD
// applies to qualified ones). A page the tables do not map for it (not present, no
// permission, input beyond the width, output in the interrupt range) is a successful
// completion with R=W=0 and no fault: the device may retry untranslated or use page
// requests.
enum class AtsOutcome : uint8_t { NoAccess, UnsupportedRequest, CompleterAbort };
constexpr AtsOutcome atsOutcome(FaultReason reason) {
  switch (reason) {
    case FaultReason::AddressBeyondWidth:
    case FaultReason::WriteNotPermitted:
    case FaultReason::ReadNotPermitted:
    case FaultReason::InterruptRangeOutput:
      return AtsOutcome::NoAccess;
    case FaultReason::RootNotPresent:
    case FaultReason::ContextNotPresent:
    case FaultReason::TranslationTypeBlocked:
    case FaultReason::RootTableModeInvalid:
    case FaultReason::PasidInLegacyMode:
      return AtsOutcome::UnsupportedRequest;
    default:
      return AtsOutcome::CompleterAbort;
  }
}

// The completion for a translation request's Translation (RemappingUnit::translate with
// AT=01): a fault is UR or CA as above; otherwise the entry's output page, size and rights.
AtsCompletion completionOf(const Translation& t);

}  // namespace vtd
