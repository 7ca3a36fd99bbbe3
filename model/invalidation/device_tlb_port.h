// DeviceTlbPort: how the remapping unit reaches the device-TLBs (ATCs) of ATS devices
// (VT-d 3.x 6.5.2.5, FS 6.4; PCIe ATS invalidate request / completion). A device-TLB
// invalidate descriptor (type 3) becomes one invalidate request to the endpoint named by
// its SID; the endpoint drops every cached translation that overlaps the range and answers
// with an invalidate completion. The platform implements the port (it knows which device
// owns which requester id); the unit only forwards and waits. A device that does not
// answer (no device at that SID, no ATS, or one that hangs) makes the unit report an
// invalidation time-out (FSTS.ITE, IQERCD.ITESID; queued_invalidation.h).
// Not modelled: the time a request spends on the link, several requests outstanding per
// device (MIP/qdep is passed along but not enforced), invalid completions (FSTS.ICE).
#pragma once

#include <cstdint>

#include "model/common/types.h"

namespace vtd {

// One invalidate request as the device receives it (descriptor fields decoded).
struct DeviceTlbInvalidation {
  SourceId sid;               // the endpoint
  uint16_t pfsid = 0;         // physical-function SID (with ECAP.DIT; 0 here)
  unsigned max_pending = 32;  // MIP: the device's invalidate queue depth (0 encodes 32)
  uint64_t address = 0;       // range base, aligned to `bytes`
  uint64_t bytes = 4096;      // power of two >= 4 KiB
  bool all = false;           // the whole address space (S=1, ADDR 62:12 all ones)

  bool covers(uint64_t base, uint64_t size) const {  // does [base, base+size) overlap it?
    return all || (base < address + bytes && address < base + size);
  }
};

struct DeviceTlbResult {
  bool completed = false;  // an invalidate completion came back
  uint32_t entries_invalidated = 0;
};

class DeviceTlbPort {
 public:
  virtual ~DeviceTlbPort() = default;
  virtual DeviceTlbResult invalidateDeviceTlb(const DeviceTlbInvalidation& request) = 0;
};

}  // namespace vtd
