// BenchInitiator: the loosely-timed initiator every LT speed measurement uses, so that the
// bare loop and the paths through the remapping unit run identical initiator code: N
// b_transport reads of `size` bytes, addresses stepping by `stride` through `span` bytes
// from `base`, a quantum keeper, and the wall-clock time of the loop. (The AT counterpart:
// at_bench_initiator.h.)
#pragma once

#include <chrono>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "platform/bench/bench_loop.h"
#include "tlm/requester_extension.h"

namespace vtd::platform {

class BenchInitiator : public sc_core::sc_module, public BenchSource {
 public:
  tlm_utils::simple_initiator_socket<BenchInitiator> socket;
  SC_HAS_PROCESS(BenchInitiator);

  BenchInitiator(const sc_core::sc_module_name& name, SourceId source)
      : sc_module(name), socket("socket") {
    extension_.source = source;
    payload_.set_extension(&extension_);
    payload_.set_command(::tlm::TLM_READ_COMMAND);
    payload_.set_data_ptr(data_);
    payload_.set_byte_enable_ptr(nullptr);
    SC_THREAD(run);
  }
  ~BenchInitiator() override { payload_.clear_extension(&extension_); }

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
      while (!pending_) sc_core::wait(start_);  // a start before the first wait is kept
      pending_ = false;
      keeper_.reset();
      errors_ = 0;
      uint64_t offset = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (uint64_t i = 0; i < loop_.transactions; ++i) {
        payload_.set_address(loop_.base + offset);
        payload_.set_data_length(loop_.size);
        payload_.set_streaming_width(loop_.size);
        payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = keeper_.get_local_time();
        socket->b_transport(payload_, delay);
        keeper_.set(delay);
        if (keeper_.need_sync()) keeper_.sync();
        errors_ += payload_.is_response_ok() ? 0 : 1;
        offset += loop_.stride;
        if (offset >= loop_.span) offset = 0;
      }
      keeper_.sync();
      seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      done_.notify(sc_core::SC_ZERO_TIME);
    }
  }

  tlm::RequesterExtension extension_;
  ::tlm::tlm_generic_payload payload_;
  tlm_utils::tlm_quantumkeeper keeper_;
  unsigned char data_[4096] = {};
  BenchLoop loop_;
  sc_core::sc_event start_, done_;
  double seconds_ = 0;
  uint64_t errors_ = 0;
  bool pending_ = false;
};

}  // namespace vtd::platform
