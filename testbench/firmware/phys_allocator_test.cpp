// PhysAllocator: zeroed, aligned, exclusive pages; exhaustion and misuse are loud.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "firmware/phys_allocator.h"
#include "testbench/support/direct_hal.h"

namespace vtd::test {
namespace {

class PhysAllocatorTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kBase = 0x10000, kSize = 16 * 4096;
  PhysAllocatorTest() : flat(1 << 20), phys(flat), alloc(phys, kBase, kSize) {
    // Garbage everywhere, so zeroing is observable.
    for (uint64_t a = 0; a < (1 << 20); a += 8) flat.write64(a, 0xDEADBEEFCAFEF00Dull);
  }
  bool zeroed(uint64_t address, uint64_t bytes) {
    for (uint64_t a = address; a < address + bytes; a += 8)
      if (flat.read64(a) != 0) return false;
    return true;
  }
  FlatMemory flat;
  DirectMemory phys;
  fw::PhysAllocator alloc;
};

TEST_F(PhysAllocatorTest, PagesAreZeroedAlignedAndDistinct) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 16; ++i) {
    const uint64_t p = alloc.allocatePage();
    EXPECT_EQ(p % 4096, 0u);
    EXPECT_GE(p, kBase);
    EXPECT_LT(p, kBase + kSize);
    EXPECT_TRUE(zeroed(p, 4096));
    EXPECT_TRUE(seen.insert(p).second);
  }
  EXPECT_EQ(alloc.pagesInUse(), 16u);
  EXPECT_THROW(alloc.allocatePage(), std::runtime_error);
  // Nothing outside the region was touched.
  EXPECT_EQ(flat.read64(kBase - 8), 0xDEADBEEFCAFEF00Dull);
  EXPECT_EQ(flat.read64(kBase + kSize), 0xDEADBEEFCAFEF00Dull);
}

TEST_F(PhysAllocatorTest, FreedPagesComeBackZeroed) {
  const uint64_t p = alloc.allocatePage();
  flat.write64(p + 64, 42);
  alloc.freePage(p);
  EXPECT_EQ(alloc.pagesInUse(), 0u);
  for (int i = 0; i < 16; ++i) alloc.allocatePage();  // the region is full again
  EXPECT_TRUE(zeroed(p, 4096));
}

TEST_F(PhysAllocatorTest, MisuseThrows) {
  const uint64_t p = alloc.allocatePage();
  alloc.freePage(p);
  EXPECT_THROW(alloc.freePage(p), std::invalid_argument);           // double free
  EXPECT_THROW(alloc.freePage(kBase + kSize), std::invalid_argument);  // outside
  EXPECT_THROW(alloc.freePage(kBase + 8), std::invalid_argument);      // unaligned
  EXPECT_THROW(fw::PhysAllocator(phys, 0x10010, 4096), std::invalid_argument);
  EXPECT_THROW(alloc.allocate(4096, 3 * 4096), std::invalid_argument);
}

TEST_F(PhysAllocatorTest, AlignedBlocksAreContiguous) {
  alloc.allocatePage();  // disturb the start
  const uint64_t b = alloc.allocate(3 * 4096, 0x8000);
  EXPECT_EQ(b % 0x8000, 0u);
  EXPECT_TRUE(zeroed(b, 3 * 4096));
  EXPECT_EQ(alloc.pagesInUse(), 4u);
  alloc.free(b, 3 * 4096);
  EXPECT_EQ(alloc.pagesInUse(), 1u);
  EXPECT_THROW(alloc.allocate(17 * 4096, 4096), std::runtime_error);
}

}  // namespace
}  // namespace vtd::test
