// Second-level page walk (VT-d 3.x 3.7 and 9.8, FS 5.1) for 2- to 5-level tables: 512
// entries per 4 KiB table, 9 index bits per level, 2 MiB and 1 GiB leaves as CAP.SLLPS
// allows. An entry is present when R or W is set; a non-present entry ends the walk with
// the access's permission fault (0x5 write, 0x6 read); a present entry with reserved bits
// ends it with 0xC; a failed read with 0x7. The result carries the AND of R/W over all
// levels; the caller checks the request against it (same rule on IOTLB hits).
// A walk may start below the top (from a paging-structure cache hit, WalkStart) with the
// permissions accumulated above; it reports the non-leaf entries it validated so the
// caller can fill those caches.
// Not modelled: A/D updates (scalable mode only), EMT/IPAT (ECAP.MTS = 0: ignored bits).
#pragma once

#include <array>
#include <cstdint>

#include "model/caches/paging_structure_cache.h"
#include "model/common/cost.h"
#include "model/common/guest_memory.h"
#include "model/common/types.h"

namespace vtd {

struct UnitParams;

struct WalkResult {
  FaultReason fault = FaultReason::None;
  uint64_t output_page = 0;  // page-size aligned
  PageSize size = PageSize::Size4K;
  uint8_t permissions = kPermNone;
  bool snoop = false;
  // Present, well-formed non-leaf entries read (also when a lower level faulted): bit L of
  // `pointers` set -> the level-L entry points at next_table[L], with R/W AND-ed down to it
  // in pointer_perms[L]. Slots whose bit is clear are left uninitialised (miss-path cost).
  uint8_t pointers = 0;
  std::array<uint8_t, 6> pointer_perms;
  std::array<uint64_t, 6> next_table;
};

class SecondLevelWalker {
 public:
  explicit SecondLevelWalker(const UnitParams& p);

  WalkResult walk(GuestMemory& memory, uint64_t root, unsigned levels, uint64_t iova,
                  AccessKind kind, Cost& cost) const {
    return walk(memory, WalkStart{root, levels, kPermRW}, iova, kind, cost);
  }
  // From the table of level start.level (the top, or below a paging-structure cache hit).
  WalkResult walk(GuestMemory& memory, const WalkStart& start, uint64_t iova, AccessKind kind,
                  Cost& cost) const;

 private:
  // Reserved-bit masks per level (index 1..5), as table pointer and as leaf.
  std::array<uint64_t, 6> non_leaf_reserved_{};
  std::array<uint64_t, 6> leaf_reserved_{};
  std::array<bool, 6> leaf_allowed_{};
  uint64_t address_mask_;  // address bits 51:12 below HAW
  bool snoop_control_;
};

}  // namespace vtd
