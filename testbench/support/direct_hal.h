// The firmware HAL implemented by direct calls into the model: registers through
// RemappingUnit::mmioRead/mmioWrite, memory through a FlatMemory shared with the unit, a
// manual clock. Used by firmware and model unit tests; no SystemC.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "firmware/hal.h"
#include "model/common/flat_memory.h"
#include "model/unit/remapping_unit.h"

namespace vtd::test {

class DirectMmio final : public fw::MmioPort {
 public:
  explicit DirectMmio(RemappingUnit& unit) : unit_(unit) {}
  uint32_t read32(uint32_t offset) override { return uint32_t(unit_.mmioRead(offset, 4)); }
  uint64_t read64(uint32_t offset) override { return unit_.mmioRead(offset, 8); }
  void write32(uint32_t offset, uint32_t value) override { unit_.mmioWrite(offset, 4, value); }
  void write64(uint32_t offset, uint64_t value) override { unit_.mmioWrite(offset, 8, value); }

 private:
  RemappingUnit& unit_;
};

class DirectMemory final : public fw::PhysMemory {
 public:
  explicit DirectMemory(FlatMemory& memory) : memory_(memory) {}
  void read(uint64_t address, void* data, size_t length) override {
    if (!memory_.read(address, data, length)) throw std::out_of_range("firmware read outside memory");
  }
  void write(uint64_t address, const void* data, size_t length) override {
    if (!memory_.write(address, data, length)) throw std::out_of_range("firmware write outside memory");
  }

 private:
  FlatMemory& memory_;
};

class ManualClock final : public fw::Clock {
 public:
  uint64_t nowNs() override { return now_; }
  void delayNs(uint64_t ns) override { now_ += ns; }

 private:
  uint64_t now_ = 0;
};

// Records the MSIs the unit generates.
class RecordingSink final : public InterruptSink {
 public:
  void deliver(const MsiMessage& m) override { messages.push_back(m); }
  std::vector<MsiMessage> messages;
};

// A unit, its memory and the HAL around them, ready for firmware or table-level tests.
struct DirectSystem {
  explicit DirectSystem(const UnitConfig& config = UnitConfig{}, uint64_t memory_bytes = 64ull << 20)
      : memory(memory_bytes), unit(config, memory), mmio(unit), phys(memory),
        hal{mmio, phys, clock} {
    unit.setInterruptSink(&sink);
  }
  FlatMemory memory;
  RemappingUnit unit;
  DirectMmio mmio;
  DirectMemory phys;
  ManualClock clock;
  RecordingSink sink;
  fw::Hal hal;
};

}  // namespace vtd::test
