// InterruptController: receives interrupt messages (xAPIC MSI format: address 0xFEE in
// 31:20, destination ID in 19:12; data vector in 7:0, delivery mode in 10:8) and records
// every delivered vector with its time. It stands in for the LAPICs until the vCPU side
// arrives (posted interrupts are a later issue). Malformed messages are counted, not lost.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct DeliveredInterrupt {
  sc_core::sc_time time;
  uint64_t address = 0;
  uint32_t data = 0;
  uint8_t vector = 0;
  uint8_t destination = 0;
  uint8_t delivery_mode = 0;
};

class InterruptController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<InterruptController> msi_in;

  explicit InterruptController(const sc_core::sc_module_name& name);

  // Delivered interrupts not yet taken by software, oldest first.
  bool hasPending() const { return !pending_.empty(); }
  DeliveredInterrupt take();
  const sc_core::sc_event& event() const { return event_; }
  uint64_t countForVector(uint8_t v) const { return per_vector_[v]; }
  uint64_t delivered() const { return delivered_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  std::deque<DeliveredInterrupt> pending_;
  sc_core::sc_event event_;
  std::array<uint64_t, 256> per_vector_{};
  uint64_t delivered_ = 0, malformed_ = 0, dropped_ = 0;
  static constexpr size_t kMaxPending = 4096;  // beyond this, the oldest are dropped
};

}  // namespace vtd::platform
