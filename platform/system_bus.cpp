// SystemBus: address decoding for the CPU.
#include "platform/system_bus.h"

#include "platform/pci/pci_device.h"

namespace vtd::platform {

SystemBus::SystemBus(const sc_core::sc_module_name& name, uint64_t memory_size, uint64_t dmar_base,
                     uint64_t dmar_size)
    : sc_module(name), cpu_in("cpu_in"), to_memory("to_memory"), to_dmar("to_dmar"),
      memory_size_(memory_size), dmar_base_(dmar_base), dmar_size_(dmar_size) {
  cpu_in.register_b_transport(this, &SystemBus::transport);
  cpu_in.register_transport_dbg(this, &SystemBus::debugTransport);
}

bool SystemBus::decode(uint64_t a, unsigned n, bool& dmar, uint64_t& local) const {
  if (a >= dmar_base_ && a - dmar_base_ < dmar_size_ && n <= dmar_size_ - (a - dmar_base_)) {
    dmar = true;
    local = a - dmar_base_;
    return true;
  }
  if (a < memory_size_ && n <= memory_size_ - a) {
    dmar = false;
    local = a;
    return true;
  }
  return false;
}

void SystemBus::transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t a = trans.get_address();
  bool dmar = false;
  uint64_t local = 0;
  if (!decode(a, trans.get_data_length(), dmar, local)) {
    if (PciDevice* device = pci_decoder_ ? pci_decoder_(a, trans.get_data_length()) : nullptr) {
      device->memoryTransport(trans, delay);
      return;
    }
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  trans.set_address(local);
  if (dmar)
    to_dmar->b_transport(trans, delay);
  else
    to_memory->b_transport(trans, delay);
  trans.set_address(a);
}

unsigned SystemBus::debugTransport(::tlm::tlm_generic_payload& trans) {
  const uint64_t a = trans.get_address();
  bool dmar = false;
  uint64_t local = 0;
  if (!decode(a, trans.get_data_length(), dmar, local)) return 0;
  trans.set_address(local);
  const unsigned n = dmar ? to_dmar->transport_dbg(trans) : to_memory->transport_dbg(trans);
  trans.set_address(a);
  return n;
}

}  // namespace vtd::platform
