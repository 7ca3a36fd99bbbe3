// `info lapic` text: the local APIC state of one CPU printed in QEMU 7.2's human-monitor
// format, so interrupt checks written for QEMU (they parse the IRR line) work unchanged.
// The LAPIC model fills LapicState; fields it does not model keep QEMU's reset values.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace vtd::serve {

struct LapicState {
  uint32_t id = 0;                  // APIC ID
  std::array<uint32_t, 8> irr{};    // interrupt request register, vector v = bit v%32 of irr[v/32]
  std::array<uint32_t, 8> isr{};    // in-service register
  std::array<uint32_t, 8> tmr{};    // trigger mode register

  // The rest of what `info lapic` prints; defaults are QEMU's values after reset.
  uint32_t lvt_timer = 0x00010000;    // every LVT entry resets masked
  uint32_t lvt_thermal = 0x00010000;
  uint32_t lvt_perf = 0x00010000;
  uint32_t lvt_lint0 = 0x00010000;
  uint32_t lvt_lint1 = 0x00010000;
  uint32_t lvt_error = 0x00010000;
  uint32_t divide_conf = 0;           // timer divide configuration (DCR)
  uint32_t initial_count = 0;         // timer initial count
  uint32_t current_count = 0;         // timer current count
  uint32_t spurious_vec = 0xff;       // SVR: software-disabled, spurious vector 255
  uint32_t icr_low = 0;               // ICR bits 31:0
  uint32_t icr_high = 0;              // ICR bits 63:32 (ICR2)
  uint32_t esr = 0;                   // error status
  uint8_t arb_id = 0;                 // arbitration ID (printed as APR)
  uint8_t tpr = 0;                    // task priority
  uint8_t dest_mode = 0xf;            // DFR model, bits 31:28 (0xf flat, 0 cluster)
  uint8_t log_dest = 0;               // LDR bits 31:24
  bool cpuid_x2apic = false;          // CPU advertises x2APIC: ICR2 decodes as a 32-bit ID
};

// The monitor text for CPU `cpu_index`, in QEMU 7.2's format, lines ending in "\n" as QEMU's
// printer writes them (its monitor turns each into "\r\n"; QmpSession does the same).
std::string formatInfoLapic(const LapicState& state, unsigned cpu_index);

}  // namespace vtd::serve
