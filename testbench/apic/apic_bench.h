// Helpers for the platform/apic tests: a recording target for interrupt writes, a 4-byte
// MMIO initiator (for calls from sc_main, outside any process), a recording ApicTarget.
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstring>
#include <systemc>
#include <tlm>
#include <vector>

#include "platform/apic/apic_fabric.h"
#include "platform/apic/local_apic.h"
#include "tlm/requester_extension.h"

namespace vtd::test {

using platform::ApicMessage;
using sc_core::SC_NS;
using sc_core::sc_time;

inline sc_time ns(double v) {
  return sc_time(v, SC_NS);
}

// Records every 4-byte write (an interrupt request) with its requester id and delay.
struct WriteRecorder : sc_core::sc_module {
  struct Write {
    uint64_t address;
    uint32_t data;
    bool has_source;
    uint16_t source;
    sc_time delay;
  };
  tlm_utils::simple_target_socket<WriteRecorder> in{"in"};
  std::vector<Write> writes;

  explicit WriteRecorder(const sc_core::sc_module_name& n) : sc_module(n) {
    in.register_b_transport(this, &WriteRecorder::transport);
  }
  void transport(::tlm::tlm_generic_payload& p, sc_time& delay) {
    Write w{p.get_address(), 0, false, 0, delay};
    std::memcpy(&w.data, p.get_data_ptr(), 4);
    if (auto* e = p.get_extension<tlm::RequesterExtension>()) {
      w.has_source = true;
      w.source = e->source.value;
    }
    writes.push_back(w);
    p.set_response_status(::tlm::TLM_OK_RESPONSE);
  }
};

// 4-byte reads and writes from outside any process (the tests' sc_main context).
struct MmioInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<MmioInitiator> out{"out"};
  explicit MmioInitiator(const sc_core::sc_module_name& n) : sc_module(n) {}
  bool access(bool write, uint64_t address, uint32_t& value, unsigned length = 4,
              sc_time* delay_out = nullptr) {
    uint8_t bytes[8] = {};
    std::memcpy(bytes, &value, 4);
    ::tlm::tlm_generic_payload p;
    p.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
    p.set_address(address);
    p.set_data_ptr(bytes);
    p.set_data_length(length);
    p.set_streaming_width(length);
    p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = sc_core::SC_ZERO_TIME;
    out->b_transport(p, delay);
    if (delay_out) *delay_out = delay;
    if (!write) std::memcpy(&value, bytes, 4);
    return p.is_response_ok();
  }
  bool write(uint64_t address, uint32_t value) { return access(true, address, value); }
  uint32_t read(uint64_t address) {
    uint32_t v = 0xDEADBEEF;
    EXPECT_TRUE(access(false, address, v));
    return v;
  }
};

// An APIC-bus endpoint that records what the fabric hands it.
struct RecordingTarget : platform::ApicTarget {
  platform::LocalApic apic;
  std::vector<std::pair<ApicMessage, sc_time>> received;
  explicit RecordingTarget(uint32_t id, platform::ApicMode mode = platform::ApicMode::XApic)
      : apic(id, mode) {}
  const platform::LocalApic& localApic() const override { return apic; }
  void deliver(const ApicMessage& m, const sc_time& delay) override {
    received.emplace_back(m, delay);
  }
};

inline ApicMessage fixedMessage(uint32_t destination, uint8_t vector) {
  ApicMessage m;
  m.destination = destination;
  m.vector = vector;
  return m;
}

}  // namespace vtd::test
