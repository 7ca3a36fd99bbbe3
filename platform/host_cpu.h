// HostCpu: the processor that runs the firmware. It implements the firmware HAL on the
// platform: register accesses are uncached MMIO through the system bus (the thread waits
// for each one), memory accesses go through the bus with a quantum keeper, and the clock
// is simulated time. A program (a std::function) runs in its own SC_THREAD.
// Not modelled: CPU caches, instruction timing beyond the accesses it makes.
#pragma once

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "firmware/hal.h"

namespace vtd::platform {

class HostCpu : public sc_core::sc_module,
                private fw::MmioPort,
                private fw::PhysMemory,
                private fw::Clock {
 public:
  tlm_utils::simple_initiator_socket<HostCpu> socket;

  SC_HAS_PROCESS(HostCpu);
  HostCpu(const sc_core::sc_module_name& name, uint64_t dmar_base);

  using Program = std::function<void(HostCpu&)>;
  void setProgram(Program program) { program_ = std::move(program); }
  const sc_core::sc_event& finished() const { return finished_; }
  bool hasFinished() const { return has_finished_; }

  fw::Hal& hal() { return hal_; }
  // Synchronises local time, then waits (for use by programs).
  void waitFor(const sc_core::sc_event& e);
  void waitFor(const sc_core::sc_event& a, const sc_core::sc_event& b);
  // Synchronises local time, then waits on `a` or `b` until `ready()` holds. `ready` is
  // checked after the sync, so a condition that became true while the CPU caught up with
  // its local time (an event waitFor would miss) ends the wait at once.
  void waitUntil(const std::function<bool()>& ready, const sc_core::sc_event& a,
                 const sc_core::sc_event& b);
  sc_core::sc_time now() const { return sc_core::sc_time_stamp() + keeper_.get_local_time(); }
  uint64_t busErrors() const { return bus_errors_; }

 private:
  void run();
  bool access(::tlm::tlm_command cmd, uint64_t address, void* data, unsigned length);

  // fw::MmioPort
  uint32_t read32(uint32_t offset) override;
  uint64_t read64(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  void write64(uint32_t offset, uint64_t value) override;
  // fw::PhysMemory
  void read(uint64_t address, void* data, size_t length) override;
  void write(uint64_t address, const void* data, size_t length) override;
  // fw::Clock
  uint64_t nowNs() override;
  void delayNs(uint64_t ns) override;

  uint64_t dmar_base_;
  Program program_;
  fw::Hal hal_;
  ::tlm::tlm_generic_payload payload_;
  tlm_utils::tlm_quantumkeeper keeper_;
  sc_core::sc_event finished_;
  bool has_finished_ = false;
  uint64_t bus_errors_ = 0;
};

}  // namespace vtd::platform
