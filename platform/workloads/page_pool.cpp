// PagePool: fragments, cache, recycle ring.
#include "platform/workloads/page_pool.h"

#include <algorithm>
#include <stdexcept>

namespace vtd::platform {

PagePool::PagePool(const PagePoolConfig& config, GuestPageAllocator& allocator, std::mt19937_64& rng)
    : config_(config), allocator_(allocator), rng_(rng),
      frags_(uint32_t(GuestPageAllocator::kPage / config.buffer_bytes)), next_frag_(frags_) {
  if (!frags_ || config.refill == 0 || config.refill > config.cache)
    throw std::invalid_argument("PagePool: buffer larger than a page, or refill outside 1..cache");
}

uint64_t PagePool::takePage() {
  if (cache_.empty()) {
    if (!ring_.empty()) {
      ++stats_.ring_refills;
      for (uint32_t i = 0; i < config_.refill && !ring_.empty(); ++i) {
        cache_.push_back(ring_.front());
        ring_.pop_front();
      }
      // The oldest ring page was moved first; it should be used first as well.
      std::reverse(cache_.begin(), cache_.end());
    } else {
      for (uint32_t i = 0; i < config_.refill; ++i) {
        cache_.push_back(allocator_.allocate(rng_));
        ++stats_.fresh_pages;
      }
      std::reverse(cache_.begin(), cache_.end());  // the first allocated is used first
    }
  }
  const uint64_t page = cache_.back();
  cache_.pop_back();
  ++stats_.pages_taken;
  return page;
}

uint64_t PagePool::allocate() {
  if (next_frag_ >= frags_) {
    current_ = takePage();
    next_frag_ = 0;
  }
  ++outstanding_[current_];
  ++stats_.buffers;
  return current_ + uint64_t(next_frag_++) * config_.buffer_bytes;
}

void PagePool::free(uint64_t gpa) {
  const uint64_t page = gpa & ~(GuestPageAllocator::kPage - 1);
  auto it = outstanding_.find(page);
  if (it == outstanding_.end()) throw std::invalid_argument("PagePool::free: not a buffer of this pool");
  if (--it->second) return;
  // The page being carved still has fragments to hand out: it stays with the pool.
  outstanding_.erase(it);
  if (page == current_ && next_frag_ < frags_) return;
  recycle(page);
}

void PagePool::recycle(uint64_t page) {
  if (config_.direct_recycle && cache_.size() < config_.cache) {
    cache_.push_back(page);
    ++stats_.recycled_cache;
  } else if (ring_.size() < config_.ring) {
    ring_.push_back(page);
    ++stats_.recycled_ring;
  } else {
    allocator_.free(page);
    ++stats_.released;
  }
}

}  // namespace vtd::platform
