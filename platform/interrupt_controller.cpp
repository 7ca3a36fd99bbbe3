// InterruptController: decoding and recording of interrupt messages.
#include "platform/interrupt_controller.h"

#include <cstring>

#include "model/common/stat_registry.h"

namespace vtd::platform {

InterruptController::InterruptController(const sc_core::sc_module_name& name)
    : sc_module(name), msi_in("msi_in") {
  msi_in.register_b_transport(this, &InterruptController::transport);
}

void InterruptController::transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t a = trans.get_address();
  if (!trans.is_write() || trans.get_data_length() != 4 || (a >> 20) != 0xFEE) {
    ++malformed_;
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  DeliveredInterrupt d;
  d.time = sc_core::sc_time_stamp() + delay;
  d.address = a;
  std::memcpy(&d.data, trans.get_data_ptr(), 4);
  d.vector = uint8_t(d.data & 0xFF);
  d.delivery_mode = uint8_t((d.data >> 8) & 7);
  d.destination = uint8_t((a >> 12) & 0xFF);
  ++delivered_;
  ++per_vector_[d.vector];
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(d);
  event_.notify(delay);
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

DeliveredInterrupt InterruptController::take() {
  DeliveredInterrupt d = pending_.front();
  pending_.pop_front();
  return d;
}

void InterruptController::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "delivered", delivered_, "interrupts", "interrupt messages delivered");
  r.addCounter(p + "malformed", malformed_, "messages", "writes to the interrupt controller that were not MSIs");
  r.addCounter(p + "dropped", dropped_, "interrupts", "delivered interrupts dropped from a full pending queue");
}

void InterruptController::resetStats() {
  delivered_ = malformed_ = dropped_ = 0;
  per_vector_ = {};
}

}  // namespace vtd::platform
