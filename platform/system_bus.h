// SystemBus: the CPU's view of the q35-like address map: the DMAR register block at its
// base (0xFED90000 by default; size 0 leaves it unmapped), the I/O APIC's register window
// at 0xFEC00000-0xFEC00FFF when to_ioapic is bound, DRAM from 0, then the memory BARs of
// PCI devices when a PCI decoder is attached. Anything else answers an address error. It forwards with the target-relative address (BARs get the absolute address) and
// adds no time of its own (the targets do).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace vtd::platform {

class PciDevice;

class SystemBus : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<SystemBus> cpu_in;
  tlm_utils::simple_initiator_socket<SystemBus> to_memory;
  tlm_utils::simple_initiator_socket<SystemBus> to_dmar;
  // Optional: a platform without an I/O APIC leaves it unbound (the window is unmapped).
  tlm_utils::multi_passthrough_initiator_socket<SystemBus, 32, ::tlm::tlm_base_protocol_types, 1,
                                                sc_core::SC_ZERO_OR_MORE_BOUND>
      to_ioapic;
  static constexpr uint64_t kIoApicBase = 0xFEC0'0000, kIoApicSize = 0x1000;

  SystemBus(const sc_core::sc_module_name& name, uint64_t memory_size, uint64_t dmar_base,
            uint64_t dmar_size);

  // Which PCI device, if any, decodes a range the fixed map leaves unassigned.
  using PciDecoder = std::function<PciDevice*(uint64_t address, unsigned length)>;
  void setPciDecoder(PciDecoder decoder) { pci_decoder_ = std::move(decoder); }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned debugTransport(::tlm::tlm_generic_payload& trans);
  void end_of_elaboration() override;
  enum class Target : uint8_t { Memory, Dmar, IoApic };
  // Which target and the address within it; false when nothing is mapped there.
  bool decode(uint64_t address, unsigned length, Target& target, uint64_t& local) const;

  uint64_t memory_size_, dmar_base_, dmar_size_;
  PciDecoder pci_decoder_;
  bool has_ioapic_ = false;  // to_ioapic is bound (known once elaboration is over)
};

}  // namespace vtd::platform
