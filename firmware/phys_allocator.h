// PhysAllocator: hands out zeroed, page-aligned physical memory from one region for the
// driver's tables (root, context, second-level). A bitmap of 4 KiB pages with a next-fit
// cursor; multi-page blocks are contiguous. It owns no memory: it writes zeros through the
// HAL's PhysMemory so the tables start out clean for the hardware as well. Not modelled:
// NUMA placement, memory types.
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/hal.h"

namespace vtd::fw {

class PhysAllocator {
 public:
  // [base, base + size) must be 4 KiB aligned; throws std::invalid_argument otherwise.
  PhysAllocator(PhysMemory& memory, uint64_t base, uint64_t size);

  // A zeroed 4 KiB page; throws std::runtime_error when the region is exhausted.
  uint64_t allocatePage();
  // Returns one page; throws std::invalid_argument for an address that is not an
  // allocated page of this region (a double free is a driver bug worth stopping on).
  void freePage(uint64_t address);
  // A zeroed block of `bytes` (rounded up to pages) aligned to `align` (a power of two,
  // at least 4 KiB is used). Throws std::runtime_error when no such block is free.
  uint64_t allocate(uint64_t bytes, uint64_t align);
  // Returns a block obtained from allocate().
  void free(uint64_t address, uint64_t bytes);

  uint64_t pagesInUse() const { return in_use_; }
  uint64_t pagesTotal() const { return used_.size(); }
  uint64_t base() const { return base_; }
  uint64_t size() const { return uint64_t(used_.size()) << 12; }

 private:
  bool runFree(uint64_t first, uint64_t count) const;
  void zero(uint64_t address, uint64_t bytes);

  PhysMemory& memory_;
  uint64_t base_;
  std::vector<bool> used_;  // one flag per page
  uint64_t cursor_ = 0;     // next-fit start for single pages
  uint64_t in_use_ = 0;
};

}  // namespace vtd::fw
