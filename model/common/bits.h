// Bit-field helpers used to decode and encode VT-d registers and table entries.
// Models nothing by itself; every caller names the spec field it extracts.
#pragma once

#include <cstdint>

namespace vtd {

// Mask of bits hi..lo inclusive (hi >= lo, hi <= 63).
constexpr uint64_t bitMask(unsigned hi, unsigned lo) {
  return ((hi - lo + 1) >= 64 ? ~0ull : ((1ull << (hi - lo + 1)) - 1)) << lo;
}
constexpr uint64_t bit(unsigned n) { return 1ull << n; }

constexpr uint64_t getBits(uint64_t v, unsigned hi, unsigned lo) {
  return (v & bitMask(hi, lo)) >> lo;
}
constexpr bool testBit(uint64_t v, unsigned n) { return (v >> n) & 1u; }

constexpr uint64_t setBits(uint64_t v, unsigned hi, unsigned lo, uint64_t field) {
  return (v & ~bitMask(hi, lo)) | ((field << lo) & bitMask(hi, lo));
}

// Mask of the address bits below `width` (e.g. width 46 -> bits 45:0).
constexpr uint64_t addressMask(unsigned width) {
  return width >= 64 ? ~0ull : (1ull << width) - 1;
}

}  // namespace vtd
