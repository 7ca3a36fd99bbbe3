// PagePool: a receive-buffer pool as Linux's page_pool runs it for a NIC's RX ring, so the
// pages a device writes follow the recycling order of a real driver. Buffers are fragments
// of 4 KiB pages (page_size / buffer_bytes per page, e.g. two half-page buffers): the pool
// carves the current page into fragments in order and takes a new page when it is used up.
// A page comes back only when every fragment of it has been freed; it then goes
//  - into the allocation cache (a LIFO array) when freed "directly" (the driver's NAPI
//    context) and the cache has room, else
//  - into the recycle ring (a FIFO), else, when the ring is full,
//  - back to the guest's page allocator.
// A new page is taken from the cache (most recently recycled first); an empty cache is
// refilled with up to `refill` pages from the recycle ring (oldest first), and when the
// ring is empty too, `refill` fresh pages come from the allocator at once (bulk
// allocation). Not modelled: DMA sync, NUMA checks, page reference counts held elsewhere.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <unordered_map>
#include <vector>

#include "platform/workloads/guest_page_allocator.h"

namespace vtd::platform {

struct PagePoolConfig {
  uint32_t buffer_bytes = 2048;
  uint32_t cache = 128;
  uint32_t ring = 1024;
  uint32_t refill = 64;
  bool direct_recycle = true;
};

struct PagePoolStats {
  uint64_t buffers = 0;         // fragments handed out
  uint64_t pages_taken = 0;     // pages started (from the cache)
  uint64_t ring_refills = 0;    // cache refills from the recycle ring
  uint64_t fresh_pages = 0;     // pages allocated from the guest
  uint64_t recycled_cache = 0;  // freed pages put in the cache
  uint64_t recycled_ring = 0;   // freed pages put in the ring
  uint64_t released = 0;        // freed pages given back to the guest (ring full)
};

class PagePool {
 public:
  PagePool(const PagePoolConfig& config, GuestPageAllocator& allocator, std::mt19937_64& rng);
  // A buffer's guest-physical address; throws GuestOutOfMemory when guest RAM is used up.
  uint64_t allocate();
  // The stack is done with a buffer from allocate(); throws std::invalid_argument otherwise.
  void free(uint64_t gpa);

  const PagePoolStats& stats() const { return stats_; }
  size_t cached() const { return cache_.size(); }
  size_t ringed() const { return ring_.size(); }
  uint32_t fragmentsPerPage() const { return frags_; }

 private:
  uint64_t takePage();
  void recycle(uint64_t page);

  PagePoolConfig config_;
  GuestPageAllocator& allocator_;
  std::mt19937_64& rng_;
  uint32_t frags_;
  std::vector<uint64_t> cache_;  // LIFO: back() is taken first
  std::deque<uint64_t> ring_;    // FIFO: front() is the oldest
  uint64_t current_ = 0;         // page being carved
  uint32_t next_frag_ = 0;       // next fragment of it (frags_: none left)
  std::unordered_map<uint64_t, uint32_t> outstanding_;  // page -> fragments not yet freed
  PagePoolStats stats_;
};

}  // namespace vtd::platform
