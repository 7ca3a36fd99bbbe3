// Domain: one isolation domain as the driver sees it: a domain id (CAP.ND bounds it,
// FS 2.1), an address width chosen from CAP.SAGAW, the second-level table that translates
// its devices' DMA (FS 5.1), and the source ids attached to it. Created and owned by
// VtdDriver, which does every hardware-visible change; the getters are for callers and
// tests.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "firmware/page_table.h"
#include "firmware/vtd_regs.h"

namespace vtd::fw {

class Domain {
 public:
  uint16_t did() const { return did_; }
  unsigned levels() const { return table_.levels(); }
  unsigned widthBits() const { return width_bits_; }
  // Same as widthBits(); the name the platform layer's API was specified with.
  unsigned width_bits() const { return width_bits_; }
  unsigned aw() const { return regs::widthToAw(width_bits_); }  // context-entry AW code
  uint64_t rootTable() const { return table_.root(); }
  const std::set<uint16_t>& devices() const { return devices_; }
  // Those attached with ATS (TT=01): their device-TLBs are flushed after the IOTLB.
  const std::set<uint16_t>& atsDevices() const { return ats_devices_; }

  // What the tables hold at `iova` (reads memory; no hardware access).
  std::optional<LeafInfo> lookup(uint64_t iova) { return table_.lookup(iova); }

 private:
  friend class VtdDriver;
  Domain(uint16_t did, unsigned width_bits, PhysMemory& memory, PhysAllocator& allocator,
         DriverStats& stats, bool flush_needed)
      : did_(did), width_bits_(width_bits),
        table_(memory, allocator, stats, regs::awToLevels(regs::widthToAw(width_bits)),
               flush_needed) {}

  uint16_t did_;
  unsigned width_bits_;
  PageTable table_;
  std::set<uint16_t> devices_;
  std::set<uint16_t> ats_devices_;
};

}  // namespace vtd::fw
