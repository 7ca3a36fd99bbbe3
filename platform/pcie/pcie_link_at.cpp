// PcieLink: the approximately-timed path (pcie_link.h), the base protocol's four phases on
// both sockets. The TLPs are booked on the same timelines as in b_transport: the requests
// upstream when the device's BEGIN_REQ comes (from its annotated time, like b_transport's
// `ready`), the completions downstream when the root complex answers, so the two styles
// time a transaction alike; what changes is that every step happens at its simulated time
// and that the root complex can hold requests back (withheld END_REQ). The device gets
// END_REQ at once: the link buffers what its timeline has not sent yet (no flow-control
// credits, as in LT). A transaction of several request TLPs is answered after its last;
// its status is that of the first request (in address order) answered with an error. All
// its requests go to the root complex even when one fails (b_transport stops at the first
// failure): only the timing of failed transactions differs.
#include <algorithm>

#include "platform/pcie/pcie_link.h"
#include "platform/pcie/tlp_split.h"
#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace {
constexpr const char* kProtocolError = "vtdsim/pcie/base protocol";
uint64_t nowPs() {
  return sc_core::sc_time_stamp().value();
}
}  // namespace

tlm_sync_enum PcieLink::nbForward(tlm_generic_payload& trans, tlm_phase& phase, sc_time& delay) {
  if (phase == ::tlm::BEGIN_REQ) {
    atBeginRequest(trans, delay);
    phase = ::tlm::END_REQ;  // at the request's own time: `delay` stays as it is
    return ::tlm::TLM_UPDATED;
  }
  if (phase == ::tlm::END_RESP) {
    up_awaiting_end_resp_ = false;
    atSendUp();
    return ::tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(kProtocolError, "up_in: only BEGIN_REQ and END_RESP come on the forward path");
  return ::tlm::TLM_COMPLETED;
}

// The device's transaction becomes request TLPs booked upstream from `ready`, each sent to
// the root complex when it arrives there (transport() does the same with b_transport).
void PcieLink::atBeginRequest(tlm_generic_payload& trans, const sc_time& delay) {
  const uint64_t ready = nowPs() + delay.value();
  if (trans.has_mm()) trans.acquire();
  LinkTransaction& t = transactions_.get();
  t.device = &trans;
  t.end_ps = ready;
  const bool read = trans.is_read();
  const uint32_t length = trans.get_data_length();
  if ((!read && !trans.is_write()) || trans.get_byte_enable_ptr() ||
      trans.get_streaming_width() < length) {
    // Not a plain memory request: passed on untimed, as transport() does.
    LinkRequest& s = atRequest(t, 0, false, ready);
    tlm::fillPayload(s, trans.get_command(), trans.get_address(), trans.get_data_ptr(), length);
    s.set_streaming_width(trans.get_streaming_width());
    s.set_byte_enable_ptr(trans.get_byte_enable_ptr());
    s.set_byte_enable_length(trans.get_byte_enable_length());
    return;
  }
  const uint64_t address = trans.get_address();
  unsigned char* const data = trans.get_data_ptr();
  const uint32_t max = read ? params_.max_read_request_bytes : params_.max_payload_bytes;
  unsigned index = 0;
  tlp::forEachRequest(address, length, max, [&](uint64_t at, uint32_t n) {
    const uint32_t header = tlp::requestHeaderBytes(at);
    read ? ++stats_.read_requests : ++stats_.write_requests;
    const uint64_t arrival = sendUpstream(ready, read ? header : header + n, read ? 0 : n);
    LinkRequest& s = atRequest(t, index++, true, arrival);
    tlm::fillPayload(s, trans.get_command(), at, data + (at - address), n);
  });
}

// A request of `t`, due at the root complex at `arrival` (the payload event queue holds it
// until then; the caller fills in address and data).
LinkRequest& PcieLink::atRequest(LinkTransaction& t, unsigned index, bool timed, uint64_t arrival) {
  LinkRequest& s = requests_.get();
  tlm::PayloadPool<LinkRequest>::shareExtensions(*t.device, s);
  s.parent = &t;
  s.index = index;
  s.timed = timed;
  s.arrival_ps = arrival;
  ++t.pending;
  peq_.notify(s, ::tlm::BEGIN_REQ, sc_time::from_value(arrival - nowPs()));
  return s;
}

// The payload event queue: a request reaching the root complex, or a device response due.
void PcieLink::atEvent(tlm_generic_payload& trans, const tlm_phase& phase) {
  if (phase == ::tlm::BEGIN_REQ) {
    down_queue_.push_back(&static_cast<LinkRequest&>(trans));
    atSendDown();
  } else if (phase == ::tlm::BEGIN_RESP) {
    up_queue_.push_back(&trans);
    atSendUp();
  }
}

// Requests to the root complex in arrival order, one at a time until each is accepted
// (request exclusion: the root complex's END_REQ).
void PcieLink::atSendDown() {
  if (sending_down_) return;  // a nested call: the loop below goes on
  sending_down_ = true;
  while (!down_awaiting_end_req_ && !down_queue_.empty()) {
    LinkRequest& s = *down_queue_.front();
    down_queue_.pop_front();
    const uint64_t now = nowPs();
    if (now > s.arrival_ps) {
      ++stats_.root_waits;
      stats_.root_wait_ps += now - s.arrival_ps;
    }
    down_awaiting_end_req_ = true;
    tlm_phase phase = ::tlm::BEGIN_REQ;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm_sync_enum r = down_out->nb_transport_fw(s, phase, delay);
    if (r == ::tlm::TLM_ACCEPTED) continue;  // END_REQ comes on the backward path
    down_awaiting_end_req_ = false;
    if (r == ::tlm::TLM_UPDATED && phase == ::tlm::BEGIN_RESP) {  // END_REQ implied
      tlm_phase end = ::tlm::END_RESP;
      sc_time none = sc_core::SC_ZERO_TIME;
      down_out->nb_transport_fw(s, end, none);
      atAnswered(s, now + delay.value());
    } else if (r == ::tlm::TLM_COMPLETED) {  // early completion
      atAnswered(s, now + delay.value());
    }
  }
  sending_down_ = false;
}

tlm_sync_enum PcieLink::nbBackward(tlm_generic_payload& trans, tlm_phase& phase, sc_time& delay) {
  if (phase == ::tlm::END_REQ) {
    down_awaiting_end_req_ = false;
    atSendDown();
    return ::tlm::TLM_ACCEPTED;
  }
  if (phase == ::tlm::BEGIN_RESP) {
    // Accepted at once: the downstream timeline queues the completions.
    atAnswered(static_cast<LinkRequest&>(trans), nowPs() + delay.value());
    return ::tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(kProtocolError,
                  "down_out: only END_REQ and BEGIN_RESP come on the backward path");
  return ::tlm::TLM_COMPLETED;
}

// The root complex answered request `s` at `served`: its completions go downstream (reads),
// and the device's transaction is answered once every request has been.
void PcieLink::atAnswered(LinkRequest& s, uint64_t served) {
  LinkTransaction& t = *s.parent;
  uint64_t end = served;
  if (!s.timed) {
    t.status = s.get_response_status();
  } else if (!s.is_response_ok()) {
    if (s.index < t.failed) {
      t.failed = s.index;
      t.status = s.get_response_status();
    }
  } else if (s.is_read()) {
    end = sendCompletions(served, s.get_address(), s.get_data_length());
  }
  t.end_ps = std::max(t.end_ps, end);
  s.release();
  if (--t.pending) return;
  tlm_generic_payload& device = *t.device;
  device.set_response_status(t.status);
  const uint64_t due = t.end_ps;
  transactions_.put(t);
  peq_.notify(device, ::tlm::BEGIN_RESP, sc_time::from_value(due - nowPs()));
}

// Responses to the device in the order they are due, each after the previous was accepted.
void PcieLink::atSendUp() {
  if (sending_up_) return;
  sending_up_ = true;
  while (!up_awaiting_end_resp_ && !up_queue_.empty()) {
    tlm_generic_payload& device = *up_queue_.front();
    up_queue_.pop_front();
    up_awaiting_end_resp_ = true;
    const bool mm = device.has_mm();
    tlm_phase phase = ::tlm::BEGIN_RESP;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm_sync_enum r = up_in->nb_transport_bw(device, phase, delay);
    if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && phase == ::tlm::END_RESP))
      up_awaiting_end_resp_ = false;
    if (mm) device.release();  // taken in atBeginRequest
  }
  sending_up_ = false;
}

}  // namespace vtd::platform
