// What the driver writes for interrupt remapping, as pure encodings: the 128-bit IRTE in its
// remapped format (FS 8.3: the interrupt to deliver) and its posted format (FS 8.4: the
// guest vector to post into a posted-interrupt descriptor), the remappable-format MSI
// address/data a device is given (FS 8.1), and the remappable I/O APIC redirection entry
// (FS 8.1). Values are typed from interrupt_regs.h; nothing here touches memory or
// registers (InterruptRemapping does). Field choices follow Linux's prepare_irte /
// set_irte_sid / fill_msi_msg (RH = 1, TM = 0, SVT = requester id with SQ = all 16 bits).
// Not covered: the AVAIL bits (left 0), the compatibility-format RTE.
#pragma once

#include <cstdint>
#include <string>

namespace vtd::fw {

// An interrupt request as a device writes it: a DWORD `data` to `address` (FS 8.1).
struct MsiMessage {
  uint64_t address = 0;
  uint32_t data = 0;
};

// DLM encodings (FS 8.3); 011 and 110 are reserved.
enum class DeliveryMode : uint8_t {
  Fixed = 0,
  LowestPriority = 1,
  Smi = 2,
  Nmi = 4,
  Init = 5,
  ExtInt = 7,
};

// Which requesters may use an entry: SVT, SQ and SID (FS 8.3, bits 83:64).
struct SourceCheck {
  uint8_t svt = 0;   // 0 none, 1 requester id under SQ, 2 bus range
  uint16_t sid = 0;  // SVT 1: bus:dev.fn; SVT 2: first bus << 8 | last bus
  uint8_t sq = 0;    // SVT 1: 00 all 16 bits, 01/10/11 ignore function bits 2, 2:1, 2:0

  static SourceCheck none() { return {}; }
  // What Linux writes for an MSI-capable function: SVT 01, SQ 00 (all 16 bits).
  static SourceCheck requester(uint16_t sid, uint8_t sq = 0) { return {1, sid, sq}; }
  // Linux's choice for devices behind a PCIe-to-PCI bridge: the bridge's bus range.
  static SourceCheck busRange(uint8_t first, uint8_t last) {
    return {2, uint16_t(first << 8 | last), 0};
  }
};

// A remapped-format entry: deliver `vector` to `destination` (FS 8.3).
struct RemappedEntry {
  uint8_t vector = 0;
  uint32_t destination = 0;      // APIC ID: 8 bits with EIME = 0, 32 bits with EIME = 1
  bool logical = false;          // DM: 0 physical, 1 logical
  bool redirection_hint = true;  // RH (Linux sets 1)
  bool level = false;            // TM (Linux writes 0 and leaves level to the I/O APIC)
  DeliveryMode delivery = DeliveryMode::Fixed;
  bool fpd = false;  // suppress recording of qualified faults
  SourceCheck source;
};

// A posted-format entry: post `vector` (the guest's) into the descriptor (FS 8.4, 8.5).
struct PostedEntry {
  uint8_t vector = 0;
  uint64_t descriptor = 0;  // 64-byte aligned
  bool urgent = false;      // URG: notify even when the descriptor's SN is set
  bool fpd = false;
  SourceCheck source;
};

// One table entry: `lo` = bits 63:0 (P, IM, vector, ...), `hi` = bits 127:64 (SID, ...).
struct Irte {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool present() const;
  bool posted() const;
  bool operator==(const Irte& o) const { return lo == o.lo && hi == o.hi; }
};

// Empty when the entry can be encoded; otherwise what is wrong with it.
std::string remappedProblem(const RemappedEntry& e, bool x2apic);
std::string postedProblem(const PostedEntry& e);

// Present entries (P = 1). `x2apic` is IRTA.EIME: it decides where the destination goes.
Irte encodeRemapped(const RemappedEntry& e, bool x2apic);
Irte encodePosted(const PostedEntry& e);
// The same remapped entry with a new vector and destination (an affinity change).
Irte retargeted(const Irte& e, uint8_t vector, uint32_t destination, bool x2apic);

// The remappable-format request for `handle`: HANDLE[14:0] in address bits 19:5,
// HANDLE[15] in bit 2, format bit 4; with `shv` the data carries `subhandle` and the unit
// uses entry handle + subhandle (FS 8.1). Address bits 63:32 stay 0.
MsiMessage remappableMsi(uint16_t handle, bool shv, uint16_t subhandle);

// An I/O APIC pin routed through entry `index` (FS 8.1 remappable RTE).
struct IoapicPin {
  uint8_t vector = 0;       // still matched by the I/O APIC on EOI (Linux puts the pin here)
  bool level = false;       // trigger mode
  bool active_low = false;  // polarity
  bool masked = false;
};
uint64_t remappableIoapicRte(uint16_t index, const IoapicPin& pin);

}  // namespace vtd::fw
