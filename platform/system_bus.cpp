// SystemBus: address decoding for the CPU.
#include "platform/system_bus.h"

#include "platform/pci/pci_device.h"

namespace vtd::platform {

SystemBus::SystemBus(const sc_core::sc_module_name& name, uint64_t memory_size, uint64_t dmar_base,
                     uint64_t dmar_size)
    : sc_module(name), cpu_in("cpu_in"), to_memory("to_memory"), to_dmar("to_dmar"),
      to_ioapic("to_ioapic"),
      memory_size_(memory_size), dmar_base_(dmar_base), dmar_size_(dmar_size) {
  cpu_in.register_b_transport(this, &SystemBus::transport);
  cpu_in.register_transport_dbg(this, &SystemBus::debugTransport);
}

void SystemBus::end_of_elaboration() { has_ioapic_ = to_ioapic.size() > 0; }

bool SystemBus::decode(uint64_t a, unsigned n, Target& target, uint64_t& local) const {
  auto inside = [a, n](uint64_t base, uint64_t size) {
    return a >= base && a - base < size && n <= size - (a - base);
  };
  if (inside(dmar_base_, dmar_size_)) {
    target = Target::Dmar;
    local = a - dmar_base_;
    return true;
  }
  if (has_ioapic_ && inside(kIoApicBase, kIoApicSize)) {
    target = Target::IoApic;
    local = a - kIoApicBase;
    return true;
  }
  if (inside(0, memory_size_)) {
    target = Target::Memory;
    local = a;
    return true;
  }
  return false;
}

void SystemBus::transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t a = trans.get_address();
  Target target = Target::Memory;
  uint64_t local = 0;
  if (!decode(a, trans.get_data_length(), target, local)) {
    if (PciDevice* device = pci_decoder_ ? pci_decoder_(a, trans.get_data_length()) : nullptr) {
      device->memoryTransport(trans, delay);
      return;
    }
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  trans.set_address(local);
  switch (target) {
    case Target::Dmar: to_dmar->b_transport(trans, delay); break;
    case Target::IoApic: to_ioapic[0]->b_transport(trans, delay); break;
    case Target::Memory: to_memory->b_transport(trans, delay); break;
  }
  trans.set_address(a);
}

unsigned SystemBus::debugTransport(::tlm::tlm_generic_payload& trans) {
  const uint64_t a = trans.get_address();
  Target target = Target::Memory;
  uint64_t local = 0;
  // The I/O APIC's registers are indirect (IOREGSEL): a debug access could not be side-
  // effect free, so debug transport does not reach them.
  if (!decode(a, trans.get_data_length(), target, local) || target == Target::IoApic) return 0;
  trans.set_address(local);
  const unsigned n = target == Target::Dmar ? to_dmar->transport_dbg(trans)
                                            : to_memory->transport_dbg(trans);
  trans.set_address(a);
  return n;
}

}  // namespace vtd::platform
