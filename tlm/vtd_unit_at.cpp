// VtdUnit: the approximately-timed dma_in (issue 6, item 2), the TLM-2.0 base protocol's
// four phases (IEEE 1666-2011, base protocol) over the timing core that b_transport uses.
//   BEGIN_REQ   a request arrives at its annotated time (through the payload event queue
//               when the delay is not zero). A malformed one completes at once
//               (TLM_COMPLETED, generic error: early completion). Any other is admitted
//               when fewer than latency.request_queue requests are in flight and none is
//               waiting, and END_REQ goes back then (on the return path when that is the
//               call itself); otherwise END_REQ is withheld and the request waits, oldest
//               first, for a completion. The request exclusion rule keeps the initiator's
//               next BEGIN_REQ back meanwhile: that is the backpressure.
//   (serving)   on admission the timing core times the request from now, exactly as an LT
//               request arriving now (atServe, vtd_unit_timing.cpp): lookups, walker, walk
//               reads and the forwarded access, all b_transport downstream.
//   BEGIN_RESP  at the completion time, unless the port's previous BEGIN_RESP has not been
//               accepted yet (END_RESP, or TLM_COMPLETED / END_RESP on the return path):
//               then the response waits its turn and keeps its place in the request queue
//               until it has gone.
//   END_RESP    frees the port's response channel at its annotated time.
// A DMA crossing 4 KiB boundaries is served as consecutive requests, as in LT, each
// admitted in turn; the transaction gets one END_REQ (at the first admission) and one
// BEGIN_RESP (after the last request, or the first that fails). Interrupt requests take no
// queue slot, as in LT. Protocol errors of an initiator (BEGIN_REQ before END_REQ, END_RESP
// without a response, a phase a target never receives) are reported as SC_ERROR.
// Not modelled: LT and AT requests in one run share walkers, merging and statistics but do
// not count in each other's request queue; the annotated delay of a BEGIN_RESP's return
// (TLM_UPDATED) is only honoured for END_RESP.
#include <systemc>

#include "tlm/vtd_unit.h"

namespace vtd::tlm {

using sc_core::sc_time;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace {
DECLARE_EXTENDED_PHASE(REQUEST_DONE);   // internal: a request's completion time
DECLARE_EXTENDED_PHASE(SEND_RESPONSE);  // internal: a held response's port is free again
constexpr const char* kProtocolError = "vtdsim/tlm/base protocol";
}  // namespace

tlm_sync_enum VtdUnit::dmaNbTransport(int port, tlm_generic_payload& trans, tlm_phase& phase,
                                      sc_time& delay) {
  if (phase == ::tlm::BEGIN_REQ) return atBeginRequest(unsigned(port), trans, phase, delay);
  if (phase == ::tlm::END_RESP) {
    atEndResponse(unsigned(port), delay);
    return ::tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(kProtocolError, "dma_in: only BEGIN_REQ and END_RESP come on the forward path");
  return ::tlm::TLM_COMPLETED;
}

tlm_sync_enum VtdUnit::atBeginRequest(unsigned port, tlm_generic_payload& trans, tlm_phase& phase,
                                      const sc_time& delay) {
  AtPort& p = at_.port(port);
  if (p.awaiting_end_req)
    SC_REPORT_ERROR(kProtocolError, "dma_in: BEGIN_REQ before the previous request's END_REQ");
  ++stats_.dma_transactions;
  ++stats_.at_transactions;
  const RequesterExtension* req = trans.get_extension<RequesterExtension>();
  const DmaKind kind = kindOf(req, trans);
  if (kind == DmaKind::Malformed) {  // early completion, at the request's own time
    ++stats_.dma_bad_requests;
    trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
    return ::tlm::TLM_COMPLETED;
  }
  trans.set_dmi_allowed(false);  // every access must be translated
  if (kind == DmaKind::TranslationRequest) ++stats_.translation_requests;
  AtRequest& a = at_.open(trans, req, port, kind);
  p.awaiting_end_req = true;
  if (delay != sc_core::SC_ZERO_TIME) {
    at_peq_.notify(a, ::tlm::BEGIN_REQ, delay);
    return ::tlm::TLM_ACCEPTED;
  }
  a.arrival_ps = simcontext_->time_stamp().value();
  if (!atArrive(a)) return ::tlm::TLM_ACCEPTED;
  a.end_req_sent = true;
  p.awaiting_end_req = false;
  phase = ::tlm::END_REQ;
  return ::tlm::TLM_UPDATED;
}

// The payload event queue: delayed arrivals, completions, held responses whose port frees.
void VtdUnit::atEvent(AtRequest& a, const tlm_phase& phase) {
  if (phase == ::tlm::BEGIN_REQ) {
    a.arrival_ps = simcontext_->time_stamp().value();
    if (atArrive(a)) atSendEndRequest(a);
  } else if (phase == REQUEST_DONE) {
    atRequestDone(a);
  } else if (phase == SEND_RESPONSE) {
    a.port_state->send_scheduled = false;
    atSendResponses(a.port);
  }
}

// A request (or the next 4 KiB-bounded request of a transaction) arrives now. Those that
// arrived earlier and wait go first.
bool VtdUnit::atArrive(AtRequest& a) {
  if (a.kind != DmaKind::Interrupt && (!at_.waiting.empty() || at_.in_flight >= queue_.bound())) {
    at_.waiting.push_back(&a);
    return false;
  }
  atAdmit(a);
  return true;
}

void VtdUnit::atAdmit(AtRequest& a) {
  const uint64_t now = simcontext_->time_stamp().value();
  if (a.kind != DmaKind::Interrupt) {
    a.holds_slot = true;
    ++at_.in_flight;
  }
  if (now > a.arrival_ps) {  // the wait the LT queue's admitWhenFull() would annotate
    ++timing_.queue_full_stalls;
    timing_.queue_stall_ps += now - a.arrival_ps;
  }
  const uint64_t done = atServe(a);
  at_peq_.notify(a, REQUEST_DONE, sc_time::from_value(done - now));
}

// A slot is free: the oldest waiting requests are admitted (each served before its END_REQ
// goes out, so a BEGIN_REQ the initiator sends from inside that call queues behind it).
void VtdUnit::atAdmitWaiting() {
  while (!at_.waiting.empty() && at_.in_flight < queue_.bound()) {
    AtRequest& a = *at_.waiting.front();
    at_.waiting.pop_front();
    atAdmit(a);
    if (!a.end_req_sent) atSendEndRequest(a);
  }
}

void VtdUnit::atSendEndRequest(AtRequest& a) {
  a.end_req_sent = true;
  a.port_state->awaiting_end_req = false;
  tlm_phase phase = ::tlm::END_REQ;
  sc_time delay = sc_core::SC_ZERO_TIME;
  dma_in[int(a.port)]->nb_transport_bw(*a.trans, phase, delay);  // the initiator accepts it
}

// A request's completion time: the transaction's next request arrives, or its response is
// ready.
void VtdUnit::atRequestDone(AtRequest& a) {
  if (!a.last) {
    a.holds_slot = false;
    --at_.in_flight;
    a.arrival_ps = simcontext_->time_stamp().value();
    at_.waiting.push_back(&a);  // behind those already waiting, who arrived earlier
    atAdmitWaiting();
    return;
  }
  a.ready_ps = simcontext_->time_stamp().value();
  a.port_state->responses.push_back(&a);
  atSendResponses(a.port);
}

// Sends the port's ready responses in order while the response exclusion rule allows.
void VtdUnit::atSendResponses(unsigned port) {
  AtPort& p = at_.port(port);
  if (p.pumping) return;  // a nested call (from inside nb_transport_bw): the loop below goes on
  p.pumping = true;
  while (!p.responses.empty() && !p.awaiting_end_resp && !p.send_scheduled) {
    const uint64_t now = simcontext_->time_stamp().value();
    AtRequest& a = *p.responses.front();
    if (now < p.free_at_ps) {  // the previous END_RESP is annotated later than now
      p.send_scheduled = true;
      at_peq_.notify(a, SEND_RESPONSE, sc_time::from_value(p.free_at_ps - now));
      break;
    }
    p.responses.pop_front();
    if (now > a.ready_ps) {
      ++stats_.response_waits;
      stats_.response_wait_ps += now - a.ready_ps;
    }
    tlm_generic_payload& trans = *a.trans;
    trans.set_response_status(a.status);
    const bool slot = a.holds_slot, mm = trans.has_mm();
    at_.close(a);
    if (slot) --at_.in_flight;
    p.awaiting_end_resp = true;
    tlm_phase phase = ::tlm::BEGIN_RESP;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm_sync_enum r = dma_in[int(port)]->nb_transport_bw(trans, phase, delay);
    if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && phase == ::tlm::END_RESP)) {
      p.awaiting_end_resp = false;
      p.free_at_ps = now + delay.value();
    }
    if (mm) trans.release();  // ours, taken by at_.open()
    if (slot) atAdmitWaiting();
  }
  p.pumping = false;
}

void VtdUnit::atEndResponse(unsigned port, const sc_time& delay) {
  AtPort& p = at_.port(port);
  if (!p.awaiting_end_resp)
    SC_REPORT_ERROR(kProtocolError, "dma_in: END_RESP without a BEGIN_RESP outstanding");
  p.awaiting_end_resp = false;
  p.free_at_ps = simcontext_->time_stamp().value() + delay.value();
  atSendResponses(port);
}

}  // namespace vtd::tlm
