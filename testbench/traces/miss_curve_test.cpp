// The miss curve against the model: one pass of CurveRunner must give, for every LRU
// geometry, exactly the misses (lookups - hits) that a replay of the same trace through an
// IOTLB of that geometry counts. Also the stack-distance core against a plain LRU list.
#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <random>
#include <vector>

#include "platform/replay/curve_runner.h"
#include "platform/replay/replayer.h"
#include "platform/replay/stack_distance.h"
#include "traces/gen/synthetic_trace.h"

namespace vtd::replay {
namespace {

TEST(StackDistance, DepthsMatchAnLruList) {
  LruStackDistance sd;
  std::list<uint64_t> lru;  // front = most recent
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {  // enough touches to renumber positions many times
    const uint64_t key = (rng() % 4 == 0) ? rng() % 5000 : rng() % 50;
    auto it = std::find(lru.begin(), lru.end(), key);
    const uint64_t expected = it == lru.end() ? LruStackDistance::kCold : uint64_t(std::distance(lru.begin(), it));
    ASSERT_EQ(sd.touch(key), expected) << "touch " << i;
    if (it != lru.end()) lru.erase(it);
    lru.push_front(key);
  }
  EXPECT_EQ(sd.distinct(), lru.size());
}

// A trace with hot and cold pages, two devices, requests crossing 4 KiB boundaries,
// stray DMAs beyond guest RAM (they fault after a lookup) and interrupt writes.
std::vector<trace::TraceRecord> mixedTrace(uint64_t ram_bytes) {
  std::vector<trace::TraceRecord> v;
  trace::SyntheticParams p;
  p.events = 60000;
  p.pages = 3000;
  p.hot_fraction = 0.6;
  p.hot_pages = 40;
  p.size = 256;
  p.base = 0x200000;
  trace::SyntheticTrace a(p);
  p.source = 0x28;
  p.seed = 9;
  p.pattern = trace::SyntheticParams::Pattern::Sequential;
  p.base = 0x4000000;
  trace::SyntheticTrace b(p);
  trace::TraceRecord r, s;
  uint64_t n = 0;
  while (a.next(r) && b.next(s)) {
    v.push_back(r);
    if (n % 3 == 0) v.push_back(s);
    if (n % 997 == 0) {  // beyond guest RAM: walk faults
      trace::TraceRecord stray = r;
      stray.dma.address = ram_bytes + (n % 7) * 4096;
      v.push_back(stray);
    }
    if (n % 501 == 0) {  // straddles a page boundary: two lookups
      trace::TraceRecord cross = r;
      cross.dma.address = (r.dma.address | 0xFFF) - 63;
      cross.dma.size = 128;
      v.push_back(cross);
    }
    if (n % 331 == 0) {  // an MSI: no lookup
      trace::TraceRecord msi = r;
      msi.dma.write = true;
      msi.dma.address = 0xFEE00000;
      msi.dma.size = 4;
      v.push_back(msi);
    }
    ++n;
  }
  return v;
}

class VectorSource final : public trace::TraceSource {
 public:
  explicit VectorSource(const std::vector<trace::TraceRecord>& v) : v_(v) {}
  bool next(trace::TraceRecord& r) override {
    if (i_ == v_.size()) return false;
    r = v_[i_++];
    return true;
  }
  std::string position() const override { return "record " + std::to_string(i_); }

 private:
  const std::vector<trace::TraceRecord>& v_;
  size_t i_ = 0;
};

ReplayMachine machine(fw::LeafSize leaf, VmAssignment vms) {
  ReplayMachine m;
  m.vm_ram_bytes = 128ull << 20;
  m.leaf = leaf;
  m.vms = vms;
  return m;
}

uint64_t replayMisses(ReplayMachine m, const std::vector<trace::TraceRecord>& trace, uint32_t entries, uint32_t ways) {
  m.unit.iotlb.entries = entries;
  m.unit.iotlb.ways = ways;
  m.unit.iotlb.policy = ReplacementPolicy::Lru;
  ReplaySystem system(m);
  Replayer replayer(system, ReplayParams{});
  VectorSource source(trace);
  replayer.run(source);
  const UnitStats& s = system.unit().stats();
  return s.iotlb_lookup - s.iotlb_hit;
}

struct Geometry {
  uint32_t entries, ways;
};

void expectCurveMatchesReplays(fw::LeafSize leaf, VmAssignment vms) {
  const ReplayMachine m = machine(leaf, vms);
  const auto trace = mixedTrace(m.vm_ram_bytes);
  CurveParams cp;
  cp.sets = 16;
  cp.max_entries = 4096;
  CurveRunner runner(m, cp, ReplayParams{});
  VectorSource source(trace);
  runner.run(source);
  const auto fa = runner.curve().fullyAssociative();
  const auto sa = runner.curve().setAssociative();
  ASSERT_GT(runner.curve().lookups(), 80000u);
  for (Geometry g : {Geometry{1, 0}, Geometry{7, 0}, Geometry{40, 0}, Geometry{118, 0}, Geometry{1000, 0}, Geometry{4096, 0}})
    EXPECT_EQ(fa[g.entries - 1].misses, replayMisses(m, trace, g.entries, g.ways)) << "fully associative " << g.entries;
  for (Geometry g : {Geometry{16, 1}, Geometry{32, 2}, Geometry{128, 8}, Geometry{512, 32}, Geometry{2048, 128}})
    EXPECT_EQ(sa[g.ways - 1].misses, replayMisses(m, trace, g.entries, g.ways)) << g.entries << " entries, " << g.ways << " ways";
}

TEST(MissCurve, MatchesReplaysWith4KLeavesOneVm) { expectCurveMatchesReplays(fw::LeafSize::k4K, VmAssignment::Shared); }
TEST(MissCurve, MatchesReplaysWith2MLeavesVmPerSource) { expectCurveMatchesReplays(fw::LeafSize::k2M, VmAssignment::PerSource); }

TEST(MissCurve, CountsMissesBySizeAndUnfilledFaults) {
  ReplayMachine m = machine(fw::LeafSize::k2M, VmAssignment::Shared);
  std::vector<trace::TraceRecord> t(4);
  t[0].dma.address = 0x200000;     // 2 MiB page 1
  t[1].dma.address = 0x3FF000;     // same 2 MiB page: a hit at any size
  t[2].dma.address = m.vm_ram_bytes + 0x1000;  // beyond RAM: lookup, fault, nothing filled
  t[3].dma.address = 0x200040;
  for (auto& r : t) r.dma.size = 64;
  CurveRunner runner(m, CurveParams{}, ReplayParams{});
  VectorSource source(t);
  runner.run(source);
  const auto fa = runner.curve().fullyAssociative();
  EXPECT_EQ(runner.curve().lookups(), 4u);
  EXPECT_EQ(fa[0].misses, 2u);  // the first touch and the fault
  EXPECT_EQ(fa[0].misses_by_size[1], 1u);
  EXPECT_EQ(runner.curve().distinctEntries(), 1u);
}

}  // namespace
}  // namespace vtd::replay
