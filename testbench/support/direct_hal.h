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
#include "platform/replay/model_hal.h"

namespace vtd::test {

// The HAL classes are the functional replay's (platform/replay/model_hal.h).
using DirectMmio = replay::ModelMmio;
using DirectMemory = replay::ModelMemory;
using ManualClock = replay::StepClock;

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
