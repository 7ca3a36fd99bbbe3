// IOTLB organisation (iotlb.organisation): unified, one array for every page size (the
// default), or split, one array per page size (iotlb.4k.*, iotlb.2m.*, iotlb.1g.*) with
// its own capacity, replacement and eviction counts; invalidation (FS 6.3, 6.11) reaches
// every array. Also the parameter surface of the split arrays and the paging-structure
// caches (psc.*): JSON loading, effective configuration, validation naming the key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/common/param_registry.h"
#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);
constexpr uint16_t kDid = 3;

UnitConfig split(uint32_t entries_4k, uint32_t entries_2m, uint32_t entries_1g) {
  UnitConfig c;
  c.iotlb_organisation.organisation = IotlbOrganisation::Split;
  c.iotlb_organisation.split[0] = CacheParams{entries_4k, 0, ReplacementPolicy::Lru, 1, 1, true};
  c.iotlb_organisation.split[1] = CacheParams{entries_2m, 0, ReplacementPolicy::Lru, 1, 1, true};
  c.iotlb_organisation.split[2] = CacheParams{entries_1g, 0, ReplacementPolicy::Fifo, 1, 1, true};
  return c;
}

class IotlbOrganisationTest : public UnitTest {
 protected:
  // 8 pages of 4 KiB at 0.., two 2 MiB pages at 1 GiB, one 1 GiB page at 512 GiB.
  void setUpWith(const UnitConfig& c) {
    build(c);
    top_ = tables->newPage();
    tables->setContext(kDev, top_, 4, kDid);
    for (uint64_t p = 0; p < 8; ++p) tables->map(top_, 4, p << 12, 0x0100'0000 + (p << 12), PageSize::Size4K);
    tables->map(top_, 4, 1ull << 30, 0x0040'0000, PageSize::Size2M);
    tables->map(top_, 4, (1ull << 30) + (1ull << 21), 0x0060'0000, PageSize::Size2M);
    tables->map(top_, 4, 1ull << 39, 0x4000'0000, PageSize::Size1G);
    enableTranslation();
  }
  uint64_t iotlbInv(unsigned iirg, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0) {
    write64(ivaOffset(), addr | am);
    write64(iotlbRegOffset(), iotlb::IVT | uint64_t(iirg) << 60 | uint64_t(did) << 32);
    return read64(iotlbRegOffset());
  }
  uint64_t top_ = 0;
};

TEST_F(IotlbOrganisationTest, UnifiedIsTheDefaultAndSharesOneArray) {
  setUpWith(UnitConfig{});
  EXPECT_EQ(unit().iotlb().organisation(), IotlbOrganisation::Unified);
  EXPECT_EQ(&unit().iotlb().array(PageSize::Size4K), &unit().iotlb().array(PageSize::Size1G));
  EXPECT_EQ(unit().iotlb().array(PageSize::Size4K).ways(), 8u);
  EXPECT_EQ(unit().iotlb().array(PageSize::Size4K).sets(), 16u);
}

// Split: each page size fills its own array; eight 4 KiB pages through a 4-entry 4K array
// evict four of them (counted as 4k evictions) and never the 2 MiB or 1 GiB entries.
TEST_F(IotlbOrganisationTest, SplitArraysHoldTheirOwnPageSize) {
  setUpWith(split(4, 2, 1));
  const Iotlb& tlb = unit().iotlb();
  EXPECT_NE(&tlb.array(PageSize::Size4K), &tlb.array(PageSize::Size2M));
  ASSERT_TRUE(dmaRead(kDev, (1ull << 30) + 0x10).ok());
  ASSERT_TRUE(dmaRead(kDev, (1ull << 39) + 0x10).ok());
  for (uint64_t p = 0; p < 8; ++p) ASSERT_TRUE(dmaRead(kDev, p << 12).ok());
  EXPECT_EQ(tlb.array(PageSize::Size4K).validCount(), 4u);
  EXPECT_EQ(tlb.array(PageSize::Size2M).validCount(), 1u);
  EXPECT_EQ(tlb.array(PageSize::Size1G).validCount(), 1u);
  EXPECT_EQ(unit().stats().iotlb_eviction_size[0], 4u);
  EXPECT_EQ(unit().stats().iotlb_eviction_size[1], 0u);
  EXPECT_EQ(unit().stats().iotlb_eviction, 4u);
  EXPECT_EQ(dmaRead(kDev, (1ull << 30) + 0x1000).cost.iotlb_hits, 1u) << "the 2 MiB entry survived";
  EXPECT_EQ(dmaRead(kDev, (1ull << 39) + 0x1000).cost.iotlb_hits, 1u) << "the 1 GiB entry survived";
  EXPECT_EQ(dmaRead(kDev, 7ull << 12).cost.iotlb_hits, 1u);
  EXPECT_EQ(dmaRead(kDev, 0).cost.iotlb_hits, 0u);
  // A second 2 MiB page in a 2-entry 2M array: both fit; the 1 GiB array's one entry stays.
  ASSERT_TRUE(dmaRead(kDev, (1ull << 30) + (1ull << 21)).ok());
  EXPECT_EQ(tlb.array(PageSize::Size2M).validCount(), 2u);
}

// The unified array with the same total capacity (4 entries) loses the superpages to the
// 4 KiB stream.
TEST_F(IotlbOrganisationTest, UnifiedArraySharesCapacityAcrossSizes) {
  UnitConfig c;
  c.iotlb = CacheParams{4, 0, ReplacementPolicy::Lru, 1, 1, true};
  setUpWith(c);
  ASSERT_TRUE(dmaRead(kDev, (1ull << 30) + 0x10).ok());
  for (uint64_t p = 0; p < 8; ++p) ASSERT_TRUE(dmaRead(kDev, p << 12).ok());
  EXPECT_EQ(dmaRead(kDev, (1ull << 30) + 0x1000).cost.iotlb_hits, 0u);
  EXPECT_EQ(unit().stats().iotlb_eviction_size[1], 1u) << "the 2 MiB entry was the one evicted first";
}

// Invalidation reaches every array: page-selective over a 2 MiB page's 4 KiB removes the
// 2 MiB entry; domain-selective and global empty them all.
TEST_F(IotlbOrganisationTest, InvalidationReachesEveryArray) {
  setUpWith(split(8, 4, 2));
  auto warm = [&] {
    for (uint64_t p = 0; p < 8; ++p) dmaRead(kDev, p << 12);
    dmaRead(kDev, 1ull << 30);
    dmaRead(kDev, 1ull << 39);
  };
  warm();
  ASSERT_EQ(unit().iotlb().validCount(), 10u);
  iotlbInv(kGranSelective, kDid, (1ull << 30) + 0x5000, 0);
  EXPECT_EQ(unit().iotlb().array(PageSize::Size2M).validCount(), 0u);
  EXPECT_EQ(unit().iotlb().validCount(), 9u);
  iotlbInv(kGranDomain, kDid);
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
  warm();
  iotlbInv(kGranGlobal);
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
  EXPECT_EQ(unit().stats().iotlb_entries_invalidated, 1u + 9u + 10u);
}

TEST(IotlbOrganisationParams, JsonSelectsAndSizesTheArrays) {
  UnitConfig c;
  ParamRegistry r;
  c.describe(r);
  r.loadJson(nlohmann::json::parse(
      R"({"iotlb": {"organisation": "split", "2m": {"entries": 16, "ways": 4}, "1g": {"policy": "fifo"}},
          "psc": {"pde": {"entries": 64, "ways": 0}, "pml5e": {"enable": false}}})"));
  EXPECT_EQ(c.iotlb_organisation.organisation, IotlbOrganisation::Split);
  EXPECT_EQ(c.iotlb_organisation.split[1].entries, 16u);
  EXPECT_EQ(c.iotlb_organisation.split[1].ways, 4u);
  EXPECT_EQ(c.iotlb_organisation.split[2].policy, ReplacementPolicy::Fifo);
  EXPECT_EQ(c.psc.at(2).entries, 64u);
  EXPECT_FALSE(c.psc.at(5).enable);
  const nlohmann::json eff = r.toJson();
  EXPECT_EQ(eff["iotlb"]["organisation"], "split");
  EXPECT_EQ(eff["iotlb"]["4k"]["entries"], 128);
  EXPECT_EQ(eff["psc"]["pdpe"]["entries"], 8);
  EXPECT_TRUE(c.validate().empty());
  // A bad split geometry names its key, and only matters when split is chosen.
  c.iotlb_organisation.split[1].ways = 5;
  auto errors = c.validate();
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("iotlb.2m."), std::string::npos) << errors[0];
  c.iotlb_organisation.organisation = IotlbOrganisation::Unified;
  EXPECT_TRUE(c.validate().empty());
  c.psc.at(3).entries = 12;
  c.psc.at(3).ways = 8;
  errors = c.validate();
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("psc.pdpe."), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace vtd::test
