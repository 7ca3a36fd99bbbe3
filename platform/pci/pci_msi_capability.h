// PciMsiCapability: an MSI capability structure (PCI LB 3.0 section 6.8.1) with a 64-bit
// message address, one vector and no per-vector masking, as QEMU's msi_init(dev, offset,
// 1, true, false) builds it for edu. Layout from the capability offset: +0 id 0x05, +1
// next, +2 Message Control (bit 0 MSI Enable, bits 3:1 Multiple Message Capable = 0,
// bits 6:4 Multiple Message Enable, bit 7 64-bit capable = 1), +4 Message Address (bits
// 1:0 read-only 0), +8 Message Upper Address, +0xC Message Data (16 bits). 14 bytes; the
// bytes after it stay ordinary device-specific space. Not modelled: per-vector masking and
// pending bits, multiple vectors.
#pragma once

#include <cstdint>

#include "platform/pci/pci_config_space.h"

namespace vtd::platform {

class PciMsiCapability {
 public:
  static constexpr uint8_t kCapId = 0x05;
  static constexpr unsigned kControl = 2, kAddressLo = 4, kAddressHi = 8, kData = 0xC;
  static constexpr unsigned kSize = 0x0E;  // QEMU's PCI_MSI_64_SIZEOF
  static constexpr uint16_t kEnable = 1u << 0, kMmeMask = 0x7u << 4, k64Bit = 1u << 7;

  // Installs the capability at `offset` in `space` (which must outlive this object).
  PciMsiCapability(PciConfigSpace& space, unsigned offset);

  unsigned offset() const { return offset_; }
  bool enabled() const;
  uint64_t address() const;
  uint16_t data() const;  // the message is this value zero-extended to 32 bits

  // Call after every software configuration write. Returns true when the write touched the
  // capability while MSI is enabled: QEMU's msi_write_config then deasserts INTx (6.8.3.3:
  // a function enabled for MSI must not use INTx). It also clamps a Multiple Message
  // Enable larger than the one vector the function is capable of, as QEMU does, but only
  // while MSI is enabled.
  bool afterConfigWrite(unsigned offset, unsigned size);

 private:
  PciConfigSpace& space_;
  unsigned offset_;
};

}  // namespace vtd::platform
