// InterruptController: the host CPU's side of the APIC bus. It is the ApicTarget of the
// physical CPU that runs the host firmware (APIC ID 0 by default, xAPIC): the ApicFabric
// routes to it the messages addressed to that CPU (the unit's fault and invalidation-
// completion events, device MSIs the host takes itself: not remapped, compatibility-format
// or remapped to this CPU) and it queues each delivered interrupt with its arrival time
// for the firmware to take, oldest first. The firmware's handlers acknowledge nothing: no
// IRR/ISR priority is modelled for the host CPU (LocalApic is used for the destination
// match only). Non-fixed delivery modes (SMI, NMI, INIT, ExtINT) are counted and dropped.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>

#include "platform/apic/local_apic.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct DeliveredInterrupt {
  sc_core::sc_time time;  // arrival at this CPU
  uint64_t address = 0;   // the message as a sender writes it (ApicMessage::address/data)
  uint32_t data = 0;
  uint8_t vector = 0;
  uint32_t destination = 0;
  uint8_t delivery_mode = 0;
};

class InterruptController : public sc_core::sc_module, public ApicTarget {
 public:
  explicit InterruptController(const sc_core::sc_module_name& name, uint32_t apic_id = 0);

  // ApicTarget
  const LocalApic& localApic() const override { return apic_; }
  void deliver(const ApicMessage& m, const sc_core::sc_time& delay) override;

  // Delivered interrupts not yet taken by software, oldest first.
  bool hasPending() const { return !pending_.empty(); }
  DeliveredInterrupt take();
  const sc_core::sc_event& event() const { return event_; }
  uint64_t delivered() const { return delivered_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  LocalApic apic_;
  std::deque<DeliveredInterrupt> pending_;
  sc_core::sc_event event_;
  uint64_t delivered_ = 0, other_modes_ = 0, dropped_ = 0;
  static constexpr size_t kMaxPending = 4096;  // beyond this, the oldest are dropped
};

}  // namespace vtd::platform
