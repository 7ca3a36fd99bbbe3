// PciConfigSpace: the 256-byte configuration space of a conventional PCI type-0 function
// (PCI Local Bus 3.0 chapter 6): bytes plus per-byte writable and write-1-to-clear masks,
// one write formula (QEMU's pci_default_write_config), memory BARs with sizing (6.2.5.1),
// the capability list (6.7) and the hardware-side STATUS.Interrupt bit.
// Matches what QEMU 7.2's PCI core exposes for a plain device (checked at run time):
// COMMAND writable bits IO|MEM|MASTER|SERR|INTX_DISABLE, cache line size and interrupt
// line writable, and the whole device-specific area 0x40..0xFF writable except where a
// capability is installed. Not modelled: I/O and 64-bit BARs, expansion ROM, PCIe
// extended space, parity/SERR signalling (the W1C STATUS bits exist but never get set).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace vtd::platform {

namespace pci {
// Header offsets (PCI LB 3.0 figure 6-1).
constexpr unsigned kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06;
constexpr unsigned kRevisionId = 0x08, kClassProg = 0x09, kCacheLineSize = 0x0C;
constexpr unsigned kHeaderType = 0x0E, kBar0 = 0x10, kSubsystemVendorId = 0x2C;
constexpr unsigned kSubsystemId = 0x2E, kCapabilityList = 0x34, kInterruptLine = 0x3C;
constexpr unsigned kInterruptPin = 0x3D;
constexpr unsigned kDeviceSpecific = 0x40;  // first byte after the type-0 header
constexpr unsigned kConfigSize = 256;
constexpr unsigned kBarCount = 6;
// COMMAND bits (6.2.2).
constexpr uint16_t kCommandIo = 1u << 0, kCommandMemory = 1u << 1, kCommandMaster = 1u << 2;
constexpr uint16_t kCommandSerr = 1u << 8, kCommandIntxDisable = 1u << 10;
// STATUS bits (6.2.3).
constexpr uint16_t kStatusInterrupt = 1u << 3, kStatusCapList = 1u << 4;
constexpr uint16_t kStatusW1c = 0xF900;  // parity, target/master aborts, SERR, detected parity
// QEMU's default subsystem ids (Red Hat / QEMU), shown by every QEMU PCI function.
constexpr uint16_t kQemuSubsystemVendor = 0x1AF4, kQemuSubsystem = 0x1100;
}  // namespace pci

// What a function shows in its read-only header fields.
struct PciIdentity {
  uint16_t vendor_id = 0;
  uint16_t device_id = 0;
  uint8_t revision = 0;
  uint32_t class_code = 0;  // base class << 16 | sub-class << 8 | programming interface
  uint16_t subsystem_vendor_id = pci::kQemuSubsystemVendor;
  uint16_t subsystem_id = pci::kQemuSubsystem;
  uint8_t header_type = 0x00;
  uint8_t interrupt_pin = 0;  // 0: none, 1..4: INTA#..INTD#
};

class PciConfigSpace {
 public:
  explicit PciConfigSpace(const PciIdentity& identity);

  // Software accesses through the host bridge: any size that fits in the space; reads
  // have no side effects, writes apply the masks byte by byte.
  uint32_t read(unsigned offset, unsigned size) const;
  void write(unsigned offset, unsigned size, uint32_t value);

  // Hardware-side access (no masks), little-endian.
  uint32_t peek(unsigned offset, unsigned size) const;
  void poke(unsigned offset, unsigned size, uint32_t value);
  void setWriteMask(unsigned offset, unsigned size, uint32_t mask);
  void setW1cMask(unsigned offset, unsigned size, uint32_t mask);
  uint32_t writeMask(unsigned offset, unsigned size) const;

  // A 32-bit non-prefetchable memory BAR of `size` bytes (a power of two, at least 16):
  // the address bits below the size read 0 so that writing all-ones reads back the size
  // mask (6.2.5.1).
  void addMemoryBar32(unsigned index, uint32_t size);
  uint32_t barSize(unsigned index) const { return bar_size_.at(index); }
  // Where the BAR decodes, or nothing: QEMU's pci_bar_address rules for a 32-bit memory
  // BAR: COMMAND.Memory set, base not 0, and the range ending below 4 GiB.
  std::optional<uint64_t> barAddress(unsigned index) const;
  bool barDecodes(unsigned index, uint64_t address, uint64_t length) const;

  // Links a capability of `size` bytes at `offset` into the list (at its head, as QEMU's
  // pci_add_capability does), sets STATUS.Capabilities List and makes its bytes read-only.
  void addCapability(uint8_t id, unsigned offset, unsigned size);

  uint16_t command() const { return uint16_t(peek(pci::kCommand, 2)); }
  bool memoryEnabled() const { return command() & pci::kCommandMemory; }
  bool busMaster() const { return command() & pci::kCommandMaster; }
  bool intxDisabled() const { return command() & pci::kCommandIntxDisable; }
  // STATUS.Interrupt: the function's INTx# state, whether or not INTx is disabled (6.2.3).
  void setInterruptStatus(bool asserted);

 private:
  std::array<uint8_t, pci::kConfigSize> bytes_{};
  std::array<uint8_t, pci::kConfigSize> wmask_{};
  std::array<uint8_t, pci::kConfigSize> w1cmask_{};
  std::array<uint32_t, pci::kBarCount> bar_size_{};
};

}  // namespace vtd::platform
