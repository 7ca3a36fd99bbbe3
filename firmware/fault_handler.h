// FaultHandler: reads and retires primary fault records the way Linux's handler does
// (FS 7.5): FSTS first; if PPF, walk the FRCD registers from FRI, wrapping after NFR+1,
// until one has F = 0, decoding each and clearing its F (write 1 to bit 31 of the dword at
// +12); then clear PFO/PPF in FSTS. Also programs and unmasks the fault event
// (FEDATA/FEADDR/FEUADDR/FECTL). Not covered: advanced fault logging (CAP.AFL), the
// invalidation-queue error bits.
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/capabilities.h"
#include "firmware/driver_stats.h"
#include "firmware/register_io.h"

namespace vtd::fw {

// One primary fault record (FS 7.2).
struct FaultRecord {
  unsigned index = 0;       // FRCD register it was read from
  uint8_t reason = 0;       // FR (FS 7.4)
  uint16_t source_id = 0;   // SID, bus:dev.fn
  uint64_t address = 0;     // FI: faulting page address (DMA) or index << 48 (interrupt)
  bool is_write = false;    // T = 0; meaningful for DMA faults only
  bool pasid_present = false;
  uint32_t pasid = 0;       // PV (20 bits)
  bool privileged = false;  // PRIV
  bool execute = false;     // EXE
  uint8_t address_type = 0; // AT
  uint64_t raw_lo = 0;      // bits 63:0
  uint64_t raw_hi = 0;      // bits 127:64, F as read (set)

  // Interrupt-remapping faults use FR 0x20-0x2F (FS 7.4); their T is not valid.
  bool isInterruptFault() const { return reason >= 0x20 && reason < 0x30; }
  uint16_t interruptIndex() const { return uint16_t(address >> 48); }
};

class FaultHandler {
 public:
  FaultHandler(RegisterIo& io, const Capabilities& caps, DriverStats& stats)
      : io_(io), caps_(caps), stats_(stats) {}

  std::vector<FaultRecord> handle();
  // FEDATA, FEADDR, FEUADDR (only with ECAP.EIM), then FECTL.IM = 0 (FS 9.C.6).
  void setInterrupt(uint64_t msi_address, uint32_t msi_data);
  void setMasked(bool masked);

  static FaultRecord decode(unsigned index, uint64_t lo, uint32_t dword2, uint32_t dword3);

 private:
  RegisterIo& io_;
  const Capabilities& caps_;
  DriverStats& stats_;
};

}  // namespace vtd::fw
