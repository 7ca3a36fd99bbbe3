// ApicMessage decoding/encoding (SDM Vol. 3A 11.11) and VectorSet searches.
#include "platform/apic/apic_message.h"

namespace vtd::platform {

ApicMessage ApicMessage::decode(uint64_t address, uint32_t data) {
  ApicMessage m;
  // ID[7:0] in address bits 19:12; ID[31:8] in bits 63:40 (zero for every xAPIC message).
  m.destination = uint32_t((address >> 12) & 0xFF) | uint32_t(address >> 40) << 8;
  m.redirection_hint = (address >> 3) & 1;
  m.logical = (address >> 2) & 1;
  m.vector = uint8_t(data & 0xFF);
  m.delivery_mode = uint8_t((data >> 8) & 7);
  m.assert_level = (data >> 14) & 1;
  m.level_triggered = (data >> 15) & 1;
  return m;
}

uint64_t ApicMessage::address() const {
  return kWindowBase | uint64_t(destination & 0xFF) << 12 | uint64_t(redirection_hint) << 3 |
         uint64_t(logical) << 2 | uint64_t(destination >> 8) << 40;
}

uint32_t ApicMessage::data() const {
  return uint32_t(vector) | uint32_t(delivery_mode & 7) << 8 | uint32_t(assert_level) << 14 |
         uint32_t(level_triggered) << 15;
}

unsigned VectorSet::count() const {
  unsigned n = 0;
  for (const uint64_t w : words_) n += unsigned(__builtin_popcountll(w));
  return n;
}

int VectorSet::highest() const {
  for (int i = 3; i >= 0; --i)
    if (words_[i]) return i * 64 + 63 - __builtin_clzll(words_[i]);
  return -1;
}

VectorSet& VectorSet::operator|=(const VectorSet& o) {
  for (unsigned i = 0; i < 4; ++i) words_[i] |= o.words_[i];
  return *this;
}

}  // namespace vtd::platform
