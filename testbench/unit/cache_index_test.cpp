// The tag index of large fully associative caches (set_assoc_cache.h, tag_index.h): every
// replacement policy's hand-worked access sequence gives the same victims through the
// scanned and the indexed form; long random access streams agree access for access; the
// index survives heavy fill/invalidate churn; Auto picks the index only for fully
// associative caches of more than 16 ways.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "model/caches/set_assoc_cache.h"

namespace vtd {
namespace {

using Cache = SetAssocCache<int>;

CacheParams fullyAssociative(uint32_t entries, ReplacementPolicy policy, uint64_t seed = 1) {
  CacheParams p;
  p.entries = entries;
  p.ways = 0;
  p.policy = policy;
  p.seed = seed;
  return p;
}

class BothForms : public ::testing::TestWithParam<TagLookup> {
 protected:
  Cache make(uint32_t entries, ReplacementPolicy policy, uint64_t seed = 1) {
    Cache c(fullyAssociative(entries, policy, seed), GetParam());
    EXPECT_EQ(c.indexed(), GetParam() == TagLookup::Index);
    return c;
  }
};

// LRU (worked by hand): A B C D fill ways 0-3; a hit on A makes B the oldest, so E evicts
// B; a hit on C leaves D oldest, F evicts D; then A (last used before E's fill) and E.
TEST_P(BothForms, LruHandWorked) {
  Cache c = make(4, ReplacementPolicy::Lru);
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 2u);
  c.lookup(3, 0);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 4u);
  EXPECT_EQ(c.insert(7, 0, 7).evicted_tag, 1u);
  EXPECT_EQ(c.insert(8, 0, 8).evicted_tag, 5u);
  EXPECT_EQ(c.lookup(2, 0), nullptr);
  ASSERT_NE(c.lookup(3, 0), nullptr);
  EXPECT_EQ(*c.lookup(3, 0), 3);
}

// FIFO ignores hits: E evicts A, F evicts B; a refill of C restarts its age, so G evicts
// D and H evicts E.
TEST_P(BothForms, FifoHandWorked) {
  Cache c = make(4, ReplacementPolicy::Fifo);
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 1u);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 2u);
  EXPECT_TRUE(c.insert(3, 0, 33).refreshed);
  EXPECT_EQ(c.insert(7, 0, 7).evicted_tag, 4u);
  EXPECT_EQ(c.insert(8, 0, 8).evicted_tag, 5u);
  EXPECT_EQ(*c.lookup(3, 0), 33);
}

// Tree-PLRU, 4 ways (worked by hand; ways 0-3 hold A-D): after touching A the root points
// right and the right node away from D, so E replaces C (way 2). E's fill points the root
// left and the left node away from A: F replaces B (way 1). F's fill points the root right
// and, there, away from E: G replaces D (way 3).
TEST_P(BothForms, TreePlruHandWorked) {
  Cache c = make(4, ReplacementPolicy::TreePlru);
  for (uint64_t t = 1; t <= 4; ++t) c.insert(t, 0, int(t));
  c.lookup(1, 0);
  EXPECT_EQ(c.insert(5, 0, 5).evicted_tag, 3u);
  EXPECT_EQ(c.insert(6, 0, 6).evicted_tag, 2u);
  EXPECT_EQ(c.insert(7, 0, 7).evicted_tag, 4u);
}

// Random with seed 7: the victim sequence is a property of the seed alone (xorshift64*),
// the same in both forms; listed here as computed once from the generator.
TEST_P(BothForms, RandomSeededSequence) {
  auto victims = [&](uint64_t seed) {
    Cache c = make(8, ReplacementPolicy::Random, seed);
    std::vector<uint64_t> v;
    for (uint64_t t = 1; t <= 16; ++t) {
      auto r = c.insert(t, 0, int(t));
      if (r.evicted) v.push_back(r.evicted_tag);
    }
    return v;
  };
  const std::vector<uint64_t> seven = victims(7);
  ASSERT_EQ(seven.size(), 8u);
  EXPECT_EQ(seven, victims(7));
  EXPECT_NE(seven, victims(8));
  // Each victim is a tag that was resident at the time.
  std::vector<bool> resident(17, false);
  for (uint64_t t = 1; t <= 8; ++t) resident[t] = true;
  for (size_t i = 0; i < seven.size(); ++i) {
    EXPECT_TRUE(resident[seven[i]]) << i;
    resident[seven[i]] = false;
    resident[9 + i] = true;
  }
}

// Invalid ways fill first, lowest way first, in both forms and every policy.
TEST_P(BothForms, InvalidatedWaysRefillLowestFirst) {
  for (auto p : {ReplacementPolicy::Lru, ReplacementPolicy::TreePlru, ReplacementPolicy::Fifo,
                 ReplacementPolicy::Random}) {
    Cache c = make(8, p);
    for (uint64_t t = 1; t <= 8; ++t) c.insert(t, 0, int(t));
    EXPECT_EQ(c.invalidateIf([](uint64_t tag, const int&) { return tag == 3 || tag == 6; }), 2u);
    EXPECT_EQ(c.lookup(3, 0), nullptr);
    EXPECT_FALSE(c.insert(9, 0, 9).evicted) << policyName(p);
    EXPECT_FALSE(c.insert(10, 0, 10).evicted) << policyName(p);
    EXPECT_TRUE(c.insert(11, 0, 11).evicted) << policyName(p);
    EXPECT_EQ(c.validCount(), 8u);
    EXPECT_NE(c.lookup(9, 0), nullptr);
    EXPECT_NE(c.lookup(10, 0), nullptr);
    c.invalidateAll();
    EXPECT_EQ(c.validCount(), 0u);
    EXPECT_EQ(c.lookup(9, 0), nullptr);
    EXPECT_FALSE(c.insert(12, 0, 12).evicted);
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, BothForms, ::testing::Values(TagLookup::Scan, TagLookup::Index),
                         [](const ::testing::TestParamInfo<TagLookup>& form) {
                           return form.param == TagLookup::Scan ? "Scan" : "Index";
                         });

// Differential: 200,000 random lookups, fills and invalidations on a 128-entry fully
// associative cache, scanned and indexed side by side: identical hits, payloads and
// victims, for every policy.
TEST(CacheIndex, RandomStreamMatchesTheScan) {
  for (auto p : {ReplacementPolicy::Lru, ReplacementPolicy::TreePlru, ReplacementPolicy::Fifo,
                 ReplacementPolicy::Random}) {
    Cache scan(fullyAssociative(128, p, 99), TagLookup::Scan);
    Cache index(fullyAssociative(128, p, 99), TagLookup::Index);
    std::mt19937_64 rng(1234 + unsigned(p));
    for (int i = 0; i < 200000; ++i) {
      const uint64_t tag = rng() % 300;  // a working set about twice the capacity
      const unsigned op = unsigned(rng() % 100);
      if (op < 60) {
        const int* a = scan.lookup(tag, tag);
        const int* b = index.lookup(tag, tag);
        ASSERT_EQ(a == nullptr, b == nullptr) << policyName(p) << " access " << i;
        if (a) {
          ASSERT_EQ(*a, *b);
        }
      } else if (op < 97) {
        const auto a = scan.insert(tag, tag, i);
        const auto b = index.insert(tag, tag, i);
        ASSERT_EQ(a.refreshed, b.refreshed) << policyName(p) << " access " << i;
        ASSERT_EQ(a.evicted, b.evicted) << policyName(p) << " access " << i;
        ASSERT_EQ(a.evicted_tag, b.evicted_tag) << policyName(p) << " access " << i;
      } else {
        const uint64_t mod = 2 + rng() % 7, rem = rng() % mod;
        auto pred = [&](uint64_t t, const int&) { return t % mod == rem; };
        ASSERT_EQ(scan.invalidateIf(pred), index.invalidateIf(pred));
      }
    }
    EXPECT_EQ(scan.validCount(), index.validCount());
  }
}

// Auto: the index is used for fully associative caches of more than 16 ways only.
TEST(CacheIndex, AutoIndexesLargeFullyAssociativeCaches) {
  EXPECT_FALSE(Cache(fullyAssociative(16, ReplacementPolicy::Lru)).indexed());
  EXPECT_TRUE(Cache(fullyAssociative(32, ReplacementPolicy::Lru)).indexed());
  EXPECT_TRUE(Cache(fullyAssociative(1024, ReplacementPolicy::Fifo)).indexed());
  CacheParams set_assoc = fullyAssociative(128, ReplacementPolicy::Lru);
  set_assoc.ways = 32;  // 4 sets of 32 ways: scanned
  EXPECT_FALSE(Cache(set_assoc).indexed());
  CacheParams off = fullyAssociative(128, ReplacementPolicy::Lru);
  off.enable = false;
  EXPECT_FALSE(Cache(off).indexed());
}

// The hash itself: inserts and erases in random order against std::map, with clustered
// keys (consecutive tags, as page numbers are) so backward-shift deletion is exercised.
TEST(CacheIndex, TagIndexAgreesWithAMap) {
  TagIndex index(256);
  std::map<uint64_t, uint32_t> ref;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t key = (1ull << 63) | (rng() % 512);
    if (ref.count(key)) {
      ASSERT_EQ(index.find(key), ref[key]);
      if (rng() % 2) {
        index.erase(key);
        ref.erase(key);
        ASSERT_EQ(index.find(key), TagIndex::kNone);
      }
    } else if (ref.size() < 256) {
      ASSERT_EQ(index.find(key), TagIndex::kNone);
      const uint32_t way = uint32_t(rng() % 256);
      index.insert(key, way);
      ref[key] = way;
    }
  }
  for (const auto& [key, way] : ref) EXPECT_EQ(index.find(key), way);
  index.clear();
  for (const auto& kv : ref) EXPECT_EQ(index.find(kv.first), TagIndex::kNone);
}

}  // namespace
}  // namespace vtd
