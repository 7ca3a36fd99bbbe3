// The generic set-associative cache: each replacement policy against a hand-worked access
// sequence, set selection, invalid-first fill, invalidation and the disabled cache.
#include <gtest/gtest.h>

#include "model/caches/set_assoc_cache.h"

namespace vtd {
namespace {

using Cache = SetAssocCache<int>;

CacheParams geometry(uint32_t entries, uint32_t ways, ReplacementPolicy policy, uint64_t seed = 1) {
  CacheParams p;
  p.entries = entries;
  p.ways = ways;
  p.policy = policy;
  p.seed = seed;
  return p;
}

// LRU: A is touched, so E evicts B; after touching C, F evicts D.
TEST(CachePolicy, LruEvictsLeastRecentlyUsed) {
  Cache c(geometry(4, 4, ReplacementPolicy::Lru));
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 2u);
  c.lookup(3, 0);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 4u);
  EXPECT_EQ(c.lookup(2, 0), nullptr);
  ASSERT_NE(c.lookup(5, 0), nullptr);
  EXPECT_EQ(*c.lookup(5, 0), 5);
}

// FIFO ignores hits: E evicts A (first in), F evicts B.
TEST(CachePolicy, FifoEvictsOldestFill) {
  Cache c(geometry(4, 4, ReplacementPolicy::Fifo));
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 1u);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 2u);
}

// Tree-PLRU with 4 ways (worked by hand): fills A,B,C,D into ways 0-3, touch A; the tree
// then points at the right pair and, in it, away from D: E replaces C. Filling E points
// the root left and, there, away from A: F replaces B.
TEST(CachePolicy, TreePlruFollowsTheTree) {
  Cache c(geometry(4, 4, ReplacementPolicy::TreePlru));
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 3u);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 2u);
}

// Random: the same seed gives the same victims; another seed a different sequence.
TEST(CachePolicy, RandomIsSeeded) {
  auto victims = [](uint64_t seed) {
    Cache c(geometry(8, 8, ReplacementPolicy::Random, seed));
    std::vector<uint64_t> v;
    for (uint64_t t = 1; t <= 40; ++t) {
      auto r = c.insert(t, 0, int(t));
      if (r.evicted) v.push_back(r.evicted_tag);
    }
    return v;
  };
  EXPECT_EQ(victims(7), victims(7));
  EXPECT_NE(victims(7), victims(8));
  EXPECT_EQ(victims(7).size(), 32u);
}

// Invalid ways fill before anything is evicted, in any policy.
TEST(CachePolicy, InvalidWaysFillFirst) {
  for (auto p : {ReplacementPolicy::Lru, ReplacementPolicy::TreePlru, ReplacementPolicy::Fifo,
                 ReplacementPolicy::Random}) {
    Cache c(geometry(4, 4, p));
    for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, 0);
    c.invalidateIf([](uint64_t tag, const int&) { return tag == 3; });
    auto r = c.insert(9, 0, 0);
    EXPECT_FALSE(r.evicted) << policyName(p);
    EXPECT_EQ(c.validCount(), 4u);
  }
}

// 8 entries, 2 ways: 4 sets chosen by the low index bits; conflicts stay in their set.
TEST(CacheGeometry, SetsAreIndependent) {
  Cache c(geometry(8, 2, ReplacementPolicy::Lru));
  EXPECT_EQ(c.sets(), 4u);
  c.insert(100, 0, 0);
  c.insert(101, 4, 0);
  c.insert(102, 1, 0);
  auto r = c.insert(103, 8, 0);  // set 0 again: evicts the LRU of set 0
  EXPECT_TRUE(r.evicted);
  EXPECT_EQ(r.evicted_tag, 100u);
  EXPECT_NE(c.lookup(102, 1), nullptr);
  EXPECT_EQ(c.lookup(102, 0), nullptr) << "a tag is only found in its own set";
}

TEST(CacheGeometry, RefillOfSameTagReplacesInPlace) {
  Cache c(geometry(4, 0, ReplacementPolicy::Lru));
  c.insert(1, 0, 10);
  auto r = c.insert(1, 0, 11);
  EXPECT_TRUE(r.refreshed);
  EXPECT_FALSE(r.evicted);
  EXPECT_EQ(c.validCount(), 1u);
  EXPECT_EQ(*c.lookup(1, 0), 11);
}

TEST(CacheGeometry, DisabledCacheNeverHits) {
  CacheParams p = geometry(4, 0, ReplacementPolicy::Lru);
  p.enable = false;
  Cache c(p);
  EXPECT_FALSE(c.insert(1, 0, 1).inserted);
  EXPECT_EQ(c.lookup(1, 0), nullptr);
}

TEST(CacheGeometry, ValidationNamesTheParameter) {
  EXPECT_TRUE(geometry(128, 8, ReplacementPolicy::Lru).validate("iotlb.").empty());
  auto e = geometry(96, 8, ReplacementPolicy::Lru).validate("iotlb.");  // 12 sets
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("iotlb."), std::string::npos);
  EXPECT_FALSE(geometry(12, 0, ReplacementPolicy::TreePlru).validate("x.").empty());
  EXPECT_FALSE(geometry(4, 8, ReplacementPolicy::Lru).validate("x.").empty());
}

}  // namespace
}  // namespace vtd
