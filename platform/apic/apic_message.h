// ApicMessage: an interrupt message as the APIC bus carries it to the local APICs, decoded
// from the DWORD write that reaches the interrupt window (Intel SDM Vol. 3A 11.11: address
// 0xFEEx_xxxx with destination ID 19:12, RH bit 3, DM bit 2; data with vector 7:0, delivery
// mode 10:8, level (assert) 14, trigger mode 15). A 32-bit x2APIC destination, which only a
// remapped interrupt can carry, has ID[31:8] in address bits 63:40: the placement QEMU's
// interrupt bus uses and the one the unit's ApicInterrupt::message() sends (model/interrupt/
// interrupt_request.h). Linux's paravirtual "extended destination ID" (address bits 11:5)
// is not decoded: VT-d hardware never sends it, and address bits 11:4 are reserved here.
// VectorSet: the 256-bit vector bitmaps (IRR, ISR, TMR, vIRR, PIR) with a highest-first
// search, as APIC priority works.
#pragma once

#include <array>
#include <cstdint>

namespace vtd::platform {

// Delivery modes (SDM 11.11.2, data bits 10:8). 011 and 110 are reserved.
enum DeliveryMode : uint8_t {
  kDeliveryFixed = 0,
  kDeliveryLowestPriority = 1,
  kDeliverySmi = 2,
  kDeliveryNmi = 4,
  kDeliveryInit = 5,
  kDeliveryExtInt = 7,
};

struct ApicMessage {
  uint32_t destination = 0;  // xAPIC: 8-bit ID; x2APIC: 32-bit ID (bits 31:8 from address 63:40)
  bool logical = false;      // DM: 0 physical, 1 logical
  bool redirection_hint = false;  // RH
  uint8_t vector = 0;
  uint8_t delivery_mode = kDeliveryFixed;
  bool assert_level = false;     // data bit 14
  bool level_triggered = false;  // TM, data bit 15

  static constexpr uint64_t kWindowBase = 0xFEE0'0000;
  // A write into 0xFEE0_0000-0xFEEF_FFFF (address bits 31:20 = 0xFEE) is an interrupt message.
  static bool isInterruptAddress(uint64_t address) { return ((address >> 20) & 0xFFF) == 0xFEE; }
  static ApicMessage decode(uint64_t address, uint32_t data);
  // The inverse of decode(): what a sender writes for this message.
  uint64_t address() const;
  uint32_t data() const;
  bool fixedOrLowestPriority() const {
    return delivery_mode == kDeliveryFixed || delivery_mode == kDeliveryLowestPriority;
  }
};

class VectorSet {
 public:
  bool test(uint8_t v) const { return (words_[v / 64] >> (v % 64)) & 1; }
  void set(uint8_t v) { words_[v / 64] |= 1ull << (v % 64); }
  void clear(uint8_t v) { words_[v / 64] &= ~(1ull << (v % 64)); }
  void clearAll() { words_ = {}; }
  bool any() const { return (words_[0] | words_[1] | words_[2] | words_[3]) != 0; }
  unsigned count() const;
  // The highest set vector (the highest priority), or -1 when empty.
  int highest() const;
  VectorSet& operator|=(const VectorSet& o);
  // Quadword i holds vectors 64*i..64*i+63, bit k = vector 64*i+k: the PIR layout (FS 8.5).
  uint64_t word(unsigned i) const { return words_[i]; }
  void setWord(unsigned i, uint64_t w) { words_[i] = w; }

 private:
  std::array<uint64_t, 4> words_{};
};

}  // namespace vtd::platform
