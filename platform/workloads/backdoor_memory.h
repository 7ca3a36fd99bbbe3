// BackdoorMemory: physical memory read and written straight in the platform's DRAM, with
// no bus transaction and no time. What a guest driver's CPU work uses while devices run
// (called back between their operations), and what checks use. Throws std::out_of_range
// outside DRAM.
#pragma once

#include <cstring>
#include <stdexcept>

#include "firmware/hal.h"
#include "platform/memory.h"

namespace vtd::platform {

class BackdoorMemory final : public fw::PhysMemory {
 public:
  explicit BackdoorMemory(Memory& memory) : memory_(memory) {}
  void read(uint64_t address, void* data, size_t length) override {
    std::memcpy(data, at(address, length), length);
  }
  void write(uint64_t address, const void* data, size_t length) override {
    std::memcpy(at(address, length), data, length);
  }

 private:
  uint8_t* at(uint64_t address, size_t length) {
    uint8_t* p = memory_.hostPointer(address, length);
    if (!p) throw std::out_of_range("backdoor access outside DRAM");
    return p;
  }
  Memory& memory_;
};

}  // namespace vtd::platform
