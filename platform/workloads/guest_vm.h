// GuestVm and GuestRam: one KVM guest's memory as its drivers see it. Guest RAM is
// [0, ram_bytes) guest-physical, backed by host memory from host_base (as the passthrough
// manager maps it). A device is handed DMA addresses: guest-physical ones when the IOMMU
// translates (IOVA = GPA), host-physical ones when it is off or the context passes through
// (what the guest driver's dma_map would return in each case). GuestRam reads and writes
// guest RAM through a PhysMemory: the host CPU's (timed bus accesses) while the host sets
// the VM up, a backdoor while devices run (the guest's CPU work is not what we time; its
// stores happen between device operations). Not modelled: guest CPU caches, guest page
// tables (the guest drivers work in guest-physical addresses).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "firmware/hal.h"

namespace vtd::platform {

struct GuestVm {
  uint32_t index = 0;
  uint64_t ram_bytes = 0;
  uint64_t host_base = 0;
  uint64_t dma_offset = 0;  // device address = guest-physical + dma_offset

  uint64_t hpa(uint64_t gpa, uint64_t length = 1) const {
    if (gpa >= ram_bytes || length > ram_bytes - gpa)
      throw std::out_of_range("guest-physical address 0x" + hexText(gpa) + " lies outside VM " +
                              std::to_string(index) + "'s RAM");
    return host_base + gpa;
  }
  uint64_t deviceAddress(uint64_t gpa) const { return gpa + dma_offset; }

 private:
  static std::string hexText(uint64_t v) {
    static const char* const kDigits = "0123456789abcdef";
    std::string s;
    do s.insert(s.begin(), kDigits[v & 15]); while (v >>= 4);
    return s;
  }
};

class GuestRam {
 public:
  GuestRam(const GuestVm& vm, fw::PhysMemory& memory) : vm_(vm), memory_(&memory) {}
  const GuestVm& vm() const { return vm_; }
  void setMemory(fw::PhysMemory& memory) { memory_ = &memory; }
  void read(uint64_t gpa, void* data, size_t length) { memory_->read(vm_.hpa(gpa, length), data, length); }
  void write(uint64_t gpa, const void* data, size_t length) {
    memory_->write(vm_.hpa(gpa, length), data, length);
  }
  // True when `length` bytes at `gpa` all hold `value` (reads in pieces of up to 4 KiB).
  bool holds(uint64_t gpa, uint64_t length, uint8_t value);

 private:
  GuestVm vm_;
  fw::PhysMemory* memory_;
};

}  // namespace vtd::platform
