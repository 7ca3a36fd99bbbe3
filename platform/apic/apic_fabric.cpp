// ApicFabric: decoding interrupt writes and routing them to the local APICs.
#include "platform/apic/apic_fabric.h"

#include <cstring>

#include "model/common/stat_registry.h"

namespace vtd::platform {

ApicFabric::ApicFabric(const sc_core::sc_module_name& name) : sc_module(name), msi_in("msi_in") {
  msi_in.register_b_transport(this, &ApicFabric::transport);
}

void ApicFabric::transport(int, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t a = trans.get_address();
  if (!trans.is_write() || trans.get_data_length() != 4 || trans.get_byte_enable_ptr() ||
      trans.get_streaming_width() < 4 || !ApicMessage::isInterruptAddress(a)) {
    ++stats_.malformed;
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t data = 0;
  std::memcpy(&data, trans.get_data_ptr(), 4);
  // A posted write: the fabric takes it whether or not a target accepts it.
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
  route(ApicMessage::decode(a, data), delay);
}

unsigned ApicFabric::route(const ApicMessage& m, const sc_core::sc_time& delay) {
  ++stats_.messages;
  if (m.logical) ++stats_.logical;
  if (!m.logical && (m.destination == 0xFF || m.destination == 0xFFFF'FFFF)) ++stats_.broadcasts;
  if (m.destination > 0xFF) ++stats_.x2apic_destinations;

  unsigned delivered = 0;
  if (m.delivery_mode == kDeliveryLowestPriority) {
    ++stats_.lowest_priority;
    ApicTarget* chosen = nullptr;
    for (ApicTarget* t : targets_)
      if (t->localApic().matches(m) &&
          (!chosen || t->localApic().ppr() < chosen->localApic().ppr()))
        chosen = t;
    if (chosen) {
      chosen->deliver(m, delay);
      delivered = 1;
    }
  } else {
    for (ApicTarget* t : targets_)
      if (t->localApic().matches(m)) {
        t->deliver(m, delay);
        ++delivered;
      }
  }
  stats_.deliveries += delivered;
  if (delivered == 0) {
    ++stats_.unmatched;
    last_unmatched_ = m;
  }
  return delivered;
}

void ApicFabric::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "messages", stats_.messages, "messages",
               "interrupt messages decoded from writes into 0xFEEx_xxxx");
  r.addCounter(p + "deliveries", stats_.deliveries, "deliveries",
               "messages delivered to local APICs (a broadcast counts once per APIC)");
  r.addCounter(p + "unmatched", stats_.unmatched, "messages",
               "messages whose destination matched no local APIC");
  r.addCounter(p + "malformed", stats_.malformed, "accesses",
               "accesses that were not 4-byte writes into 0xFEEx_xxxx");
  r.addCounter(p + "broadcasts", stats_.broadcasts, "messages",
               "physical broadcast messages (0xFF xAPIC, 0xFFFFFFFF x2APIC)");
  r.addCounter(p + "logical", stats_.logical, "messages", "logical-destination messages");
  r.addCounter(p + "lowest_priority", stats_.lowest_priority, "messages",
               "lowest-priority messages (delivered to one APIC)");
  r.addCounter(p + "x2apic_destinations", stats_.x2apic_destinations, "messages",
               "messages with a destination above 0xFF (x2APIC)");
}

}  // namespace vtd::platform
