// Memory: DRAM from address 0 with a fixed access latency and a bandwidth term. One
// multi-port target socket serves the CPU bus and the remapping unit. Backing store is
// reserved address space the OS fills lazily, so a large memory costs only what is touched.
// Accesses beyond the size answer an address error. Not modelled: banks, refresh, queues.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace vtd {
class ParamRegistry;
class StatRegistry;
}

namespace vtd::platform {

struct MemoryParams {
  uint64_t size_mib = 2048;
  uint32_t read_latency_ns = 80;
  uint32_t write_latency_ns = 40;  // posted writes complete faster
  double bytes_per_ns = 16.0;      // transfer rate once an access has started

  void describe(ParamRegistry& r, const std::string& prefix);
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Memory> port;

  Memory(const sc_core::sc_module_name& name, const MemoryParams& params);
  ~Memory() override;

  uint64_t size() const { return size_; }
  // Direct host pointer for checks and setup (null when out of range).
  uint8_t* hostPointer(uint64_t address, uint64_t length);
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { reads_ = writes_ = bytes_read_ = bytes_written_ = errors_ = 0; }

 private:
  void transport(int port_id, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(int port_id, ::tlm::tlm_generic_payload& trans);

  uint64_t size_;
  uint8_t* bytes_;
  sc_core::sc_time read_latency_, write_latency_;
  uint64_t ps_per_byte_q10_;  // picoseconds per byte, 10 fractional bits
  uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0, errors_ = 0;
};

}  // namespace vtd::platform
