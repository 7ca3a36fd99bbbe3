// PciMsiCapability: installation, message fields and the write hook.
#include "platform/pci/pci_msi_capability.h"

namespace vtd::platform {

PciMsiCapability::PciMsiCapability(PciConfigSpace& space, unsigned offset)
    : space_(space), offset_(offset) {
  space_.addCapability(kCapId, offset_, kSize);
  space_.poke(offset_ + kControl, 2, k64Bit);  // MMC = 0: one vector
  // QEMU's msi_init masks: Enable and MME in control, address bits 31:2, upper address,
  // 16 bits of data.
  space_.setWriteMask(offset_ + kControl, 2, kEnable | kMmeMask);
  space_.setWriteMask(offset_ + kAddressLo, 4, 0xFFFFFFFCu);
  space_.setWriteMask(offset_ + kAddressHi, 4, 0xFFFFFFFFu);
  space_.setWriteMask(offset_ + kData, 2, 0xFFFF);
}

bool PciMsiCapability::enabled() const {
  return space_.peek(offset_ + kControl, 2) & kEnable;
}

uint64_t PciMsiCapability::address() const {
  return uint64_t(space_.peek(offset_ + kAddressHi, 4)) << 32 |
         space_.peek(offset_ + kAddressLo, 4);
}

uint16_t PciMsiCapability::data() const {
  return uint16_t(space_.peek(offset_ + kData, 2));
}

bool PciMsiCapability::afterConfigWrite(unsigned offset, unsigned size) {
  const bool overlaps = offset < offset_ + kSize && offset_ < offset + size;
  if (!overlaps || !enabled()) return false;
  const uint16_t control = uint16_t(space_.peek(offset_ + kControl, 2));
  // MMC is 0 (one vector), so any non-zero MME is more than capable.
  if (control & kMmeMask) space_.poke(offset_ + kControl, 2, control & ~kMmeMask);
  return true;
}

}  // namespace vtd::platform
