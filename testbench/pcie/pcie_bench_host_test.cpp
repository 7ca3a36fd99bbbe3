// The pcie-bench workload on the whole platform: the firmware on the host CPU sets the unit
// up (off, then the window mapped with 4 KiB pages; or pass-through) and the generator's
// reads go through the PCIe link and the unit. Without translation nothing is looked up;
// with it a window larger than the IOTLB misses and every miss costs latency.
#include <gtest/gtest.h>

#include <systemc>

#include "platform/pcie/pcie_link.h"
#include "platform/scenarios/pcie_bench_host.h"
#include "platform/vtd_platform.h"

using namespace vtd::platform;

namespace {

struct HostBench {
  HostBench() : top("top", SimConfig{}), link("link", PcieParams{}) {
    gen.socket.bind(link.up_in);
    link.down_out.bind(top.vtd.dma_in);
  }
  struct Point {
    PcieBenchResult result;
    uint64_t lookups = 0, hits = 0, walks = 0;
  };
  Point measure(HostCpu& cpu, uint64_t base, uint64_t window_kib) {
    PcieBenchParams p;
    p.window_kib = window_kib;
    p.requests = 5000;
    p.warmup_requests = 2000;
    p.tags = 1;
    const auto& s = top.vtd.model().stats();
    Point r;
    uint64_t l0 = 0, h0 = 0, w0 = 0;
    gen.start(p, base, [&] { l0 = s.iotlb_lookup, h0 = s.iotlb_hit, w0 = s.walks; });
    cpu.waitFor(gen.done());
    r.result = gen.result();
    r.lookups = s.iotlb_lookup - l0, r.hits = s.iotlb_hit - h0, r.walks = s.walks - w0;
    return r;
  }
  VtdPlatform top;
  PcieLink link;
  vtd::SourceId sid = vtd::SourceId::fromBdf(0, 8, 0);
  PcieBench gen{"gen", sid};
};

constexpr uint64_t kHostBase = 1024ull << 20;

}  // namespace

TEST(PcieBenchHost, TranslationOffThenAWindowMappedWith4KiBPages) {
  HostBench b;
  HostBench::Point off, on;
  std::string problem;
  b.top.cpu.setProgram([&](HostCpu& cpu) {
    PcieBenchHost host(cpu);
    uint64_t base = 0;
    if (!(problem = host.setUp(BenchIommu::Off, b.sid.value, kHostBase, 8 << 20, base)).empty())
      return;
    EXPECT_EQ(base, kHostBase);
    off = b.measure(cpu, base, 2048);
    if (!(problem = host.setUp(BenchIommu::On, b.sid.value, kHostBase, 8 << 20, base)).empty())
      return;
    EXPECT_EQ(base, 0u);  // IOVA = guest-physical 0
    on = b.measure(cpu, base, 2048);
  });
  sc_core::sc_start();
  ASSERT_EQ(problem, "");
  ASSERT_TRUE(b.top.cpu.hasFinished());
  EXPECT_EQ(off.result.errors, 0u);
  EXPECT_EQ(on.result.errors, 0u);
  EXPECT_EQ(off.lookups, 0u);
  // 512 pages in a 128-entry IOTLB: about three requests in four miss.
  ASSERT_EQ(on.lookups, 5000u);
  const double miss = 1.0 - double(on.hits) / double(on.lookups);
  EXPECT_GT(miss, 0.6);
  EXPECT_LT(miss, 0.9);
  EXPECT_EQ(on.walks, on.lookups - on.hits);
  EXPECT_GT(on.result.mean_ns,
            off.result.mean_ns + 0.5 * 80);  // a walk costs at least a memory read
  // The data went to the same host memory: the window's host bytes were read both times.
  EXPECT_NEAR(off.result.mean_ns, off.result.median_ns, 1.0);
}

TEST(PcieBenchHost, PassThroughContextTranslatesNothingThenTheWindowIsMapped) {
  HostBench b;
  HostBench::Point pt, on;
  std::string problem;
  b.top.cpu.setProgram([&](HostCpu& cpu) {
    PcieBenchHost host(cpu);
    uint64_t base = 0;
    if (!(problem = host.setUp(BenchIommu::PassThrough, b.sid.value, kHostBase, 4 << 20, base))
             .empty())
      return;
    EXPECT_EQ(base, kHostBase);
    pt = b.measure(cpu, base, 4096);
    if (!(problem = host.setUp(BenchIommu::On, b.sid.value, kHostBase, 4 << 20, base)).empty())
      return;
    EXPECT_EQ(base, 0u);
    on = b.measure(cpu, base, 4096);
    EXPECT_NE(host.setUp(BenchIommu::PassThrough, b.sid.value, kHostBase, 4 << 20, base), "");
  });
  sc_core::sc_start();
  ASSERT_EQ(problem, "");
  EXPECT_EQ(pt.result.errors, 0u);
  EXPECT_EQ(pt.walks, 0u);
  EXPECT_EQ(pt.result.requests, 5000u);
  EXPECT_EQ(on.result.errors, 0u);
  EXPECT_GT(on.walks, 4000u);  // 1024 pages in a 128-entry IOTLB
}
