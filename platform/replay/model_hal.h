// The firmware's HAL bound straight to a RemappingUnit and a FlatMemory, with a clock that
// only moves when the firmware waits: how the functional replay and the miss curve run the
// driver library over the model without SystemC. The test suite's DirectSystem
// (testbench/support/direct_hal.h) uses the same classes. Not modelled: time, CPU caches,
// concurrent accesses.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "firmware/hal.h"
#include "model/common/flat_memory.h"
#include "model/unit/remapping_unit.h"

namespace vtd::replay {

class ModelMmio final : public fw::MmioPort {
 public:
  explicit ModelMmio(RemappingUnit& unit) : unit_(unit) {}
  uint32_t read32(uint32_t offset) override { return uint32_t(unit_.mmioRead(offset, 4)); }
  uint64_t read64(uint32_t offset) override { return unit_.mmioRead(offset, 8); }
  void write32(uint32_t offset, uint32_t value) override { unit_.mmioWrite(offset, 4, value); }
  void write64(uint32_t offset, uint64_t value) override { unit_.mmioWrite(offset, 8, value); }

 private:
  RemappingUnit& unit_;
};

class ModelMemory final : public fw::PhysMemory {
 public:
  explicit ModelMemory(FlatMemory& memory) : memory_(memory) {}
  void read(uint64_t address, void* data, size_t length) override {
    if (!memory_.read(address, data, length)) throw std::out_of_range("firmware read outside the model's memory");
  }
  void write(uint64_t address, const void* data, size_t length) override {
    if (!memory_.write(address, data, length)) throw std::out_of_range("firmware write outside the model's memory");
  }

 private:
  FlatMemory& memory_;
};

// Polling loops advance it; nothing else reads it.
class StepClock final : public fw::Clock {
 public:
  uint64_t nowNs() override { return now_; }
  void delayNs(uint64_t ns) override { now_ += ns; }

 private:
  uint64_t now_ = 0;
};

}  // namespace vtd::replay
