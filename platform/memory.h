// Memory: DRAM from address 0. An access takes its latency plus its transfer time (size /
// bytes_per_ns), after waiting for the channel: all accesses share one channel timeline
// (platform/busy_timeline.h) that each occupies for its size, rounded up to whole 64-byte
// bursts, at channel_bytes_per_ns (the peak of all DRAM channels together), so concurrent
// accesses queue for bandwidth. One multi-port target socket serves the CPU bus, the
// remapping unit and other initiators. Backing store is reserved address space the OS fills
// lazily, so a large memory costs only what is touched. Accesses beyond the size answer an
// address error. Not modelled: banks, row buffers, refresh, read/write turnaround, the
// interleaving of addresses over channels (their bandwidth is pooled).
// Co-simulation (platform/cosim/) swaps the backing store for guest RAM that QEMU shares
// (useHostMemory): the timing stays the model's, the bytes are the guest's.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "platform/busy_timeline.h"

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
  // Peak bandwidth of all channels together (0: unlimited). Default: 4 channels of
  // DDR4-2133 (8 bytes x 2133 MT/s each), as on the Xeon E5-2630 v4 of CALIBRATION.md.
  double channel_bytes_per_ns = 68.256;

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
  // Backs the memory with `bytes` (owned by the caller, who keeps it mapped while the
  // simulation runs) instead of the memory's own reservation, and sets the size to `size`.
  void useHostMemory(uint8_t* bytes, uint64_t size);
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void transport(int port_id, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(int port_id, ::tlm::tlm_generic_payload& trans);

  uint64_t size_;
  uint8_t* bytes_;
  uint8_t* own_bytes_;  // the reservation made at construction (unmapped on destruction)
  uint64_t own_size_;
  sc_core::sc_time read_latency_, write_latency_;
  uint64_t ps_per_byte_q10_;  // picoseconds per byte, 10 fractional bits
  unsigned transfer_size_ = ~0u;  // the last access size and its transfer time
  sc_core::sc_time transfer_time_;
  uint64_t channel_ps_per_burst_;  // channel occupancy of one 64-byte burst (0: unlimited)
  BusyTimeline channel_;
  uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0, errors_ = 0;
  uint64_t queued_ = 0, queue_ps_ = 0;  // accesses that waited for the channel, and how long
};

}  // namespace vtd::platform
