// RTE encodings and the interrupt request of an RTE (see ioapic_rte.h for the sources).
#include "platform/apic/ioapic_rte.h"

namespace vtd::platform::rte {

namespace {
constexpr uint64_t kInterruptWindow = 0xFEE0'0000;

uint64_t common(const Fields& f) {
  return uint64_t(f.vector) | (f.polarity_low ? kPolarityLow : 0) |
         (f.level_triggered ? kLevelTriggered : 0) | (f.masked ? kMasked : 0);
}
}  // namespace

uint64_t makeCompatibility(const Fields& f) {
  return common(f) | uint64_t(f.delivery_mode & 7) << kDeliveryModeShift |
         (f.logical ? kDestinationModeLogical : 0) | uint64_t(f.destination) << kDestinationShift;
}

uint64_t makeRemappable(const Fields& f) {
  return common(f) | kRemappable | uint64_t(f.index & 0x7FFF) << kIndexShift |
         uint64_t(f.index >> 15) << 11;
}

MsiMessage message(uint64_t e) {
  MsiMessage m;
  m.data =
      uint32_t(vector(e)) | uint32_t(deliveryMode(e)) << 8 | (levelTriggered(e) ? 1u << 15 : 0);
  if (remappable(e)) {
    const uint16_t i = index(e);
    m.address = kInterruptWindow | uint64_t(i & 0x7FFF) << 5 | 1u << 4 | uint64_t(i >> 15) << 2;
  } else {
    m.address = kInterruptWindow | uint64_t(e >> kDestinationShift) << 12 |
                ((e & kDestinationModeLogical) ? 1u << 2 : 0);
  }
  return m;
}

}  // namespace vtd::platform::rte
