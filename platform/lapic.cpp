// Lapic: MSI decoding and IRR latching.
#include "platform/lapic.h"

#include <cstring>

#include "model/common/stat_registry.h"

namespace vtd::platform {

Lapic::Lapic(const sc_core::sc_module_name& name, uint32_t apic_id) : sc_module(name), msi_in("msi_in") {
  state_.id = apic_id;
  msi_in.register_b_transport(this, &Lapic::transport);
}

void Lapic::transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  const uint64_t a = trans.get_address();
  if (!trans.is_write() || trans.get_data_length() != 4 || (a >> 20) != 0xFEE) {
    ++malformed_;
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t data = 0;
  std::memcpy(&data, trans.get_data_ptr(), 4);
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);  // a posted write: the bus accepted it

  const uint32_t destination = uint32_t(a >> 12) & 0xFF;
  const bool logical = (a >> 2) & 1;
  const bool for_us = !logical && (destination == state_.id || destination == 0xFF);
  if (!for_us) {
    ++not_for_us_;
    return;
  }
  const unsigned delivery_mode = (data >> 8) & 7;
  if (delivery_mode != 0 && delivery_mode != 1) {  // only fixed and lowest priority latch a vector
    ++other_modes_;
    return;
  }
  const uint8_t vector = uint8_t(data);
  if (vector < 16) {  // vectors 0-15 are reserved: the APIC reports them in ESR and drops them
    ++illegal_vectors_;
    return;
  }
  const bool level = (data >> 15) & 1;
  state_.irr[vector / 32] |= 1u << (vector % 32);
  if (level)
    state_.tmr[vector / 32] |= 1u << (vector % 32);
  else
    state_.tmr[vector / 32] &= ~(1u << (vector % 32));
  ++accepted_;
}

void Lapic::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "accepted", accepted_, "interrupts", "fixed/lowest-priority interrupts latched in IRR");
  r.addCounter(p + "not_for_us", not_for_us_, "messages", "messages addressed to another APIC or a logical destination");
  r.addCounter(p + "other_delivery_modes", other_modes_, "messages", "SMI/NMI/INIT/ExtINT messages (counted, not modelled)");
  r.addCounter(p + "illegal_vectors", illegal_vectors_, "messages", "messages with a reserved vector 0-15 (dropped)");
  r.addCounter(p + "malformed", malformed_, "messages", "accesses that were not 4-byte writes into 0xFEEx_xxxx");
}

}  // namespace vtd::platform
