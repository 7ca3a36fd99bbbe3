// InterruptController: queueing the host CPU's interrupts.
#include "platform/interrupt_controller.h"

#include "model/common/stat_registry.h"

namespace vtd::platform {

InterruptController::InterruptController(const sc_core::sc_module_name& name, uint32_t apic_id)
    : sc_module(name), apic_(apic_id) {}

void InterruptController::deliver(const ApicMessage& m, const sc_core::sc_time& delay) {
  if (!m.fixedOrLowestPriority()) {
    ++other_modes_;
    return;
  }
  DeliveredInterrupt d;
  d.time = sc_core::sc_time_stamp() + delay;
  d.address = m.address();
  d.data = m.data();
  d.vector = m.vector;
  d.delivery_mode = m.delivery_mode;
  d.destination = m.destination;
  ++delivered_;
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(d);
  event_.notify(delay);
}

DeliveredInterrupt InterruptController::take() {
  DeliveredInterrupt d = pending_.front();
  pending_.pop_front();
  return d;
}

void InterruptController::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "delivered", delivered_, "interrupts", "fixed and lowest-priority interrupts delivered to the host CPU");
  r.addCounter(p + "other_delivery_modes", other_modes_, "messages", "SMI/NMI/INIT/ExtINT messages to the host CPU (counted, not acted on)");
  r.addCounter(p + "dropped", dropped_, "interrupts", "delivered interrupts dropped from a full pending queue");
}

void InterruptController::resetStats() {
  delivered_ = other_modes_ = dropped_ = 0;
}

}  // namespace vtd::platform
