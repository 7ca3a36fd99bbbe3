// PcieLink: the PCIe link between one device and the root complex, as a loosely-timed
// pass-through: target socket from the device, initiator socket towards the root complex
// (the remapping unit's dma_in). Each direction is a BusyTimeline. A read becomes read
// requests (headers only) on the upstream timeline; each request goes on to the root
// complex when its last byte has crossed the link (plus link_latency_ns), and its data comes
// back as completions (header + data, split as tlp_split.h says) on the downstream timeline
// from the time the root complex returned it. A write becomes write requests carrying their
// data upstream; its delay ends when the last request has been served (a posted write, so
// this is when the data is in memory, not when the device may go on). The delay the link
// adds is serialisation (bytes x time per byte at the link's TLP rate) plus the wait for
// each direction's timeline, plus link_latency_ns per crossing. MSIs and ATS translation
// requests are a write and an 8-byte read like any other. Requests keep the payload's
// extensions (requester id, AT).
// The link speaks the style its device speaks (tlm/fidelity.h): b_transport as above, or
// the base protocol's four phases (pcie_link_at.cpp), where the same bookings happen in
// simulated time: END_REQ to the device at once (the link buffers; its timeline queues),
// each request TLP sent to the root complex as a payload of its own when it arrives there
// (held while the root complex has not accepted the previous one: the unit's backpressure,
// counted in root_waits), its completions booked when the root complex answers, and the
// device answered when the last has arrived.
// Not modelled: flow-control credits (the device's tag limit bounds reads in flight,
// pcie_bench.h), replays, ordering rules between TLPs.
#pragma once

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>

#include "platform/busy_timeline.h"
#include "platform/pcie/link_transaction.h"
#include "platform/pcie/pcie_params.h"
#include "tlm/payload_pool.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct PcieLinkStats {
  uint64_t read_requests = 0, write_requests = 0, completions = 0;
  uint64_t upstream_tlps = 0, downstream_tlps = 0;
  uint64_t upstream_bytes = 0, downstream_bytes = 0;        // on the wire, with overheads
  uint64_t upstream_payload = 0, downstream_payload = 0;    // data bytes only
  uint64_t upstream_queue_ps = 0, downstream_queue_ps = 0;  // waits for the timeline
  uint64_t root_waits = 0, root_wait_ps = 0;  // AT: requests held by the root complex (END_REQ)
};

class PcieLink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<PcieLink> up_in;        // from the device
  tlm_utils::simple_initiator_socket<PcieLink> down_out;  // to the root complex

  PcieLink(const sc_core::sc_module_name& name, const PcieParams& params);

  const PcieParams& params() const { return params_; }
  const PcieLinkStats& stats() const { return stats_; }
  // Link time one TLP of `bytes` (header, data, framing) takes, in ps.
  uint64_t wirePs(uint32_t bytes) const;
  // Booked time of a direction per simulated time since the last resetStats().
  double upstreamUtilisation() const { return utilisation(upstream_); }
  double downstreamUtilisation() const { return utilisation(downstream_); }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(::tlm::tlm_generic_payload& trans);
  // One request TLP upstream from `ready` (absolute ps); returns its arrival at the root complex.
  uint64_t sendUpstream(uint64_t ready, uint32_t bytes, uint32_t payload);
  // Completions of a read request of `length` bytes at `address`, from `ready`; returns the
  // arrival of the last at the device.
  uint64_t sendCompletions(uint64_t ready, uint64_t address, uint32_t length);
  // Forwards one request; false when it failed (the status stays in trans).
  bool forward(::tlm::tlm_generic_payload& trans, uint64_t address, unsigned char* data,
               uint32_t length, uint64_t at, uint64_t& done);
  double utilisation(const BusyTimeline& t) const;

  // Approximately timed (pcie_link_at.cpp).
  ::tlm::tlm_sync_enum nbForward(::tlm::tlm_generic_payload& trans, ::tlm::tlm_phase& phase,
                                 sc_core::sc_time& delay);
  ::tlm::tlm_sync_enum nbBackward(::tlm::tlm_generic_payload& trans, ::tlm::tlm_phase& phase,
                                  sc_core::sc_time& delay);
  void atBeginRequest(::tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay);
  LinkRequest& atRequest(LinkTransaction& t, unsigned index, bool timed, uint64_t arrival);
  void atEvent(::tlm::tlm_generic_payload& trans, const ::tlm::tlm_phase& phase);
  void atSendDown();
  void atAnswered(LinkRequest& s, uint64_t served);
  void atSendUp();

  PcieParams params_;
  double ps_per_byte_;
  uint64_t latency_ps_;
  BusyTimeline upstream_, downstream_;
  sc_core::sc_time stats_start_;
  PcieLinkStats stats_;
  tlm_utils::peq_with_cb_and_phase<PcieLink> peq_;
  tlm::PayloadPool<LinkRequest> requests_;
  LinkTransactionPool transactions_;
  std::deque<LinkRequest*> down_queue_;  // arrived at the root complex, not yet sent
  std::deque<::tlm::tlm_generic_payload*> up_queue_;  // device responses due, not yet sent
  bool down_awaiting_end_req_ = false, up_awaiting_end_resp_ = false;
  bool sending_down_ = false, sending_up_ = false;  // inside the send loops (nested calls return)
};

}  // namespace vtd::platform
