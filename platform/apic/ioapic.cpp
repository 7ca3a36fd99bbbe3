// IoApic: registers, pin logic (edge, level with Remote IRR), interrupt writes.
#include "platform/apic/ioapic.h"

#include <cstring>

#include "model/common/stat_registry.h"
#include "platform/apic/ioapic_rte.h"

namespace vtd::platform {

IoApic::IoApic(const sc_core::sc_module_name& name, uint8_t id, SourceId source)
    : sc_module(name), mmio_in("mmio_in"), irq_out("irq_out"), id_(id & 0xF) {
  rte_.fill(rte::kReset);
  mmio_in.register_b_transport(this, &IoApic::transport);
  extension_.source = source;
  payload_.set_extension(&extension_);
  payload_.set_command(::tlm::TLM_WRITE_COMMAND);
  payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&payload_data_));
  payload_.set_data_length(4);
  payload_.set_streaming_width(4);
}

void IoApic::setPin(unsigned pin, bool asserted) {
  const bool was = asserted_.at(pin);
  asserted_[pin] = asserted;
  if (!asserted) return;
  if (rte::levelTriggered(rte_[pin])) return serviceLevel(pin);
  if (was) return;  // no edge
  if (rte::masked(rte_[pin])) {
    ++stats_.masked_edges;
    return;
  }
  send(pin);
}

void IoApic::pulse(unsigned pin) {
  setPin(pin, true);
  setPin(pin, false);
}

// A level pin sends while asserted, unmasked and not waiting for its EOI (Remote IRR).
void IoApic::serviceLevel(unsigned pin) {
  const uint64_t e = rte_[pin];
  if (!asserted_[pin] || rte::masked(e)) return;
  if (rte::remoteIrr(e)) {
    ++stats_.held_by_remote_irr;
    return;
  }
  send(pin);
}

void IoApic::send(unsigned pin) {
  const MsiMessage m = rte::message(rte_[pin]);
  if (rte::levelTriggered(rte_[pin])) rte_[pin] |= rte::kRemoteIrr;
  payload_data_ = m.data;
  payload_.set_address(m.address);
  payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time local = sc_core::SC_ZERO_TIME;
  irq_out->b_transport(payload_, current_delay_ ? *current_delay_ : local);
  ++stats_.interrupts_sent;
  if (!payload_.is_response_ok()) ++stats_.send_errors;
}

void IoApic::eoi(uint8_t vector) {
  ++stats_.eois;
  for (unsigned pin = 0; pin < kPins; ++pin) {
    const uint64_t e = rte_[pin];
    if (rte::vector(e) != vector || !rte::levelTriggered(e) || !rte::remoteIrr(e)) continue;
    rte_[pin] &= ~rte::kRemoteIrr;
    ++stats_.remote_irr_cleared;
    serviceLevel(pin);  // still asserted: the interrupt comes again
  }
}

uint32_t IoApic::readRegister(uint8_t index) const {
  if (index == kRegId || index == kRegArb) return uint32_t(id_) << 24;
  if (index == kRegVer) return (kPins - 1) << 16 | kVersion;
  if (index >= kRegRte && index < kRegRte + 2 * kPins) {
    const uint64_t e = rte_[(index - kRegRte) / 2];
    return (index & 1) ? uint32_t(e >> 32) : uint32_t(e);
  }
  return 0;  // reserved indexes read as 0
}

void IoApic::writeRegister(uint8_t index, uint32_t value) {
  if (index == kRegId) id_ = (value >> 24) & 0xF;
  if (index < kRegRte || index >= kRegRte + 2 * kPins) return;  // VER, ARB: read-only
  const unsigned pin = (index - kRegRte) / 2;
  uint64_t& e = rte_[pin];
  if (index & 1)
    e = (e & 0xFFFF'FFFFull) | uint64_t(value) << 32;
  else
    e = (e & ~uint64_t(rte::kLowWritable)) | (value & rte::kLowWritable);
  // An edge-triggered entry has no Remote IRR (QEMU clears it on the switch as well).
  if (!rte::levelTriggered(e))
    e &= ~rte::kRemoteIrr;
  else
    serviceLevel(pin);  // unmasked (or re-pointed) while asserted: send now
}

void IoApic::transport(int, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t offset = trans.get_address();
  const bool known = offset == kIoRegSel || offset == kIoWin || offset == kEoiRegister;
  if (trans.get_data_length() != 4 || trans.get_byte_enable_ptr() || !known ||
      trans.get_command() == ::tlm::TLM_IGNORE_COMMAND) {
    ++stats_.bad_accesses;
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  ++stats_.register_accesses;
  uint32_t value = 0;
  if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    current_delay_ = &delay;  // interrupts this write causes leave at its time
    if (offset == kIoRegSel)
      ioregsel_ = uint8_t(value);
    else if (offset == kIoWin)
      writeRegister(ioregsel_, value);
    else
      eoi(uint8_t(value));
    current_delay_ = nullptr;
  } else {
    if (offset == kIoRegSel)
      value = ioregsel_;
    else if (offset == kIoWin)
      value = readRegister(ioregsel_);
    std::memcpy(trans.get_data_ptr(), &value, 4);  // the EOI register reads as 0
  }
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

void IoApic::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "interrupts_sent", stats_.interrupts_sent, "interrupts",
               "interrupt writes sent towards the remapping unit");
  r.addCounter(p + "send_errors", stats_.send_errors, "interrupts",
               "interrupt writes answered with an error");
  r.addCounter(p + "masked_edges", stats_.masked_edges, "edges",
               "rising edges lost on masked edge-triggered pins");
  r.addCounter(p + "held_by_remote_irr", stats_.held_by_remote_irr, "assertions",
               "level assertions not sent because Remote IRR was set");
  r.addCounter(p + "eois", stats_.eois, "eois", "EOIs received (LAPIC broadcast or EOI register)");
  r.addCounter(p + "remote_irr_cleared", stats_.remote_irr_cleared, "entries",
               "Remote IRR bits cleared by an EOI");
  r.addCounter(p + "register_accesses", stats_.register_accesses, "accesses",
               "register window accesses served");
  r.addCounter(p + "bad_accesses", stats_.bad_accesses, "accesses",
               "register window accesses refused (size or offset)");
}

}  // namespace vtd::platform
