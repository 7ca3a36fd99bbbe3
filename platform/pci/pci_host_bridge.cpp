// PciHostBridge: configuration mechanism #1 and the BAR lookup.
#include "platform/pci/pci_host_bridge.h"

#include <algorithm>
#include <stdexcept>

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
// QEMU's memory core: the largest power of two that fits the rest of the access, the
// alignment of the address and the region's 4-byte maximum.
unsigned pieceSize(uint32_t port, unsigned remaining) {
  unsigned size = 4;
  while (size > remaining || (port & (size - 1))) size >>= 1;
  return size;
}

uint32_t truncate(uint32_t value, unsigned size) {
  return size >= 4 ? value : value & ((1u << (8 * size)) - 1);
}

// A configuration access at a register that is not aligned to its size (possible because
// CONFIG_ADDRESS keeps bits 1:0) goes to the function byte by byte, so that functions only
// ever see the naturally aligned accesses PciDevice promises.
uint32_t configRead(PciDevice& d, unsigned reg, unsigned size) {
  if (size != 3 && reg % size == 0) return d.configRead(reg, size);
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= d.configRead(reg + i, 1) << (8 * i);
  return v;
}

void configWrite(PciDevice& d, unsigned reg, unsigned size, uint32_t value) {
  if (size != 3 && reg % size == 0) return d.configWrite(reg, size, value);
  for (unsigned i = 0; i < size; ++i) d.configWrite(reg + i, 1, (value >> (8 * i)) & 0xFF);
}
}  // namespace

PciHostBridge::PciHostBridge(const sc_core::sc_module_name& name) : sc_module(name) {
  devices_[host_function_.devfn()] = &host_function_;
}

void PciHostBridge::attach(PciDevice& device) {
  PciDevice*& slot = devices_[device.devfn()];
  if (slot) throw std::invalid_argument(std::string(name()) + ": devfn already in use");
  slot = &device;
}

PciDevice* PciHostBridge::selected(unsigned lane, unsigned& reg) const {
  if (!(config_address_ & kEnable)) return nullptr;
  const uint32_t address = config_address_ | lane;    // QEMU ORs the lane into bits 1:0
  if (((address >> 16) & 0xFF) != 0) return nullptr;  // no bridges: only bus 0 exists
  reg = address & 0xFF;
  return devices_[(address >> 8) & 0xFF];
}

uint32_t PciHostBridge::ioRead(uint16_t port, unsigned size) {
  uint32_t value = 0;
  for (unsigned done = 0; done < size;) {
    const uint32_t at = uint32_t(port) + done;
    const unsigned piece = pieceSize(at, size - done);
    value |= readPiece(uint16_t(at), piece) << (8 * done);
    done += piece;
  }
  return value;
}

void PciHostBridge::ioWrite(uint16_t port, unsigned size, uint32_t value) {
  for (unsigned done = 0; done < size;) {
    const uint32_t at = uint32_t(port) + done;
    const unsigned piece = pieceSize(at, size - done);
    writePiece(uint16_t(at), piece, truncate(value >> (8 * done), piece));
    done += piece;
  }
}

uint32_t PciHostBridge::readPiece(uint16_t port, unsigned size) {
  if (port < kConfigAddress || port >= kPortEnd) return truncate(0xFFFFFFFFu, size);
  if (port == kResetControl && size == 1) return 0;  // ICH9 RCR, reset value 0
  if (port < kConfigData) return truncate(config_address_, size);
  unsigned reg = 0;
  PciDevice* d = selected(port & 3, reg);
  if (!d) {
    ++stats_.master_aborts;
    return truncate(0xFFFFFFFFu, size);
  }
  ++stats_.config_reads;
  return configRead(*d, reg, std::min(size, pci::kConfigSize - reg));
}

void PciHostBridge::writePiece(uint16_t port, unsigned size, uint32_t value) {
  if (port < kConfigAddress || port >= kPortEnd) return;
  if (port < kConfigData) {
    // Only a dword write at 0xCF8 loads CONFIG_ADDRESS (QEMU's pci_host_config_write).
    if (port == kConfigAddress && size == 4) config_address_ = value;
    return;
  }
  unsigned reg = 0;
  PciDevice* d = selected(port & 3, reg);
  if (!d) {
    ++stats_.master_aborts;
    return;
  }
  ++stats_.config_writes;
  configWrite(*d, reg, std::min(size, pci::kConfigSize - reg), value);
}

PciDevice* PciHostBridge::memoryClaimant(uint64_t address, unsigned length) const {
  for (PciDevice* d : devices_)
    if (d && d->claimsMemory(address, length)) return d;
  return nullptr;
}

void PciHostBridge::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "config_reads", stats_.config_reads, "accesses",
               "CONFIG_DATA reads that reached a function");
  r.addCounter(p + "config_writes", stats_.config_writes, "accesses",
               "CONFIG_DATA writes that reached a function");
  r.addCounter(
      p + "master_aborts", stats_.master_aborts, "accesses",
      "CONFIG_DATA accesses no function claimed (enable clear, bus not 0, absent function)");
}

}  // namespace vtd::platform
