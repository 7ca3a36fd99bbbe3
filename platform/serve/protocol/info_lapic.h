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
};

// The monitor text for CPU `cpu_index`, in QEMU 7.2's format.
std::string formatInfoLapic(const LapicState& state, unsigned cpu_index);

}  // namespace vtd::serve
