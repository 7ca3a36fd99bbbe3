// PciHostBridge: bus 0 of a q35 machine behind PCI configuration mechanism #1 (PCI LB 3.0
// section 3.2.2.3.2): CONFIG_ADDRESS at port 0xCF8 (bit 31 enable, bus 23:16, device 15:11,
// function 10:8, register 7:2) and CONFIG_DATA at 0xCFC..0xCFF, plus the host bridge
// function 00:00.0 and the lookup of which function's BAR decodes a CPU address.
// Behaviour follows QEMU 7.2's hw/pci/pci_host.c as observed at run time:
//  - CONFIG_ADDRESS is written only by a dword write at 0xCF8 and keeps all 32 bits; a
//    read at 0xCF8..0xCFB of any size returns it truncated to the size, not shifted.
//  - The byte at 0xCF9 is q35's reset control register (ICH9 RCR): reads 0, writes are
//    ignored here (no machine reset is modelled).
//  - CONFIG_DATA with the enable bit clear, a bus other than 0 or an absent function
//    reads all-ones and drops writes. Bits 1:0 of CONFIG_ADDRESS are OR-ed with the data
//    port's byte offset, and an access is clipped at the end of the 256-byte space.
//  - Accesses split at natural alignment, at most 4 bytes, like QEMU's memory core;
//    bytes outside 0xCF8..0xCFF read 0xFF (an unassigned port) and drop writes.
// Not modelled: PCI-to-PCI bridges, PCIe MMCONFIG (ECAM), functions hidden without
// function 0.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <systemc>

#include "platform/pci/pci_device.h"
#include "platform/pci/q35_host_function.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct PciHostBridgeStats {
  uint64_t config_reads = 0;   // CONFIG_DATA reads that reached a function
  uint64_t config_writes = 0;  // CONFIG_DATA writes that reached a function
  uint64_t master_aborts = 0;  // CONFIG_DATA accesses nobody claimed (disabled, bus, absent)
};

class PciHostBridge : public sc_core::sc_module {
 public:
  static constexpr uint16_t kConfigAddress = 0xCF8, kResetControl = 0xCF9;
  static constexpr uint16_t kConfigData = 0xCFC, kPortEnd = 0xD00;
  static constexpr uint32_t kEnable = 1u << 31;

  explicit PciHostBridge(const sc_core::sc_module_name& name);

  // Places `device` on bus 0 at its devfn (the host bridge already holds 00:00.0).
  // Throws std::invalid_argument when the slot is taken.
  void attach(PciDevice& device);
  PciDevice* device(uint8_t devfn) const { return devices_[devfn]; }
  Q35HostFunction& hostFunction() { return host_function_; }

  // Whether [port, port + size) touches the ports this bridge decodes.
  static bool decodesPort(uint16_t port, unsigned size) {
    return port < kPortEnd && uint32_t(port) + size > kConfigAddress;
  }
  // Port I/O of size 1, 2 or 4 (little-endian values).
  uint32_t ioRead(uint16_t port, unsigned size);
  void ioWrite(uint16_t port, unsigned size, uint32_t value);
  uint32_t configAddress() const { return config_address_; }

  // The function whose memory BAR decodes [address, address + length), if any.
  PciDevice* memoryClaimant(uint64_t address, unsigned length) const;

  const PciHostBridgeStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = PciHostBridgeStats{}; }

 private:
  uint32_t readPiece(uint16_t port, unsigned size);
  void writePiece(uint16_t port, unsigned size, uint32_t value);
  // The function CONFIG_ADDRESS selects for data port byte `lane`, and the register.
  PciDevice* selected(unsigned lane, unsigned& reg) const;

  Q35HostFunction host_function_;
  std::array<PciDevice*, 256> devices_{};
  uint32_t config_address_ = 0;
  PciHostBridgeStats stats_;
};

}  // namespace vtd::platform
