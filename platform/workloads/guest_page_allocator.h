// GuestPageAllocator: the guest kernel's page allocator for one VM, as far as device
// buffers care. Guest RAM below control_base is left alone (low memory, the guest's own
// code); a small control area follows (descriptor rings, queues: allocated in order, never
// freed); the rest is handed out page by page under a placement policy:
//  random      any free page, drawn uniformly (a guest whose free memory is fragmented
//              after a long uptime: buffers land all over RAM);
//  contiguous  the lowest free page (a freshly booted guest or a hugepage-backed pool:
//              buffers allocated together are neighbours, freed pages are reused first).
// The caller passes its random generator, so each device's draws are its own and runs
// repeat. Not modelled: NUMA, zones, the buddy allocator's orders.
#pragma once

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "platform/scenario_params.h"

namespace vtd::platform {

class GuestOutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GuestPageAllocator {
 public:
  static constexpr uint64_t kPage = 4096;
  // Pages [control_base, control_base + control_pages) are the control area; the policy
  // area is what follows up to ram_bytes. Throws std::invalid_argument when they do not fit.
  GuestPageAllocator(uint64_t ram_bytes, uint64_t control_base, uint64_t control_pages, AllocPolicy policy);

  // The next page of the control area; throws GuestOutOfMemory when it is used up.
  uint64_t controlPage();
  // A free page of the policy area (its guest-physical address); throws GuestOutOfMemory.
  uint64_t allocate(std::mt19937_64& rng);
  // `pages` consecutive free pages (the lowest such run, whatever the policy).
  uint64_t allocateRun(uint64_t pages);
  // Returns a page from allocate() or allocateRun(); throws std::invalid_argument otherwise.
  void free(uint64_t gpa);

  uint64_t pagesFree() const { return used_.size() - in_use_; }
  uint64_t pagesInUse() const { return in_use_; }
  uint64_t firstPolicyPage() const { return first_; }  // page number

 private:
  void take(uint64_t index);
  uint64_t lowestFree();

  AllocPolicy policy_;
  uint64_t control_next_, control_end_;  // page numbers
  uint64_t first_;                       // first page number of the policy area
  std::vector<bool> used_;               // per policy-area page
  uint64_t in_use_ = 0;
  uint64_t lowest_hint_ = 0;             // no free page below this index
};

}  // namespace vtd::platform
