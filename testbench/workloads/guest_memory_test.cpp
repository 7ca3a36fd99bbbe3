// The guest's page allocator and the page pool: where buffers land and in which order
// pages come back (no SystemC time; plain objects).
#include <gtest/gtest.h>

#include <set>

#include "platform/workloads/guest_page_allocator.h"
#include "platform/workloads/page_pool.h"

namespace vtd::platform {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kPage = 4096;

TEST(GuestPageAllocator, ControlPagesComeInOrderFromTheControlBase) {
  GuestPageAllocator a(16 * kMiB, kMiB, 3, AllocPolicy::Random);
  EXPECT_EQ(a.controlPage(), kMiB);
  EXPECT_EQ(a.controlPage(), kMiB + kPage);
  EXPECT_EQ(a.controlPage(), kMiB + 2 * kPage);
  EXPECT_THROW(a.controlPage(), GuestOutOfMemory);
  EXPECT_EQ(a.firstPolicyPage(), kMiB / kPage + 3);
}

TEST(GuestPageAllocator, ContiguousHandsOutTheLowestFreePagesAndReusesFreedOnesFirst) {
  GuestPageAllocator a(16 * kMiB, kMiB, 1, AllocPolicy::Contiguous);
  std::mt19937_64 rng(1);
  const uint64_t first = kMiB + kPage;
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(a.allocate(rng), first + i * kPage);
  a.free(first + 3 * kPage);
  a.free(first + 7 * kPage);
  EXPECT_EQ(a.allocate(rng), first + 3 * kPage);
  EXPECT_EQ(a.allocate(rng), first + 7 * kPage);
  EXPECT_EQ(a.allocate(rng), first + 10 * kPage);
}

TEST(GuestPageAllocator, RandomSpreadsOverGuestRamNeverTwiceAndRepeatsWithTheSeed) {
  GuestPageAllocator a(64 * kMiB, kMiB, 1, AllocPolicy::Random), b(64 * kMiB, kMiB, 1, AllocPolicy::Random);
  std::mt19937_64 ra(7), rb(7);
  std::set<uint64_t> seen;
  uint64_t low = ~0ull, high = 0;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t p = a.allocate(ra);
    EXPECT_EQ(p, b.allocate(rb));
    EXPECT_EQ(p % kPage, 0u);
    EXPECT_GE(p, kMiB + kPage);
    EXPECT_LT(p, 64 * kMiB);
    EXPECT_TRUE(seen.insert(p).second) << "page handed out twice";
    low = std::min(low, p), high = std::max(high, p);
  }
  // Scattered: the pages cover most of guest RAM, unlike the contiguous policy.
  EXPECT_GT(high - low, 48 * kMiB);
}

TEST(GuestPageAllocator, ExhaustionAndBadFreesAreErrors) {
  GuestPageAllocator a(kMiB + 4 * kPage, kMiB, 1, AllocPolicy::Random);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 3; ++i) a.allocate(rng);
  EXPECT_THROW(a.allocate(rng), GuestOutOfMemory);
  EXPECT_THROW(a.free(kMiB), std::invalid_argument);  // a control page
  EXPECT_THROW(a.free(kMiB + kPage + 1), std::invalid_argument);
}

TEST(GuestPageAllocator, RunsAreConsecutiveWhateverThePolicy) {
  GuestPageAllocator a(16 * kMiB, kMiB, 1, AllocPolicy::Random);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) a.allocate(rng);
  const uint64_t run = a.allocateRun(100);
  // None of the pages in the run was handed out before: freeing each works exactly once.
  for (uint64_t i = 0; i < 100; ++i) EXPECT_NO_THROW(a.free(run + i * kPage));
  EXPECT_THROW(a.allocateRun(16 * kMiB / kPage), GuestOutOfMemory);
}

PagePoolConfig pool(uint32_t cache, uint32_t ring, uint32_t refill, bool direct, uint32_t buffer = 2048) {
  return PagePoolConfig{buffer, cache, ring, refill, direct};
}

TEST(PagePool, HandsOutTwoHalfPageBuffersPerPage) {
  GuestPageAllocator a(16 * kMiB, kMiB, 0, AllocPolicy::Contiguous);
  std::mt19937_64 rng(1);
  PagePool p(pool(8, 8, 4, true), a, rng);
  const uint64_t b0 = p.allocate(), b1 = p.allocate(), b2 = p.allocate(), b3 = p.allocate();
  EXPECT_EQ(b0 % kPage, 0u);
  EXPECT_EQ(b1, b0 + 2048);
  EXPECT_EQ(b2 % kPage, 0u);
  EXPECT_NE(b2, b0);
  EXPECT_EQ(b3, b2 + 2048);
  EXPECT_EQ(p.fragmentsPerPage(), 2u);
  // Fresh pages come in bulk: one refill's worth.
  EXPECT_EQ(p.stats().fresh_pages, 4u);
  EXPECT_EQ(a.pagesInUse(), 4u);
}

TEST(PagePool, APageComesBackOnlyWhenBothHalvesAreFreed) {
  GuestPageAllocator a(16 * kMiB, kMiB, 0, AllocPolicy::Contiguous);
  std::mt19937_64 rng(1);
  PagePool p(pool(8, 8, 1, true), a, rng);
  const uint64_t b0 = p.allocate(), b1 = p.allocate();
  p.allocate();  // moves on to the next page
  p.free(b0);
  EXPECT_EQ(p.stats().recycled_cache, 0u);
  p.free(b1);
  EXPECT_EQ(p.stats().recycled_cache, 1u);
  p.allocate();                   // second half of the current page
  EXPECT_EQ(p.allocate(), b0);    // then the recycled page, first half
  EXPECT_THROW(p.free(0x7000'0000), std::invalid_argument);
}

// Direct recycling: the cache is a stack, so the page freed last is reused first.
TEST(PagePool, DirectRecyclingReusesTheMostRecentlyFreedPageFirst) {
  GuestPageAllocator a(16 * kMiB, kMiB, 0, AllocPolicy::Contiguous);
  std::mt19937_64 rng(1);
  PagePool p(pool(16, 16, 3, true, 4096), a, rng);
  const uint64_t x = p.allocate(), y = p.allocate(), z = p.allocate();
  p.free(x);
  p.free(z);
  p.free(y);
  EXPECT_EQ(p.allocate(), y);
  EXPECT_EQ(p.allocate(), z);
  EXPECT_EQ(p.allocate(), x);
  EXPECT_EQ(p.stats().fresh_pages, 3u);
}

// Through the recycle ring: pages come back oldest first, moved into the cache `refill` at
// a time; a full ring gives pages back to the guest.
TEST(PagePool, RingRecyclingIsFirstInFirstOutInRefillBatchesAndOverflowsToTheGuest) {
  GuestPageAllocator a(16 * kMiB, kMiB, 0, AllocPolicy::Contiguous);
  std::mt19937_64 rng(1);
  PagePool p(pool(4, 3, 2, false, 4096), a, rng);
  std::vector<uint64_t> pages;
  for (int i = 0; i < 4; ++i) pages.push_back(p.allocate());
  for (uint64_t page : pages) p.free(page);
  EXPECT_EQ(p.stats().recycled_ring, 3u);
  EXPECT_EQ(p.stats().released, 1u);  // the ring holds 3
  EXPECT_EQ(a.pagesInUse(), 3u);
  EXPECT_EQ(p.allocate(), pages[0]);
  EXPECT_EQ(p.allocate(), pages[1]);
  EXPECT_EQ(p.stats().ring_refills, 1u);
  EXPECT_EQ(p.allocate(), pages[2]);
  EXPECT_EQ(p.stats().ring_refills, 2u);
}

}  // namespace
}  // namespace vtd::platform
