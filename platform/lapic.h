// Lapic: the local APIC of one halted vCPU as an interrupt-message target. It decodes
// xAPIC MSIs (address 0xFEEx_xxxx: destination ID 19:12, destination mode bit 2; data:
// vector 7:0, delivery mode 10:8, trigger mode bit 15), and latches accepted fixed and
// lowest-priority interrupts in IRR (TMR for level-triggered), as QEMU's APIC does while
// its CPU never runs. Nothing acknowledges them (no CPU executes), so IRR accumulates and
// `info lapic` shows it. Not modelled: the timer, LVTs, IPIs, SMI/NMI/INIT/ExtINT effects
// (counted, not latched), x2APIC, logical destinations (LDR is 0 at reset, so a logical
// message matches no CPU, as in QEMU).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "platform/serve/protocol/info_lapic.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

class Lapic : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Lapic> msi_in;

  Lapic(const sc_core::sc_module_name& name, uint32_t apic_id);

  const serve::LapicState& state() const { return state_; }
  bool irrSet(uint8_t vector) const { return state_.irr[vector / 32] >> (vector % 32) & 1; }
  uint64_t accepted() const { return accepted_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { accepted_ = not_for_us_ = other_modes_ = malformed_ = illegal_vectors_ = 0; }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  serve::LapicState state_;
  uint64_t accepted_ = 0, not_for_us_ = 0, other_modes_ = 0, malformed_ = 0, illegal_vectors_ = 0;
};

}  // namespace vtd::platform
