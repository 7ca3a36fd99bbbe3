// Hardware abstraction the firmware runs on: the register block of one remapping unit,
// physical memory the driver can read and write (tables, buffers), and a clock for polling
// with a timeout. Two backends implement it: direct calls into the model (unit tests,
// testbench/support/direct_hal.h) and the TLM host CPU (platform/host_cpu.*).
// Nothing here knows about SystemC or the model's internals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace vtd::fw {

// One unit's register block; offsets are relative to its base. Aligned 32/64-bit only.
class MmioPort {
 public:
  virtual ~MmioPort() = default;
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual uint64_t read64(uint32_t offset) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;
  virtual void write64(uint32_t offset, uint64_t value) = 0;
};

// Physical memory as the CPU sees it. Each read() or write() of up to 4 KiB is one access
// that the backend performs atomically with respect to the remapping unit's own memory
// accesses (its IRTE reads, its posted-descriptor updates): the direct HAL is synchronous,
// the platform's CPUs issue one bus transaction per call. The driver relies on it for
// 16-byte IRTE updates and for read-modify-writes of the posted descriptor (nothing of the
// unit can come between two back-to-back calls of a CPU that does not yield in between).
class PhysMemory {
 public:
  virtual ~PhysMemory() = default;
  virtual void read(uint64_t address, void* data, size_t length) = 0;
  virtual void write(uint64_t address, const void* data, size_t length) = 0;
  // Write back CPU caches for a range the unit will read (clflush; needed when ECAP.C=0).
  virtual void flushCache(uint64_t address, size_t length) { (void)address; (void)length; }

  uint64_t read64(uint64_t address) {
    uint64_t v = 0;
    read(address, &v, 8);
    return v;
  }
  void write64(uint64_t address, uint64_t v) { write(address, &v, 8); }
};

// Time as the firmware sees it (simulated in both backends).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t nowNs() = 0;
  virtual void delayNs(uint64_t ns) = 0;
};

struct Hal {
  MmioPort& mmio;
  PhysMemory& memory;
  Clock& clock;
};

// Polls `done` every `interval_ns` until it holds or `timeout_ns` has passed; returns
// whether it held. Linux treats a timeout here as "DMAR hardware is malfunctioning".
inline bool pollUntil(Clock& clock, const std::function<bool()>& done, uint64_t timeout_ns,
                      uint64_t interval_ns = 100) {
  const uint64_t start = clock.nowNs();
  for (;;) {
    if (done()) return true;
    if (clock.nowNs() - start >= timeout_ns) return false;
    clock.delayNs(interval_ns);
  }
}

}  // namespace vtd::fw
