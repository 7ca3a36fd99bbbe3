// PciConfigSpace: masks, BAR decoding and the capability list.
#include "platform/pci/pci_config_space.h"

#include <stdexcept>

namespace vtd::platform {

using namespace pci;

PciConfigSpace::PciConfigSpace(const PciIdentity& id) {
  poke(kVendorId, 2, id.vendor_id);
  poke(kDeviceId, 2, id.device_id);
  poke(kRevisionId, 1, id.revision);
  poke(kClassProg, 1, id.class_code & 0xFF);
  poke(kClassProg + 1, 2, (id.class_code >> 8) & 0xFFFF);
  poke(kHeaderType, 1, id.header_type);
  poke(kSubsystemVendorId, 2, id.subsystem_vendor_id);
  poke(kSubsystemId, 2, id.subsystem_id);
  poke(kInterruptPin, 1, id.interrupt_pin);
  // QEMU's pci_init_wmask / pci_init_w1cmask: what software may change in any function.
  setWriteMask(kCommand, 2,
               kCommandIo | kCommandMemory | kCommandMaster | kCommandSerr | kCommandIntxDisable);
  setWriteMask(kCacheLineSize, 1, 0xFF);
  setWriteMask(kInterruptLine, 1, 0xFF);
  for (unsigned i = kDeviceSpecific; i < kConfigSize; ++i) wmask_[i] = 0xFF;
  setW1cMask(kStatus, 2, kStatusW1c);
}

// Bytes past the end of the space are not there: they read 0 and ignore writes, as QEMU
// clips an access to the space (pci_host_config_read_common's MIN(len, limit - addr)).
uint32_t PciConfigSpace::peek(unsigned offset, unsigned size) const {
  uint32_t v = 0;
  for (unsigned i = 0; i < size && i < 4; ++i)
    if (offset + i < kConfigSize) v |= uint32_t(bytes_[offset + i]) << (8 * i);
  return v;
}

void PciConfigSpace::poke(unsigned offset, unsigned size, uint32_t value) {
  for (unsigned i = 0; i < size && i < 4; ++i)
    if (offset + i < kConfigSize) bytes_[offset + i] = uint8_t(value >> (8 * i));
}

void PciConfigSpace::setWriteMask(unsigned offset, unsigned size, uint32_t mask) {
  for (unsigned i = 0; i < size && i < 4; ++i)
    if (offset + i < kConfigSize) wmask_[offset + i] = uint8_t(mask >> (8 * i));
}

void PciConfigSpace::setW1cMask(unsigned offset, unsigned size, uint32_t mask) {
  for (unsigned i = 0; i < size && i < 4; ++i)
    if (offset + i < kConfigSize) w1cmask_[offset + i] = uint8_t(mask >> (8 * i));
}

uint32_t PciConfigSpace::writeMask(unsigned offset, unsigned size) const {
  uint32_t v = 0;
  for (unsigned i = 0; i < size && i < 4; ++i)
    if (offset + i < kConfigSize) v |= uint32_t(wmask_[offset + i]) << (8 * i);
  return v;
}

uint32_t PciConfigSpace::read(unsigned offset, unsigned size) const {
  return peek(offset, size);
}

// One formula for every byte: writable bits take the new value, then W1C bits written as 1
// clear. A bit is never both (QEMU asserts the same).
void PciConfigSpace::write(unsigned offset, unsigned size, uint32_t value) {
  for (unsigned i = 0; i < size && i < 4; ++i) {
    const unsigned at = offset + i;
    if (at >= kConfigSize) break;
    const uint8_t v = uint8_t(value >> (8 * i));
    bytes_[at] = uint8_t((bytes_[at] & ~wmask_[at]) | (v & wmask_[at]));
    bytes_[at] = uint8_t(bytes_[at] & ~(v & w1cmask_[at]));
  }
}

void PciConfigSpace::addMemoryBar32(unsigned index, uint32_t size) {
  if (index >= kBarCount || size < 16 || (size & (size - 1)))
    throw std::invalid_argument("PciConfigSpace: a memory BAR needs a power-of-two size >= 16");
  bar_size_[index] = size;
  // Bits 3:0 are read-only 0: memory space, 32-bit, non-prefetchable (6.2.5.1).
  poke(kBar0 + 4 * index, 4, 0);
  setWriteMask(kBar0 + 4 * index, 4, ~(size - 1));
}

std::optional<uint64_t> PciConfigSpace::barAddress(unsigned index) const {
  if (index >= kBarCount || !bar_size_[index] || !memoryEnabled()) return std::nullopt;
  const uint64_t size = bar_size_[index];
  const uint64_t base = peek(kBar0 + 4 * index, 4) & ~(size - 1);
  // QEMU leaves a BAR at 0 unmapped (q35 does not allow address 0), and a 32-bit BAR whose
  // last byte reaches 0xFFFFFFFF (e.g. still holding the sizing pattern) too.
  if (base == 0 || base + size - 1 >= 0xFFFFFFFFull) return std::nullopt;
  return base;
}

bool PciConfigSpace::barDecodes(unsigned index, uint64_t address, uint64_t length) const {
  const std::optional<uint64_t> base = barAddress(index);
  if (!base || address < *base) return false;
  const uint64_t offset = address - *base;
  return offset < bar_size_[index] && length <= bar_size_[index] - offset;
}

void PciConfigSpace::addCapability(uint8_t id, unsigned offset, unsigned size) {
  if (offset < kDeviceSpecific || offset + size > kConfigSize || (offset & 3))
    throw std::invalid_argument("PciConfigSpace: capability outside the device-specific area");
  poke(offset, 1, id);
  poke(offset + 1, 1, peek(kCapabilityList, 1));  // next: the previous head
  poke(kCapabilityList, 1, offset);
  poke(kStatus, 2, peek(kStatus, 2) | kStatusCapList);
  for (unsigned i = 0; i < size; ++i) wmask_[offset + i] = 0;  // the capability sets its own
}

void PciConfigSpace::setInterruptStatus(bool asserted) {
  const uint16_t status = uint16_t(peek(kStatus, 2));
  poke(kStatus, 2, asserted ? status | kStatusInterrupt : status & ~kStatusInterrupt);
}

}  // namespace vtd::platform
