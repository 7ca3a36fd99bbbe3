// I/O APIC redirection-table entries (RTE, 64-bit) in both formats and the interrupt request
// each one produces. SystemC-free.
// Compatibility format (82093AA datasheet 3.2.4): 7:0 vector, 10:8 delivery mode, 11
// destination mode, 12 delivery status (RO), 13 polarity, 14 Remote IRR (RO), 15 trigger
// mode, 16 mask, 63:56 destination (xAPIC ID or logical set). Its request is the ordinary
// xAPIC MSI: address 0xFEE0_0000 | dest << 12 | DM << 2; data vector | DLM << 8 | TM << 15.
// Remappable format (FS 8.1 "Remappable I/O APIC redirection entry", VT-d 3.x 5.1.5.1):
// bit 48 = 1, INDEX[14:0] in 63:49, INDEX[15] in bit 11 (the compatibility DM bit), 10:8
// must be 0, 7:0 still the vector the I/O APIC matches EOIs against (Linux puts the pin
// number there, Xen the real vector), 12-16 as above. Its request is a remappable-format
// interrupt (FS 8.1 address table): 0xFEE0_0000 | INDEX[14:0] << 5 | 1 << 4 | INDEX[15] << 2
// with SHV (bit 3) = 0, so the interrupt index is the handle and the data is ignored by the
// remapping hardware. SHV = 0 because Xen's and Linux's RTE vectors (real vectors, pins)
// would otherwise be added to the handle; it is also QEMU's I/O APIC encoding (RTE[63:48]
// << 4 into the address, RTE[11] into bit 2). The data still carries vector | DLM << 8 |
// TM << 15 as QEMU sends it, which shows up in traces and costs nothing.
// Not modelled: Linux's paravirtual extended destination ID (RTE 55:49 -> address 11:5).
#pragma once

#include <cstdint>

#include "model/common/interrupt_sink.h"

namespace vtd::platform::rte {

constexpr uint64_t kVectorMask = 0xFF;
constexpr unsigned kDeliveryModeShift = 8;
constexpr uint64_t kDestinationModeLogical = 1ull << 11;  // INDEX[15] in remappable format
constexpr uint64_t kDeliveryStatus = 1ull << 12;
constexpr uint64_t kPolarityLow = 1ull << 13;
constexpr uint64_t kRemoteIrr = 1ull << 14;
constexpr uint64_t kLevelTriggered = 1ull << 15;
constexpr uint64_t kMasked = 1ull << 16;
constexpr uint64_t kRemappable = 1ull << 48;  // interrupt format
constexpr unsigned kDestinationShift = 56;
constexpr unsigned kIndexShift = 49;
// Software-writable bits of the low half: all but delivery status and Remote IRR (RO);
// 31:17 are reserved.
constexpr uint32_t kLowWritable = 0x0001'AFFF;
constexpr uint64_t kReset = kMasked;  // masked, everything else 0 (82093AA 3.2.4)

inline uint8_t vector(uint64_t e) {
  return uint8_t(e & kVectorMask);
}
inline uint8_t deliveryMode(uint64_t e) {
  return uint8_t((e >> kDeliveryModeShift) & 7);
}
inline bool levelTriggered(uint64_t e) {
  return e & kLevelTriggered;
}
inline bool masked(uint64_t e) {
  return e & kMasked;
}
inline bool remoteIrr(uint64_t e) {
  return e & kRemoteIrr;
}
inline bool remappable(uint64_t e) {
  return e & kRemappable;
}
// The interrupt index of a remappable entry: INDEX[14:0] from 63:49, INDEX[15] from bit 11.
inline uint16_t index(uint64_t e) {
  return uint16_t((e >> kIndexShift) & 0x7FFF) | uint16_t(((e >> 11) & 1) << 15);
}

struct Fields {
  uint8_t vector = 0;
  uint8_t delivery_mode = 0;  // compatibility only (0 in remappable format)
  bool logical = false;       // compatibility only
  uint8_t destination = 0;    // compatibility only
  uint16_t index = 0;         // remappable only
  bool level_triggered = false;
  bool polarity_low = false;
  bool masked = false;
};

uint64_t makeCompatibility(const Fields& f);
uint64_t makeRemappable(const Fields& f);
// The interrupt request the I/O APIC writes for this entry (either format).
MsiMessage message(uint64_t entry);

}  // namespace vtd::platform::rte
