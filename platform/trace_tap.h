// TraceTap: a TLM pass-through placed in front of the remapping unit that records what the
// unit sees into a trace::TraceSink, without changing it: every upstream request on dma_in
// (DMA, translation requests, interrupt writes; time = arrival at the unit, sc_time_stamp()
// + the annotated delay, in ps) and every register write on mmio_in. When software moves
// the invalidation queue's tail (IQT), the tap reads the descriptors between the old and
// the new tail from memory (debug reads, no time, no statistics) and records each one; it
// follows IQA for the queue's base, size and descriptor width.
// Forwarding is transparent: same payload, same delay, same response, debug accesses
// passed on. Not recorded: register reads, requests on other paths to the unit (the I/O
// APIC's interrupt messages), anything the unit itself sends (walks, MSIs).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "traces/format/trace_record.h"

namespace vtd::platform {

class TraceTap : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<TraceTap, 32, ::tlm::tlm_base_protocol_types, 0,
                                             sc_core::SC_ZERO_OR_MORE_BOUND>
      dma_in;
  tlm_utils::simple_initiator_socket<TraceTap> dma_out;
  tlm_utils::simple_target_socket<TraceTap> mmio_in;
  tlm_utils::simple_initiator_socket<TraceTap> mmio_out;
  tlm_utils::simple_initiator_socket<TraceTap> memory_peek;  // descriptors, debug reads only

  TraceTap(const sc_core::sc_module_name& name, trace::TraceSink& sink);
  uint64_t recorded() const { return recorded_; }

 private:
  void dmaTransport(int port, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void mmioTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned mmioDebug(::tlm::tlm_generic_payload& trans);
  void noteRegisterWrite(uint32_t offset, unsigned size, uint64_t value, uint64_t time_ps);
  void recordDescriptors(uint64_t new_tail, uint64_t time_ps);
  uint64_t timeOf(const sc_core::sc_time& delay) const;
  void put(const trace::TraceRecord& r) {
    sink_.put(r);
    ++recorded_;
  }

  trace::TraceSink& sink_;
  uint64_t recorded_ = 0;
  uint64_t iqa_ = 0;   // last IQA_REG value (base 63:12, DW bit 11, QS 2:0)
  uint64_t tail_ = 0;  // last IQT_REG value, bytes
};

}  // namespace vtd::platform
