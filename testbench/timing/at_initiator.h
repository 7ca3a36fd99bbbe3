// AtInitiator: a test initiator for the unit's approximately-timed dma_in. From a test
// thread it sends BEGIN_REQ (with an annotated delay, or at an absolute time after the
// previous END_REQ, as the base protocol's request exclusion rule wants) and END_RESP; it
// logs every phase it receives on the backward path with its time, and answers each
// BEGIN_RESP as the test planned: TLM_COMPLETED (the default), TLM_UPDATED with END_RESP,
// or TLM_ACCEPTED (the test sends END_RESP later). Requests keep their payload at a fixed
// address (the log refers to it).
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <deque>
#include <systemc>
#include <tlm>
#include <vector>

#include "tlm/requester_extension.h"

namespace vtd::test {

class AtInitiator : public sc_core::sc_module {
 public:
  enum class Accept { Completed, Updated, Later };
  struct Event {
    const ::tlm::tlm_generic_payload* trans;
    ::tlm::tlm_phase phase;
    uint64_t at_ps;
  };
  struct Request {
    Request(SourceId source, uint64_t address, unsigned length = 64, bool with_requester = true) {
      ext.source = source;
      if (with_requester) p.set_extension(&ext);
      p.set_command(::tlm::TLM_READ_COMMAND);
      p.set_address(address);
      p.set_data_ptr(data);
      p.set_data_length(length);
      p.set_streaming_width(length);
      p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    }
    ~Request() { p.clear_extension(&ext); }
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;
    tlm::RequesterExtension ext;
    ::tlm::tlm_generic_payload p;
    unsigned char data[8192] = {};
  };
  static constexpr uint64_t kNever = ~0ull;

  tlm_utils::simple_initiator_socket<AtInitiator> socket;
  std::vector<Event> log;
  std::deque<Accept> plan;  // how the next BEGIN_RESPs are answered (then Completed)

  explicit AtInitiator(const sc_core::sc_module_name& name) : sc_module(name), socket("socket") {
    socket.register_nb_transport_bw(this, &AtInitiator::backward);
  }

  // BEGIN_REQ now with `delay_ns` annotated; a returned END_REQ is logged at its time.
  ::tlm::tlm_sync_enum begin(Request& r, uint64_t delay_ns = 0) {
    ::tlm::tlm_phase phase = ::tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::sc_time::from_value(delay_ns * 1000);
    const ::tlm::tlm_sync_enum s = socket->nb_transport_fw(r.p, phase, delay);
    if (s == ::tlm::TLM_UPDATED)
      record(r.p, phase, nowPs() + delay.value());
    else if (s == ::tlm::TLM_ACCEPTED)
      pending_end_req_ = &r.p;
    return s;
  }
  // BEGIN_REQ arriving at absolute `at_ps`, sent once the previous request has its END_REQ.
  ::tlm::tlm_sync_enum beginAt(Request& r, uint64_t at_ps) {
    while (pending_end_req_) sc_core::wait(event_);
    EXPECT_GE(at_ps, nowPs());
    return begin(r, (at_ps - nowPs()) / 1000);
  }
  ::tlm::tlm_sync_enum endResponse(Request& r, uint64_t delay_ns = 0) {
    ::tlm::tlm_phase phase = ::tlm::END_RESP;
    sc_core::sc_time delay = sc_core::sc_time::from_value(delay_ns * 1000);
    return socket->nb_transport_fw(r.p, phase, delay);
  }
  void waitFor(const Request& r, const ::tlm::tlm_phase& phase) {
    while (timeOf(r, phase) == kNever) sc_core::wait(event_);
  }
  uint64_t timeOf(const Request& r, const ::tlm::tlm_phase& phase) const {
    for (const Event& e : log)
      if (e.trans == &r.p && e.phase == phase) return e.at_ps;
    return kNever;
  }
  unsigned count(const Request& r, const ::tlm::tlm_phase& phase) const {
    unsigned n = 0;
    for (const Event& e : log) n += e.trans == &r.p && e.phase == phase;
    return n;
  }
  static uint64_t nowPs() { return sc_core::sc_time_stamp().value(); }

 private:
  ::tlm::tlm_sync_enum backward(::tlm::tlm_generic_payload& p, ::tlm::tlm_phase& phase,
                                sc_core::sc_time& delay) {
    record(p, phase, nowPs() + delay.value());
    if (phase == ::tlm::END_REQ) {
      if (pending_end_req_ == &p) pending_end_req_ = nullptr;
      return ::tlm::TLM_ACCEPTED;
    }
    const Accept a = plan.empty() ? Accept::Completed : plan.front();
    if (!plan.empty()) plan.pop_front();
    if (a == Accept::Completed) return ::tlm::TLM_COMPLETED;
    if (a == Accept::Later) return ::tlm::TLM_ACCEPTED;
    phase = ::tlm::END_RESP;
    return ::tlm::TLM_UPDATED;
  }
  void record(const ::tlm::tlm_generic_payload& p, const ::tlm::tlm_phase& phase, uint64_t at) {
    log.push_back({&p, phase, at});
    event_.notify(sc_core::SC_ZERO_TIME);
  }

  const ::tlm::tlm_generic_payload* pending_end_req_ = nullptr;
  sc_core::sc_event event_;
};

}  // namespace vtd::test
