// The binary form's constants (traces/README.md, "Binary form"): header, record tags and
// the LEB128 / zigzag integer encodings both the writer and the reader use. Layout only:
// no I/O here.
#pragma once

#include <cstdint>

namespace vtd::trace::bin {

constexpr char kMagic[8] = {'V', 'T', 'D', 'T', 'R', 'A', 'C', 'E'};
constexpr uint16_t kVersion = 1;
constexpr unsigned kHeaderBytes = 16;  // magic, version (u16), flags (u16), reserved (u32)

// Tag byte, bits 2:0: what the record is.
constexpr uint8_t kKindMask = 0x07;
constexpr uint8_t kKindDma = 0, kKindRegister = 1, kKindInvalidation = 2, kKindEnd = 7;
// DMA tags: bit 3 write, bit 4 a new source id follows (2 bytes), bit 5 a new size follows,
// bit 6 an extras byte follows (PASID prefix, AT); bit 7 reserved.
constexpr uint8_t kDmaWrite = 0x08, kDmaSource = 0x10, kDmaSize = 0x20, kDmaExtras = 0x40;
constexpr uint8_t kDmaReserved = 0x80;
// Register-write tags: bit 3 an 8-byte write (else 4); bits 7:4 reserved.
constexpr uint8_t kRegister64 = 0x08, kRegisterReserved = 0xF0;
// Invalidation and end tags: bits 7:3 reserved.
constexpr uint8_t kPlainReserved = 0xF8;
// Extras byte: bit 0 PASID present (its value follows), bit 1 privileged, bit 2 execute,
// bits 4:3 AT; bits 7:5 reserved.
constexpr uint8_t kExtraPasid = 0x01, kExtraPrivileged = 0x02, kExtraExecute = 0x04;
constexpr unsigned kExtraAtShift = 3;
constexpr uint8_t kExtraAtMask = 0x18, kExtraReserved = 0xE0;

// Longest record: tag, time (10), source (2), address (10), size (5), extras (1), PASID (3).
constexpr unsigned kMaxRecordBytes = 31;

inline uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

// LEB128: 7 bits per byte, low first, bit 7 set on all but the last. Returns the end.
inline uint8_t* putVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = uint8_t(v) | 0x80;
    v >>= 7;
  }
  *p++ = uint8_t(v);
  return p;
}

}  // namespace vtd::trace::bin
