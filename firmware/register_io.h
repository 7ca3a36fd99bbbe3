// RegisterIo: the driver's only path to the register block. Counts every access, and
// polls a register until a field reaches a value or a timeout passes, turning a timeout
// into a Status that names the register and bit (Linux panics there, FS 3.2; a model
// test wants the message instead). Knows nothing about what the registers mean.
#pragma once

#include <cstdint>
#include <string>

#include "firmware/driver_stats.h"
#include "firmware/hal.h"
#include "firmware/status.h"

namespace vtd::fw {

struct DriverOptions {
  uint64_t poll_timeout_ns = 10'000'000;  // give up on a status bit after this long
  uint64_t poll_interval_ns = 100;        // between two reads of a polled register
  // Invalidate through the queue when ECAP.QI is set, as Linux always does (FS 9.C.1);
  // off keeps register-based invalidation. Devices attached with ContextMode::DeviceTlb
  // need it (device-TLB invalidation exists only as a queue descriptor).
  bool queued_invalidation = false;
};

class RegisterIo {
 public:
  RegisterIo(MmioPort& mmio, Clock& clock, const DriverOptions& options, DriverStats& stats)
      : mmio_(mmio), clock_(clock), options_(options), stats_(stats) {}

  uint32_t read32(uint32_t offset) {
    ++stats_.reg_reads;
    return mmio_.read32(offset);
  }
  uint64_t read64(uint32_t offset) {
    ++stats_.reg_reads;
    return mmio_.read64(offset);
  }
  void write32(uint32_t offset, uint32_t value) {
    ++stats_.reg_writes;
    mmio_.write32(offset, value);
  }
  void write64(uint32_t offset, uint64_t value) {
    ++stats_.reg_writes;
    mmio_.write64(offset, value);
  }

  // Polls until (register & mask) == expect. `what` names the condition for the error
  // message, e.g. "GSTS.RTPS = 1 after GCMD.SRTP". `last` receives the final value read.
  Status poll32(uint32_t offset, uint32_t mask, uint32_t expect, const std::string& what,
                uint32_t* last = nullptr);
  Status poll64(uint32_t offset, uint64_t mask, uint64_t expect, const std::string& what,
                uint64_t* last = nullptr);

 private:
  Status timeout(const std::string& what, uint32_t offset, uint64_t last_value);

  MmioPort& mmio_;
  Clock& clock_;
  DriverOptions options_;
  DriverStats& stats_;
};

}  // namespace vtd::fw
