// The bookkeeping of the unit's approximately-timed dma_in (vtd_unit_at.cpp): one record
// per transaction in the unit; per initiator binding (port) the state of the base
// protocol's exclusion rules (IEEE 1666-2011: no BEGIN_REQ before the previous END_REQ, no
// BEGIN_RESP before the previous END_RESP or TLM_COMPLETED) and the responses held back by
// them; the requests that arrived while the request queue was full, in arrival order. The
// unit's payload event queue carries the records themselves (AtPeqTypes), so nothing is
// attached to the initiator's payload. No timing and no architecture here: what a request
// costs is decided by the shared timing core (vtd_unit_timing.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <tlm>
#include <vector>

#include "tlm/requester_extension.h"

namespace vtd::tlm {

// What a transaction on dma_in is (VtdUnit::kindOf).
enum class DmaKind : uint8_t { Malformed, TranslationRequest, Interrupt, Memory };

struct AtPort;

struct AtRequest {
  ::tlm::tlm_generic_payload* trans = nullptr;
  const RequesterExtension* requester = nullptr;  // the payload's, checked by kindOf
  unsigned port = 0;
  AtPort* port_state = nullptr;
  DmaKind kind = DmaKind::Memory;
  // A DMA transaction is served as 4 KiB-bounded requests one after the other, as in LT:
  // `done` bytes are served, and the current request arrived at `arrival_ps` (the
  // BEGIN_REQ time, or the previous request's completion).
  unsigned done = 0;
  uint64_t arrival_ps = 0;
  uint64_t ready_ps = 0;  // when its response was ready (it may wait for the port)
  ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
  bool end_req_sent = false;
  bool holds_slot = false;  // counted in the request queue
  bool last = false;        // the current request is the transaction's last
};

// The unit's payload event queue holds records, with the base protocol's phases and two
// of the unit's own (tlm_utils::peq_with_cb_and_phase takes the payload type from here).
struct AtPeqTypes {
  using tlm_payload_type = AtRequest;
  using tlm_phase_type = ::tlm::tlm_phase;
};

struct AtPort {
  bool awaiting_end_req = false;     // a BEGIN_REQ not yet answered with END_REQ
  bool awaiting_end_resp = false;    // a BEGIN_RESP not yet accepted
  bool send_scheduled = false;       // the head response is due at free_at_ps (in the PEQ)
  bool pumping = false;              // inside the response loop (re-entrant calls return)
  uint64_t free_at_ps = 0;           // END_RESP's annotated time: no BEGIN_RESP before it
  std::deque<AtRequest*> responses;  // ready, in order, held by the exclusion rule
};

class AtDmaState {
 public:
  // A deque: references stay valid when a new port shows up during a nested call.
  AtPort& port(unsigned id) {
    while (ports_.size() <= id) ports_.emplace_back();
    return ports_[id];
  }
  AtRequest& open(::tlm::tlm_generic_payload& trans, const RequesterExtension* requester,
                  unsigned port_id, DmaKind kind) {
    if (free_.empty()) {
      all_.push_back(std::make_unique<AtRequest>());
      free_.push_back(all_.back().get());
    }
    AtRequest& a = *free_.back();
    free_.pop_back();
    a.trans = &trans;
    a.requester = requester;
    a.port = port_id;
    a.port_state = &port(port_id);
    a.kind = kind;
    a.done = 0;
    a.status = ::tlm::TLM_OK_RESPONSE;
    a.end_req_sent = a.holds_slot = a.last = false;
    if (trans.has_mm()) trans.acquire();
    return a;
  }
  // Before the response goes out: the record is free again.
  void close(AtRequest& a) {
    a.trans = nullptr;
    free_.push_back(&a);
  }

  std::deque<AtRequest*> waiting;  // arrived with the request queue full, oldest first
  unsigned in_flight = 0;          // admitted requests whose response has not gone out

 private:
  std::deque<AtPort> ports_;
  std::vector<std::unique_ptr<AtRequest>> all_;
  std::vector<AtRequest*> free_;
};

}  // namespace vtd::tlm
