// PcieBench: the generator against link -> memory. With one tag every request sees the
// unloaded latency; with more, bandwidth follows Little's law (tags x size / latency) until
// the issue gap or the link's completion rate bounds it; offsets are seeded or sequential.
// Approximately timed (PcieBenchAt), the link talks four phases to a memory behind an AT
// shell (platform/bench/at_memory.h) and the same figures come out.
#include <gtest/gtest.h>

#include <memory>
#include <systemc>

#include "platform/bench/at_memory.h"
#include "platform/devices/pcie_bench.h"
#include "platform/memory.h"
#include "platform/pcie/pcie_link.h"

using namespace vtd::platform;

namespace {

struct GeneratorBench {
  explicit GeneratorBench(vtd::tlm::Fidelity style = vtd::tlm::Fidelity::Lt)
      : fidelity(style), link("link", PcieParams{}), memory("memory", memoryParams()) {
    gen.socket.bind(link.up_in);
    if (style == vtd::tlm::Fidelity::At) {
      at_memory = std::make_unique<AtMemory>("at_memory");
      link.down_out.bind(at_memory->port);
      at_memory->mem_out.bind(memory.port);
    } else {
      link.down_out.bind(memory.port);
    }
  }
  static MemoryParams memoryParams() {
    MemoryParams m;
    m.size_mib = 64;
    return m;  // 80 ns reads at 16 B/ns, 68 B/ns channel
  }
  static PcieBenchParams params() {
    PcieBenchParams p;
    p.window_kib = 1024;
    p.requests = 20000;
    p.warmup_requests = 100;
    p.device_latency_ns = 100;
    p.issue_gap_ns = 0;
    return p;
  }
  const PcieBenchResult& run(PcieBenchParams p, uint64_t base = 1 << 20) {
    p.fidelity = fidelity;
    gen.start(p, base);
    sc_core::sc_start();
    EXPECT_FALSE(gen.busy());
    return gen.result();
  }
  // One 64 B read without any queueing: device, request up, memory, completion down.
  double unloaded() const {
    return 100 + (link.wirePs(12) + link.wirePs(12 + 64)) / 1000.0 + 80 + 4;
  }
  vtd::tlm::Fidelity fidelity;
  PcieBench gen{"gen", vtd::SourceId::fromBdf(0, 8, 0)};
  PcieLink link;
  Memory memory;
  std::unique_ptr<AtMemory> at_memory;  // approximately timed only
};

}  // namespace

TEST(PcieBench, OneTagSeesTheUnloadedLatencyEveryTime) {
  GeneratorBench b;
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 1;
  const PcieBenchResult& r = b.run(p);
  EXPECT_EQ(r.requests, 20000u);
  EXPECT_EQ(r.bytes, 20000u * 64);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_NEAR(r.min_ns, b.unloaded(), 0.01);
  EXPECT_NEAR(r.max_ns, b.unloaded(), 0.01);
  EXPECT_NEAR(r.mean_ns, b.unloaded(), 0.01);
  EXPECT_NEAR(r.gbps, 64 * 8 / b.unloaded(), 0.01);
}

TEST(PcieBench, BandwidthFollowsLittlesLawUnderTheTagLimit) {
  GeneratorBench b;
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 8;
  const PcieBenchResult& r = b.run(p);
  EXPECT_NEAR(r.gbps, 8 * 64 * 8 / r.mean_ns, 0.02 * r.gbps);
  EXPECT_NEAR(r.gbps, 8 * 64 * 8 / b.unloaded(), 0.05 * r.gbps);
}

TEST(PcieBench, TheIssueGapBoundsTheRate) {
  GeneratorBench b;
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 64;
  p.issue_gap_ns = 100;
  const PcieBenchResult& r = b.run(p);
  EXPECT_NEAR(r.gbps, 64 * 8 / 100.0, 0.01 * r.gbps);
  EXPECT_NEAR(r.median_ns, b.unloaded(), 1.0);  // nothing queues
}

TEST(PcieBench, TheLinkBoundsTheRateWithEnoughTags) {
  GeneratorBench b;
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 256;
  const PcieBenchResult& r = b.run(p);
  // One 64-byte completion per completion TLP time downstream.
  const double link_gbps = 64 * 8 / (b.link.wirePs(12 + 64) / 1000.0);
  EXPECT_NEAR(r.gbps, link_gbps, 0.02 * link_gbps);
  EXPECT_GT(b.link.downstreamUtilisation(), 0.95);
  EXPECT_GT(r.p99_ns, 2 * b.unloaded());  // requests wait for the link
}

TEST(PcieBench, TheSeedDecidesTheOffsets) {
  GeneratorBench b;
  PcieBenchParams p = GeneratorBench::params();
  p.write = true;
  p.window_kib = 64;
  p.requests = 64;
  p.warmup_requests = 0;
  p.size_bytes = 64;
  const uint64_t base = 1 << 20;
  b.run(p, base);  // 64 random writes into 1024 slots: some slots stay empty
  const uint8_t* mem = b.memory.hostPointer(base, 64 << 10);
  unsigned written = 0;
  for (unsigned s = 0; s < 1024; ++s) written += mem[s * 64] == 0xA5;
  EXPECT_GT(written, 50u);
  EXPECT_LT(written, 64u + 1);
  // The same seed again writes nowhere new; sequential writes then fill the window.
  b.run(p, base);
  unsigned again = 0;
  for (unsigned s = 0; s < 1024; ++s) again += mem[s * 64] == 0xA5;
  EXPECT_EQ(again, written);
  p.sequential = true;
  p.requests = 1024;
  b.run(p, base);
  for (unsigned i = 0; i < (64u << 10); ++i) ASSERT_EQ(mem[i], 0xA5) << i;
  EXPECT_EQ(mem[64 << 10], 0);  // nothing beyond the window
}

TEST(PcieBenchAt, OneTagSeesTheUnloadedLatencyEveryTime) {
  GeneratorBench b(vtd::tlm::Fidelity::At);
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 1;
  const PcieBenchResult& r = b.run(p);
  EXPECT_EQ(r.requests, 20000u);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_NEAR(r.min_ns, b.unloaded(), 0.01);
  EXPECT_NEAR(r.max_ns, b.unloaded(), 0.01);
  EXPECT_NEAR(r.gbps, 64 * 8 / b.unloaded(), 0.01);
  EXPECT_EQ(b.link.stats().root_waits, 0u);
}

TEST(PcieBenchAt, BandwidthFollowsLittlesLawUnderTheTagLimit) {
  GeneratorBench b(vtd::tlm::Fidelity::At);
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 8;
  const PcieBenchResult& r = b.run(p);
  EXPECT_NEAR(r.gbps, 8 * 64 * 8 / r.mean_ns, 0.02 * r.gbps);
  EXPECT_NEAR(r.gbps, 8 * 64 * 8 / b.unloaded(), 0.05 * r.gbps);
}

TEST(PcieBenchAt, TheLinkBoundsTheRateWithEnoughTags) {
  GeneratorBench b(vtd::tlm::Fidelity::At);
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 256;
  const PcieBenchResult& r = b.run(p);
  const double link_gbps = 64 * 8 / (b.link.wirePs(12 + 64) / 1000.0);
  EXPECT_NEAR(r.gbps, link_gbps, 0.02 * link_gbps);
  EXPECT_GT(b.link.downstreamUtilisation(), 0.95);
  EXPECT_GT(r.p99_ns, 2 * b.unloaded());
}

// A 4 KiB read is 8 read requests (MRRS 512) to the root complex, each answered with
// completions; the device is answered once, after the last.
TEST(PcieBenchAt, LargeReadsAreSplitIntoRequestsAndAnsweredOnce) {
  GeneratorBench b(vtd::tlm::Fidelity::At);
  PcieBenchParams p = GeneratorBench::params();
  p.tags = 1;
  p.size_bytes = 4096;
  p.requests = 100;
  p.warmup_requests = 0;
  const PcieBenchResult& r = b.run(p);
  EXPECT_EQ(r.requests, 100u);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(b.link.stats().read_requests, 800u);
  EXPECT_EQ(b.link.stats().downstream_payload, 100u * 4096);
  EXPECT_EQ(b.link.stats().completions, 100u * 16) << "MPS 256: two per 512-byte request";
  // At least the 64-byte read's latency plus the serialisation of the other 4032 bytes.
  EXPECT_GT(r.min_ns, b.unloaded() + 4032 / PcieParams{}.tlpBytesPerNs());
}
