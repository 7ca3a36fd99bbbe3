// IoApic: an I/O APIC (82093AA register interface, version 0x20 as QEMU's) whose interrupts
// go through the VT-d unit as DMA writes, which is how chipsets route them (VT-d 3.x 5.1.5).
//  mmio_in  the register window, offsets from its base: IOREGSEL (+0x00, the index), IOWIN
//           (+0x10, the selected register), EOI (+0x40, version 0x20: a vector to EOI,
//           which Linux uses for its remapped level interrupts). 4-byte accesses only.
//           Indirect registers: ID (0x00, bits 27:24), VER (0x01: 0x00170020, 24 pins),
//           ARB (0x02, the ID), RTE n low/high halves at 0x10 + 2n / 0x11 + 2n.
//  irq_out  towards VtdUnit::dma_in: one 4-byte write per interrupt, carrying a
//           RequesterExtension with the I/O APIC's source id (default F0:1F.0 = 0xF0F8, the
//           id Linux assumes for an I/O APIC without a DMAR device scope entry).
// Pins (setPin/pulse take the asserted state; polarity is stored, the board is assumed to
// invert active-low lines): an edge-triggered pin sends once per rising edge, and an edge
// on a masked pin is lost (82093AA: "not delivered or held pending"); a level-triggered pin
// sends when asserted with Remote IRR clear and sets Remote IRR, which stays until an EOI
// for the RTE's vector (eoi(), the EOI register, or a LAPIC's EOI broadcast) clears it; if
// the pin is still asserted it sends again. Unmasking an asserted level pin sends. The RTE
// formats and the request each produces are in ioapic_rte.h (FS 8.1).
// Not modelled: delivery status (always 0: delivery is immediate), ExtINT's 8259 vector,
// polarity inversion, the register access time, a second I/O APIC.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>

#include "model/common/types.h"
#include "tlm/requester_extension.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct IoApicStats {
  uint64_t interrupts_sent = 0;     // interrupt writes sent on irq_out
  uint64_t send_errors = 0;         // ... answered with an error
  uint64_t masked_edges = 0;        // rising edges lost on a masked pin
  uint64_t held_by_remote_irr = 0;  // level assertions not sent because Remote IRR was set
  uint64_t eois = 0;                // EOIs received (broadcast or EOI register)
  uint64_t remote_irr_cleared = 0;  // RTEs whose Remote IRR an EOI cleared
  uint64_t register_accesses = 0;   // MMIO accesses served
  uint64_t bad_accesses = 0;        // MMIO accesses refused (size, offset)
};

class IoApic : public sc_core::sc_module {
 public:
  static constexpr unsigned kPins = 24;
  static constexpr uint8_t kVersion = 0x20;
  static constexpr uint64_t kIoRegSel = 0x00, kIoWin = 0x10, kEoiRegister = 0x40;
  static constexpr uint8_t kRegId = 0x00, kRegVer = 0x01, kRegArb = 0x02, kRegRte = 0x10;
  static constexpr uint16_t kDefaultSourceId = 0xF0F8;  // bus 0xF0, device 0x1F, function 0

  // Zero or more bound: a platform whose bus does not map the window yet still has pins.
  tlm_utils::multi_passthrough_target_socket<IoApic, 32, ::tlm::tlm_base_protocol_types, 0,
                                             sc_core::SC_ZERO_OR_MORE_BOUND>
      mmio_in;
  tlm_utils::simple_initiator_socket<IoApic> irq_out;

  IoApic(const sc_core::sc_module_name& name, uint8_t id = 0,
         SourceId source = SourceId{kDefaultSourceId});
  ~IoApic() override { payload_.clear_extension(&extension_); }

  void setPin(unsigned pin, bool asserted);
  void pulse(unsigned pin);  // a rising then a falling edge
  void eoi(uint8_t vector);
  bool pinAsserted(unsigned pin) const { return asserted_.at(pin); }
  uint64_t redirectionEntry(unsigned pin) const { return rte_.at(pin); }

  // The indirect registers as IOWIN sees them (also for tests and a firmware HAL).
  uint32_t readRegister(uint8_t index) const;
  void writeRegister(uint8_t index, uint32_t value);

  uint8_t id() const { return id_; }
  SourceId source() const { return extension_.source; }
  const IoApicStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = {}; }

 private:
  void transport(int port, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void serviceLevel(unsigned pin);
  void send(unsigned pin);

  uint8_t id_;
  uint8_t ioregsel_ = 0;
  std::array<uint64_t, kPins> rte_;
  std::array<bool, kPins> asserted_{};
  sc_core::sc_time* current_delay_ = nullptr;  // delay of the MMIO access being served
  ::tlm::tlm_generic_payload payload_;
  uint32_t payload_data_ = 0;
  tlm::RequesterExtension extension_;  // a member: cleared from the payload before destruction
  IoApicStats stats_;
};

}  // namespace vtd::platform
