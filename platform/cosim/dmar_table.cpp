// DMAR table bytes (see the header).
#include "platform/cosim/dmar_table.h"

#include <cstring>

namespace vtd::cosim {

namespace {
void put(std::vector<uint8_t>& b, uint64_t v, unsigned bytes) {  // little-endian, bytes <= 8
  for (unsigned i = 0; i < bytes; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
void putText(std::vector<uint8_t>& b, const char* text, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) b.push_back(i < std::strlen(text) ? uint8_t(text[i]) : ' ');
}
unsigned log2Pages(unsigned pages) {
  unsigned n = 0;
  while ((1u << n) < pages) ++n;
  return n;
}
}  // namespace

std::vector<uint8_t> buildDmarTable(const DmarTableSpec& spec) {
  // DRHD (8.3): type 0, length, flags (bit 0 INCLUDE_PCI_ALL: clear), size (2^N pages of
  // registers, VT-d 3.0 on), segment 0, register base, then the device scopes.
  std::vector<uint8_t> drhd;
  const unsigned drhd_length = 16 + 8 * unsigned(spec.scope_devfns.size());
  put(drhd, 0, 2);
  put(drhd, drhd_length, 2);
  put(drhd, 0, 1);
  put(drhd, log2Pages(spec.register_pages), 1);
  put(drhd, 0, 2);
  put(drhd, spec.register_base, 8);
  for (uint8_t devfn : spec.scope_devfns) {
    // Device scope (8.3.1): type 1 (PCI endpoint), length 8, flags, reserved, enumeration
    // id 0, start bus 0, one path entry (device, function).
    put(drhd, 1, 1);
    put(drhd, 8, 1);
    put(drhd, 0, 2);
    put(drhd, 0, 1);
    put(drhd, 0, 1);
    put(drhd, devfn >> 3, 1);
    put(drhd, devfn & 7, 1);
  }
  std::vector<uint8_t> t;
  // Standard ACPI header (36 bytes), then HAW - 1, flags (no INTR_REMAP), 10 reserved.
  putText(t, "DMAR", 4);
  put(t, 36 + 12 + drhd.size(), 4);
  put(t, 1, 1);  // revision
  put(t, 0, 1);  // checksum, set below
  putText(t, "VTDSIM", 6);
  putText(t, "VTDSIMCO", 8);
  put(t, 1, 4);  // OEM revision
  putText(t, "VTDS", 4);
  put(t, 1, 4);  // creator revision
  put(t, spec.host_address_width - 1, 1);
  put(t, 0, 1);
  t.insert(t.end(), 10, 0);  // reserved
  t.insert(t.end(), drhd.begin(), drhd.end());
  uint8_t sum = 0;
  for (uint8_t b : t) sum = uint8_t(sum + b);
  t[9] = uint8_t(-sum);
  return t;
}

}  // namespace vtd::cosim
