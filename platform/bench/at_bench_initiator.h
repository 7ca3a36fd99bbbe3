// AtBenchInitiator: the approximately-timed initiator of `vtdsim bench`, the AT counterpart
// of BenchInitiator (same loop, same payload): each read goes through the base protocol's
// four phases one at a time: BEGIN_REQ (END_REQ on the return path or the backward path),
// then a wait in simulated time for BEGIN_RESP, accepted with TLM_COMPLETED (the implicit
// END_RESP). The bare AT loop runs it against AtMemory, the paths through the unit against
// dma_in, so the ratio between them is what the unit adds. No quantum keeper: AT time is
// simulated time. Not modelled: several transactions in flight (pcie_bench.h does that).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <chrono>
#include <cstdint>
#include <systemc>
#include <tlm>

#include "platform/bench/bench_loop.h"
#include "tlm/requester_extension.h"

namespace vtd::platform {

class AtBenchInitiator : public sc_core::sc_module, public BenchSource {
 public:
  tlm_utils::simple_initiator_socket<AtBenchInitiator> socket;
  SC_HAS_PROCESS(AtBenchInitiator);

  AtBenchInitiator(const sc_core::sc_module_name& name, SourceId source)
      : sc_module(name), socket("socket") {
    extension_.source = source;
    payload_.set_extension(&extension_);
    payload_.set_command(::tlm::TLM_READ_COMMAND);
    payload_.set_data_ptr(data_);
    payload_.set_byte_enable_ptr(nullptr);
    socket.register_nb_transport_bw(this, &AtBenchInitiator::backward);
    SC_THREAD(run);
  }
  ~AtBenchInitiator() override { payload_.clear_extension(&extension_); }

  void start(const BenchLoop& loop) override {
    loop_ = loop;
    pending_ = true;
    start_.notify();
  }
  const sc_core::sc_event& done() const override { return done_; }
  double seconds() const override { return seconds_; }
  uint64_t errors() const override { return errors_; }

 private:
  void run() {
    for (;;) {
      while (!pending_) sc_core::wait(start_);
      pending_ = false;
      errors_ = 0;
      uint64_t offset = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (uint64_t i = 0; i < loop_.transactions; ++i) {
        payload_.set_address(loop_.base + offset);
        payload_.set_data_length(loop_.size);
        payload_.set_streaming_width(loop_.size);
        payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        transact();
        errors_ += payload_.is_response_ok() ? 0 : 1;
        offset += loop_.stride;
        if (offset >= loop_.span) offset = 0;
      }
      seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      done_.notify(sc_core::SC_ZERO_TIME);
    }
  }

  // One transaction, all four phases; returns when it is complete.
  void transact() {
    responded_ = false;
    ::tlm::tlm_phase phase = ::tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const ::tlm::tlm_sync_enum r = socket->nb_transport_fw(payload_, phase, delay);
    if (r == ::tlm::TLM_COMPLETED) return;  // early completion
    if (r == ::tlm::TLM_UPDATED && phase == ::tlm::BEGIN_RESP) {
      ::tlm::tlm_phase end = ::tlm::END_RESP;
      sc_core::sc_time none = sc_core::SC_ZERO_TIME;
      socket->nb_transport_fw(payload_, end, none);
      return;
    }
    while (!responded_) sc_core::wait(response_);
  }

  ::tlm::tlm_sync_enum backward(::tlm::tlm_generic_payload&, ::tlm::tlm_phase& phase,
                                sc_core::sc_time&) {
    if (phase == ::tlm::BEGIN_RESP) {
      responded_ = true;
      response_.notify();
      return ::tlm::TLM_COMPLETED;
    }
    return ::tlm::TLM_ACCEPTED;  // END_REQ
  }

  tlm::RequesterExtension extension_;
  ::tlm::tlm_generic_payload payload_;
  unsigned char data_[4096] = {};
  BenchLoop loop_;
  sc_core::sc_event start_, done_, response_;
  double seconds_ = 0;
  uint64_t errors_ = 0;
  bool pending_ = false, responded_ = false;
};

}  // namespace vtd::platform
