// PageTable: one domain's second-level paging structure (FS 5.1): 4 KiB tables of 512
// 64-bit entries, 2 to 5 levels, leaves at 4 KiB, 2 MiB (PDE, PS=1) or 1 GiB (PDPE, PS=1).
// map() never overwrites a present entry and picks, for each chunk, the largest leaf the
// caller allows and the alignment of both addresses permits; missing tables are created,
// existing ones reused. unmap() refuses to split a superpage, clears leaves and frees
// tables that become empty. Non-leaf entries grant R|W so the leaf alone decides access
// (the walker ANDs permissions down the levels). With ECAP.C = 0 every store is flushed.
// IOTLB invalidation is the caller's business. Not covered: execute, snoop, A/D bits.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "firmware/driver_stats.h"
#include "firmware/mapping_types.h"
#include "firmware/phys_allocator.h"
#include "firmware/status.h"

namespace vtd::fw {

// Leaf sizes the hardware accepts (CAP.SLLPS, FS 2.1).
struct LeafSupport {
  bool size_2m = false;
  bool size_1g = false;
};

// What a lookup finds at an address.
struct LeafInfo {
  uint64_t phys = 0;           // output address of the page (page aligned)
  LeafSize size = LeafSize::k4K;
  uint8_t perm = 0;            // R = 1, W = 2
  uint64_t entry_address = 0;  // where the leaf entry lives
  uint64_t entry = 0;          // its raw value
};

struct UnmapResult {
  std::array<uint64_t, kLeafSizeCount> leaves{};  // leaves cleared, by size
  // Table pages unlinked from the tree but not yet returned to the allocator: the
  // hardware may still hold pointers to them in its caches until the IOTLB/paging-
  // structure invalidation is done, so reclaim() runs after it (as Linux frees its
  // page-table freelist only after the flush).
  std::vector<uint64_t> detached_tables;
};

class PageTable {
 public:
  PageTable(PhysMemory& memory, PhysAllocator& allocator, DriverStats& stats, unsigned levels,
            bool flush_needed);
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  uint64_t root() const { return root_; }
  unsigned levels() const { return levels_; }

  // Addresses and size must be 4 KiB aligned and [iova, iova+size) inside the table's
  // reach; the caller checks widths. On failure nothing stays mapped from this call.
  Status map(uint64_t iova, uint64_t phys, uint64_t size, Perm perm, LeafSize max_leaf,
             LeafSupport support);
  Status unmap(uint64_t iova, uint64_t size, UnmapResult& result);
  std::optional<LeafInfo> lookup(uint64_t iova);
  // Returns the pages an unmap detached; call once the IOTLB has been invalidated.
  void reclaim(UnmapResult& result);
  // Frees every table page, the root included; the table is unusable afterwards.
  void release();

 private:
  uint64_t read(uint64_t address) { return memory_.read64(address); }
  void store(uint64_t address, uint64_t value);
  uint64_t newTable();
  void freeTable(uint64_t table);
  bool tableEmpty(uint64_t table);
  LeafSize chooseLeaf(uint64_t iova, uint64_t phys, uint64_t remaining, LeafSize max_leaf,
                      LeafSupport support) const;
  Status install(uint64_t iova, uint64_t phys, LeafSize size, uint64_t perm_bits);
  bool anyMapped(uint64_t table, unsigned level, uint64_t start, uint64_t end);
  Status checkNoSplit(uint64_t table, unsigned level, uint64_t start, uint64_t end, bool& found);
  void clearRange(uint64_t table, unsigned level, uint64_t start, uint64_t end, UnmapResult& r);
  void releaseTable(uint64_t table, unsigned level);

  PhysMemory& memory_;
  PhysAllocator& allocator_;
  DriverStats& stats_;
  unsigned levels_;
  bool flush_needed_;
  uint64_t root_ = 0;
};

}  // namespace vtd::fw
