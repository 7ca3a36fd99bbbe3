// PcieBench: the approximately-timed issue loop (pcie_bench.h). The same workload as the
// loosely-timed loop, with the waits in simulated time instead of a heap of completion
// times: request k is issued at max(the issue gap after request k-1, the first response
// that frees a tag when all `tags` are in use), and no earlier than the previous request's
// END_REQ (the base protocol's request exclusion). Its BEGIN_REQ carries the device's own
// latency as its annotated delay (the request reaches the link that much later, as with
// b_transport); its latency is from issue to its BEGIN_RESP, which frees its tag.
#include <algorithm>

#include "platform/devices/pcie_bench.h"
#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace {
uint64_t nowPs() {
  return sc_core::sc_time_stamp().value();
}
}  // namespace

void PcieBench::measureAt() {
  const auto command = params_.write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND;
  const uint32_t size = std::min<uint32_t>(params_.size_bytes, uint32_t(buffer_.size()));
  const uint64_t gap_ps = uint64_t(params_.issue_gap_ns * 1000.0 + 0.5);
  const sc_time device = sc_time(params_.device_latency_ns, sc_core::SC_NS);
  at_outstanding_ = 0;
  at_awaiting_end_req_ = false;
  uint64_t next_issue = nowPs(), first_issue = 0;
  at_last_completion_ = next_issue;
  const uint64_t total = params_.warmup_requests + params_.requests;
  for (uint64_t i = 0; i < total; ++i) {
    if (next_issue > nowPs()) sc_core::wait(sc_time::from_value(next_issue - nowPs()));
    while (at_outstanding_ >= params_.tags) sc_core::wait(at_response_);  // no free tag
    while (at_awaiting_end_req_) sc_core::wait(at_end_req_);
    const uint64_t issue = nowPs();
    if (i == params_.warmup_requests) {
      if (at_measure_) at_measure_();
      first_issue = issue;
    }
    Request& r = at_requests_.get();  // one reference: ours, until the response
    r.set_extension(&extension_);
    tlm::fillPayload(r, command, base_ + offset(i), buffer_.data(), size);
    r.issue_ps = issue;
    r.measured = i >= params_.warmup_requests;
    ++at_outstanding_;
    tlm_phase phase = ::tlm::BEGIN_REQ;
    sc_time delay = device;
    const tlm_sync_enum s = socket->nb_transport_fw(r, phase, delay);
    if (s == ::tlm::TLM_ACCEPTED) {
      at_awaiting_end_req_ = true;
    } else if (s == ::tlm::TLM_UPDATED && phase == ::tlm::BEGIN_RESP) {  // END_REQ implied
      tlm_phase end = ::tlm::END_RESP;
      sc_time none = sc_core::SC_ZERO_TIME;
      socket->nb_transport_fw(r, end, none);
      at_peq_.notify(r, ::tlm::BEGIN_RESP, delay);
    } else if (s == ::tlm::TLM_COMPLETED) {  // early completion: done at its annotated time
      at_peq_.notify(r, ::tlm::BEGIN_RESP, delay);
    }
    next_issue = issue + gap_ps;
  }
  while (at_outstanding_) sc_core::wait(at_response_);
  summarise(first_issue, at_last_completion_);
}

tlm_sync_enum PcieBench::nbBackward(tlm_generic_payload& trans, tlm_phase& phase, sc_time& delay) {
  if (phase == ::tlm::END_REQ) {
    at_awaiting_end_req_ = false;
    at_end_req_.notify();
    return ::tlm::TLM_ACCEPTED;
  }
  if (phase == ::tlm::BEGIN_RESP) {  // accepted at once
    Request& r = static_cast<Request&>(trans);
    if (delay == sc_core::SC_ZERO_TIME)
      atCompleted(r);
    else
      at_peq_.notify(r, ::tlm::BEGIN_RESP, delay);
    return ::tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("vtdsim/pcie_bench/base protocol",
                  "only END_REQ and BEGIN_RESP come on the backward path");
  return ::tlm::TLM_COMPLETED;
}

void PcieBench::atEvent(tlm_generic_payload& trans, const tlm_phase&) {
  atCompleted(static_cast<Request&>(trans));
}

// A response (at its time): the request's latency, and its tag is free.
void PcieBench::atCompleted(Request& r) {
  const uint64_t now = nowPs();
  at_last_completion_ = std::max(at_last_completion_, now);
  if (r.measured) {
    latencies_ps_.push_back(now - r.issue_ps);
    result_.bytes += r.get_data_length();
    if (!r.is_response_ok()) ++result_.errors;
  }
  --at_outstanding_;
  r.release();
  at_response_.notify();
}

}  // namespace vtd::platform
