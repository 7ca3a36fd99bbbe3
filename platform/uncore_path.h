// UncorePath: the root complex's way to memory, between the remapping unit's mem_out and
// the DRAM: on a server part a read from the I/O hub crosses the ring or mesh to the home
// agent, which may snoop the other socket before the memory controller answers, and the
// data comes back the same way. Every read the unit sends (the DMA reads it forwards, its
// table reads, queue descriptor fetches, posted-descriptor reads) takes uncore.io_read_ns
// more than the memory's own latency, half on the way there (so the request reaches the
// memory channel later) and half on the way back. Writes pass unchanged: they are posted,
// nothing waits for them to reach memory. The CPU side (bus, vCPUs) does not come this way.
// Not modelled: the ring's own contention, snoop filters and LLC hits (a non-coherent walk
// never hits the LLC; coherent walks' LLC hits are latency.walk_llc_*), the remote socket.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>

namespace vtd {
class ParamRegistry;
class StatRegistry;
}  // namespace vtd

namespace vtd::platform {

// uncore.*: fitted to CALIBRATION.md (see docs/calibration.md).
struct UncoreParams {
  uint32_t io_read_ns = 200;  // a read's round trip between I/O hub and memory controller

  void describe(ParamRegistry& r, const std::string& prefix);
};

class UncorePath : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<UncorePath> in;     // from the remapping unit
  tlm_utils::simple_initiator_socket<UncorePath> out;  // to the memory

  UncorePath(const sc_core::sc_module_name& name, const UncoreParams& params);

  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { reads_ = 0; }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(::tlm::tlm_generic_payload& trans);

  sc_core::sc_time there_, back_;  // the read latency's two halves
  uint64_t reads_ = 0;
};

}  // namespace vtd::platform
