// The ACPI DMAR table (VT-d spec chapter 8, "BIOS Considerations") that tells the guest
// where the model's register block is and which PCI functions it translates: a header with
// the host address width and flags (8.1), one DRHD unit (8.3) whose register base is the
// BAR QEMU's firmware gave the proxied register function, and a device scope (8.3.1) of
// PCI endpoints on bus 0. Not INCLUDE_PCI_ALL: QEMU's own devices stay outside the unit,
// since only functions the model serves can have their DMA translated. Interrupt
// remapping is not announced (the proxied functions carry no interrupts), nor RMRRs,
// ATSRs or RHSAs. QEMU passes the bytes to the firmware with -acpitable file=.
#pragma once

#include <cstdint>
#include <vector>

namespace vtd::cosim {

struct DmarTableSpec {
  unsigned host_address_width = 39;  // bits (written as HAW - 1)
  uint64_t register_base = 0;
  unsigned register_pages = 1;       // 4 KiB pages of the register block (a power of two)
  std::vector<uint8_t> scope_devfns; // PCI endpoints 00:dev.fn (dev << 3 | fn)
};

std::vector<uint8_t> buildDmarTable(const DmarTableSpec& spec);

}  // namespace vtd::cosim
