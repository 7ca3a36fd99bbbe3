// Packet sizes and wire time, PRP lists and scatter lists: the layouts the workloads'
// guest drivers build and their devices follow (plain functions and objects).
#include <gtest/gtest.h>

#include <map>

#include "platform/workloads/packet_sizes.h"
#include "platform/workloads/prp.h"
#include "platform/workloads/sg_list.h"

namespace vtd::platform {
namespace {

TEST(PacketSizes, FixedSizesDrawNoRandomNumbers) {
  NicParams nic;
  PacketSizeSampler s(nic, 1500);
  std::mt19937_64 rng(5), untouched(5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.next(rng), 1500u);
  EXPECT_EQ(rng(), untouched());
}

TEST(PacketSizes, ImixIsSevenFourOneOfItsThreeSizes) {
  NicParams nic;
  nic.sizes = PacketSizes::Imix;
  PacketSizeSampler s(nic, 1500);
  std::mt19937_64 rng(1);
  std::map<uint32_t, int> count;
  const int n = 120000;
  for (int i = 0; i < n; ++i) ++count[s.next(rng)];
  ASSERT_EQ(count.size(), 3u);
  EXPECT_NEAR(count[60] / double(n), 7.0 / 12, 0.01);
  EXPECT_NEAR(count[590] / double(n), 4.0 / 12, 0.01);
  EXPECT_NEAR(count[1514] / double(n), 1.0 / 12, 0.01);
}

TEST(PacketSizes, BimodalMixesSmallAndLargeInTheGivenShare) {
  NicParams nic;
  nic.sizes = PacketSizes::Bimodal;
  nic.small_bytes = 128;
  nic.small_fraction = 0.25;
  PacketSizeSampler s(nic, 1400);
  std::mt19937_64 rng(2);
  int small = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    const uint32_t b = s.next(rng);
    ASSERT_TRUE(b == 128 || b == 1400) << b;
    small += b == 128;
  }
  EXPECT_NEAR(small / double(n), 0.25, 0.01);
}

TEST(Wire, AFrameTakesItsBytesPlusFcsPreambleAndGapAtTheLineRate) {
  Wire w(10.0);
  EXPECT_EQ(w.framePs(1500), uint64_t((1500 + 24) * 8 * 100));  // 1219.2 ns
  EXPECT_EQ(w.framePs(60), uint64_t((64 + 20) * 8 * 100));      // the minimum frame
  EXPECT_EQ(w.framePs(10), uint64_t((64 + 20) * 8 * 100));      // padded
  EXPECT_EQ(Wire(100.0).framePs(1500), uint64_t((1500 + 24) * 8 * 10));
  EXPECT_FALSE(Wire(0).paced());
}

TEST(Prp, PagesSpannedAndListPages) {
  EXPECT_EQ(prpPagesSpanned(0, 4096), 1u);
  EXPECT_EQ(prpPagesSpanned(512, 4096), 2u);
  EXPECT_EQ(prpPagesSpanned(0, 8192), 2u);
  EXPECT_EQ(prpPagesSpanned(0, 8193), 3u);
  EXPECT_EQ(prpListPages(1), 0u);
  EXPECT_EQ(prpListPages(2), 0u);
  EXPECT_EQ(prpListPages(3), 1u);
  EXPECT_EQ(prpListPages(513), 1u);   // 512 entries: one full list page
  EXPECT_EQ(prpListPages(514), 2u);   // 513 entries: 511 + chain, then 2
  EXPECT_EQ(prpListPages(1024), 2u);  // 1023 entries: 511 + chain, 512
  EXPECT_EQ(prpListPages(1025), 3u);  // 1024 entries: 511 + 511 + 2
}

std::vector<uint64_t> pagesAt(uint64_t base, uint32_t n, uint64_t stride = 3 * 4096) {
  std::vector<uint64_t> v;
  for (uint32_t i = 0; i < n; ++i) v.push_back(base + i * stride);
  return v;
}

TEST(Prp, OneOrTwoPagesNeedNoList) {
  const auto one = buildPrps(pagesAt(0x10000, 1), 0, 4096, {});
  EXPECT_EQ(one.prp1, 0x10000u);
  EXPECT_EQ(one.prp2, 0u);
  const auto two = buildPrps(pagesAt(0x10000, 2), 0x200, 4096, {});
  EXPECT_EQ(two.prp1, 0x10200u);
  EXPECT_EQ(two.prp2, 0x10000u + 3 * 4096);
  EXPECT_TRUE(two.lists.empty());
}

TEST(Prp, LongerTransfersPointPrp2AtAListThatChainsWhenFull) {
  const auto pages = pagesAt(0x100000, 600);
  const std::vector<uint64_t> lists = {0x9000'0000, 0x9100'0000};
  const auto s = buildPrps(pages, 0, 600ull * 4096, lists);
  EXPECT_EQ(s.prp1, pages[0]);
  EXPECT_EQ(s.prp2, lists[0]);
  ASSERT_EQ(s.lists.size(), 2u);
  ASSERT_EQ(s.lists[0].size(), 512u);
  EXPECT_EQ(s.lists[0][0], pages[1]);
  EXPECT_EQ(s.lists[0][510], pages[511]);
  EXPECT_EQ(s.lists[0][511], lists[1]);  // the chain pointer
  ASSERT_EQ(s.lists[1].size(), 88u);     // 599 - 511
  EXPECT_EQ(s.lists[1].back(), pages[599]);
  EXPECT_THROW(buildPrps(pages, 0, 600ull * 4096, {lists[0]}), std::invalid_argument);
}

// The device's walk, knowing only PRP1, PRP2 and the length, finds every page of the
// buffer in order, reads each list page once and covers exactly the transfer.
TEST(Prp, TheDevicesWalkRecoversTheBufferForEverySizeAndOffset) {
  for (uint32_t offset : {0u, 4u, 2048u, 4092u})
    for (uint64_t bytes : {512ull, 4096ull, 8192ull, 12288ull, 65536ull, 2ull << 20, 4ull << 20}) {
      const uint32_t n = prpPagesSpanned(offset, bytes);
      const auto pages = pagesAt(0x4000'0000, n);
      std::vector<uint64_t> lists;
      for (uint32_t i = 0; i < prpListPages(n); ++i) lists.push_back(0x8000'0000 + i * 0x10000);
      const PrpSet s = buildPrps(pages, offset, bytes, lists);
      std::map<uint64_t, const std::vector<uint64_t>*> memory;
      for (size_t i = 0; i < lists.size(); ++i) memory[lists[i]] = &s.lists[i];
      PrpWalker w(s.prp1, s.prp2, bytes);
      std::vector<uint64_t> seen;
      uint64_t total = 0, list_reads = 0;
      PrpWalker::Segment seg;
      for (;;) {
        uint64_t address;
        uint32_t entries;
        if (w.needsList(address, entries)) {
          ASSERT_TRUE(memory.count(address)) << "list read at an address the guest did not give";
          ASSERT_LE(entries, memory[address]->size());
          w.listRead(memory[address]->data(), entries);
          ++list_reads;
          continue;
        }
        if (!w.next(seg)) break;
        seen.push_back(seg.address & ~0xFFFull);
        total += seg.bytes;
        ASSERT_LE((seg.address & 0xFFF) + seg.bytes, 4096u) << "a segment crosses a page";
      }
      EXPECT_FALSE(w.malformed());
      EXPECT_EQ(total, bytes);
      EXPECT_EQ(seen, pages) << "offset " << offset << " bytes " << bytes;
      EXPECT_EQ(list_reads, lists.size());
    }
}

TEST(SgList, ConsecutivePagesMergeAndScatteredPagesDoNot) {
  const auto merged = buildSgList({0x1000, 0x2000, 0x3000, 0x9000}, 4 * 4096 - 100);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].address, 0x1000u);
  EXPECT_EQ(merged[0].length, 3 * 4096u);
  EXPECT_EQ(merged[1].address, 0x9000u);
  EXPECT_EQ(merged[1].length, 4096u - 100);
  EXPECT_EQ(buildSgList({0x5000, 0x3000, 0x4000 + 0x10000}, 3 * 4096).size(), 3u);
}

TEST(SgList, TheCursorFetchesInPiecesAndNeverCrossesAnEntry) {
  std::vector<SgEntry> list;
  for (uint32_t i = 0; i < 300; ++i) list.push_back(SgEntry{0x100000ull * (i + 1), 5000, 0});
  SgCursor c;
  c.reset(0x7000, uint32_t(list.size()));
  uint64_t address, total = 0;
  uint32_t bytes, length, fetches = 0;
  size_t entry = 0;
  while (true) {
    if (c.needsFetch(address, bytes)) {
      const size_t first = (address - 0x7000) / 16;
      ASSERT_EQ(first, entry) << "fetches follow the stream";
      ASSERT_LE(bytes, 4096u);
      c.fetched(reinterpret_cast<const uint8_t*>(&list[first]), bytes);
      ++fetches;
      continue;
    }
    if (!c.take(4096, address, length)) break;
    ASSERT_GE(address, list[entry].address);
    ASSERT_LE(address + length, list[entry].address + list[entry].length);
    total += length;
    if (address + length == list[entry].address + list[entry].length) ++entry;
  }
  EXPECT_EQ(total, 300ull * 5000);
  EXPECT_EQ(fetches, 2u);  // 256 + 44 entries
}

}  // namespace
}  // namespace vtd::platform
