// Interrupt requests as the remapping hardware sees them (VT-d 3.x 5.1.2, FS 8.1): a DWORD
// write into 0xFEEx_xxxx, in compatibility format (address bit 4 = 0, an ordinary xAPIC
// MSI) or remappable format (bit 4 = 1: a handle into the interrupt-remapping table, an
// optional subhandle in the data). This file decodes the remappable fields, computes the
// interrupt index and finds the reserved-field violations that give fault 0x20.
// It also holds ApicInterrupt, the interrupt as it travels to the local APICs (destination,
// modes, vector), with its MSI encoding.
// Not modelled: I/O APIC redirection entries (FS 8.1 RTE table); they reach the unit as the
// same write, so an I/O APIC model encodes its RTE into a remappable MSI before calling us.
#pragma once

#include <cstdint>

#include "model/common/interrupt_sink.h"
#include "model/faults/fault_reason.h"

namespace vtd {

enum class InterruptFormat : uint8_t { Compatibility = 0, Remappable = 1 };

struct InterruptRequestFields {
  InterruptFormat format = InterruptFormat::Compatibility;
  uint16_t handle = 0;     // HANDLE[15] = address bit 2, HANDLE[14:0] = address bits 19:5
  bool shv = false;        // SHV, address bit 3
  uint16_t subhandle = 0;  // data bits 15:0, used only with SHV = 1
  // HANDLE + SUBHANDLE (SHV = 1) or HANDLE. 17 bits wide on purpose: the sum is not wrapped,
  // so 0xFFFF + 1 is out of range of every table (fault 0x21) instead of aliasing entry 0
  // [inferred; QEMU keeps a 16-bit index and wraps].
  uint32_t index = 0;
  // IrReservedRequest (0x20) for a remappable request with a reserved field set; None
  // otherwise. Compatibility-format requests never get 0x20 (it is defined only for the
  // remappable format, FS 7.4); the unit blocks or passes them as a whole (0x25).
  FaultReason reason = FaultReason::None;

  bool remappable() const { return format == InterruptFormat::Remappable; }
};

// Decodes the address (64-bit, as the request carries it) and the data of an interrupt
// request. Checks, for the remappable format only (FS 8.1, 7.4 row 0x20): address bits
// 63:32 = 0, bits 31:20 = 0xFEE, and data bits 31:16 = 0 when SHV = 1. Address bits 1:0 are
// ignored, as is the whole data word when SHV = 0.
InterruptRequestFields decodeInterruptRequest(uint64_t address, uint32_t data);

// Builds a remappable-format request for `handle` (tests, firmware, an I/O APIC model).
MsiMessage encodeRemappableRequest(uint16_t handle, bool shv, uint16_t subhandle);

// An interrupt on its way to the local APICs: what a remapped IRTE, a passed-through
// compatibility MSI or a posted-interrupt notification produces.
struct ApicInterrupt {
  uint32_t destination = 0;  // APIC ID: 8 bits in xAPIC mode, 32 bits in x2APIC mode
  bool x2apic = false;       // destination is a 32-bit x2APIC ID (IRTA.EIME = 1)
  bool dm = false;           // destination mode: 0 physical, 1 logical
  bool rh = false;           // redirection hint
  bool tm = false;           // trigger mode: 0 edge, 1 level
  uint8_t dlm = 0;           // delivery mode (000 fixed, 001 lowest priority, ...)
  uint8_t vector = 0;

  // The xAPIC MSI message (SDM 11.11): address 0xFEE0_0000 | ID[7:0] << 12 | RH << 3 |
  // DM << 2; data vector | DLM << 8 | level-assert << 14 | TM << 15 (assert always 1, as
  // for any MSI). In x2APIC mode ID[31:8] goes to address bits 63:40, the placement QEMU's
  // interrupt bus uses for 32-bit IDs; a purely xAPIC target ignores it.
  MsiMessage message() const;
  // The fields of a compatibility-format MSI (the inverse of message() for xAPIC IDs).
  static ApicInterrupt fromCompatibility(uint64_t address, uint32_t data);

  bool operator==(const ApicInterrupt& o) const {
    return destination == o.destination && x2apic == o.x2apic && dm == o.dm && rh == o.rh &&
           tm == o.tm && dlm == o.dlm && vector == o.vector;
  }
};

}  // namespace vtd
