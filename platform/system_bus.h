// SystemBus: the CPU's view of the q35-like address map: the DMAR register block at its
// base (0xFED90000 by default; size 0 leaves it unmapped), DRAM from 0, then the memory
// BARs of PCI devices when a PCI decoder is attached. Anything else answers an address
// error. It forwards with the target-relative address (BARs get the absolute address) and
// adds no time of its own (the targets do).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace vtd::platform {

class PciDevice;

class SystemBus : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<SystemBus> cpu_in;
  tlm_utils::simple_initiator_socket<SystemBus> to_memory;
  tlm_utils::simple_initiator_socket<SystemBus> to_dmar;

  SystemBus(const sc_core::sc_module_name& name, uint64_t memory_size, uint64_t dmar_base,
            uint64_t dmar_size);

  // Which PCI device, if any, decodes a range the fixed map leaves unassigned.
  using PciDecoder = std::function<PciDevice*(uint64_t address, unsigned length)>;
  void setPciDecoder(PciDecoder decoder) { pci_decoder_ = std::move(decoder); }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(::tlm::tlm_generic_payload& trans);
  // Which target and the address within it; false when nothing is mapped there.
  bool decode(uint64_t address, unsigned length, bool& dmar, uint64_t& local) const;

  uint64_t memory_size_, dmar_base_, dmar_size_;
  PciDecoder pci_decoder_;
};

}  // namespace vtd::platform
