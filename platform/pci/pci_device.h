// PciDevice: what the host bridge and the CPU-side bus need from a PCI function on bus 0:
// its configuration space (mechanism #1 accesses) and decoding of its memory BARs.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>

namespace vtd::platform {

class PciDevice {
 public:
  virtual ~PciDevice() = default;

  // Device and function number on bus 0: dev << 3 | fn.
  virtual uint8_t devfn() const = 0;
  // Configuration space (256 bytes), naturally aligned accesses of size 1, 2 or 4.
  virtual uint32_t configRead(unsigned offset, unsigned size) = 0;
  virtual void configWrite(unsigned offset, unsigned size, uint32_t value) = 0;
  // True when a memory BAR decodes [address, address + length): the BAR is programmed
  // and COMMAND.Memory Space is set.
  virtual bool claimsMemory(uint64_t address, unsigned length) const = 0;
  // A CPU access to a claimed address (absolute address in the payload), loosely timed.
  virtual void memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) = 0;
};

}  // namespace vtd::platform
