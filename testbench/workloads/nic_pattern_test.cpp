// The NIC workload's DMA pattern: descriptor reads around the ring(s), data at the buffers
// the guest posted, write-backs, MSIs; page-pool recycling; pacing to the line rate.
#include <map>
#include <set>

#include "platform/workloads/nic_workload.h"
#include "testbench/workloads/workload_bench.h"

namespace vtd::test {
namespace {

using platform::DmaOp;
using Op = Recorder::Op;

platform::ScenarioParams nic(uint64_t packets, uint32_t ring, double rx) {
  platform::ScenarioParams p;
  p.packets = packets;
  p.ring_entries = ring;
  p.rx_fraction = rx;
  p.interrupt_every = 4;
  return p;
}

// Shared ring: per packet a 16-byte read of the next slot, the packet (written for a
// receive slot, read for a transmit slot) at that slot's buffer, the 16-byte write-back
// to the same slot; an MSI after every 4th packet.
TEST_F(PatternTest, NicSharedRingFollowsTheRingAndItsBuffers) {
  platform::NicWorkload w(nic(8, 4, 0.5), nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  ASSERT_EQ(ops.size(), 8u * 3 + 2);
  size_t i = 0;
  for (uint64_t p = 0; p < 8; ++p) {
    const uint32_t slot = uint32_t(p % 4);
    const uint64_t desc = dma(w.ringGpa(0) + 16 * slot);
    EXPECT_EQ(ops[i].kind, DmaOp::Read);
    EXPECT_EQ(ops[i].address, desc);
    EXPECT_EQ(ops[i].size, 16u);
    const Op& data = ops[i + 1];
    EXPECT_EQ(data.address, dma(w.posted(0)[slot]));
    EXPECT_EQ(data.size, 1500u);
    EXPECT_EQ(ops[i + 2].kind, DmaOp::Write);
    EXPECT_EQ(ops[i + 2].address, desc);
    EXPECT_EQ(ops[i + 2].size, 16u);
    i += 3;
    if ((p + 1) % 4 == 0) {
      EXPECT_EQ(ops[i++].kind, DmaOp::Msi);
    }
  }
  // Both directions occur, and each slot keeps its direction on the second lap.
  std::map<uint64_t, DmaOp::Kind> kind_at;
  for (uint64_t p = 0; p < 8; ++p) {
    const Op& data = ops[p * 3 + p / 4 + 1];
    auto [it, fresh] = kind_at.emplace(data.address, data.kind);
    if (!fresh) {
      EXPECT_EQ(it->second, data.kind);
    }
  }
  EXPECT_EQ(opsOf(DmaOp::Msi).size(), 2u);
  EXPECT_EQ(w.rxPackets() + w.txPackets(), 8u);
  EXPECT_GT(w.rxPackets(), 0u);
  EXPECT_GT(w.txPackets(), 0u);
}

// Split rings: receive packets use the receive ring and write its buffers, transmit
// packets the transmit ring and read its buffers; IMIX sizes only.
TEST_F(PatternTest, NicSplitRingsSeparateTheDirectionsWithImixSizes) {
  auto p = nic(300, 16, 0.5);
  p.nic.rings = platform::NicRings::Split;
  p.nic.sizes = platform::PacketSizes::Imix;
  p.interrupt_every = 0;
  platform::NicWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  ASSERT_EQ(ops.size(), 300u * 3);
  std::set<uint32_t> sizes;
  uint64_t rx = 0;
  for (size_t i = 0; i < ops.size(); i += 3) {
    const uint64_t desc = ops[i].address;
    const bool rx_ring = desc >= dma(w.ringGpa(0)) && desc < dma(w.ringGpa(0)) + 4096;
    const unsigned ring = rx_ring ? 0 : 1;
    ASSERT_TRUE(rx_ring || (desc >= dma(w.ringGpa(1)) && desc < dma(w.ringGpa(1)) + 4096));
    const Op& data = ops[i + 1];
    EXPECT_EQ(data.kind, rx_ring ? DmaOp::Write : DmaOp::Read);
    EXPECT_EQ(data.address, dma(w.posted(ring)[(desc - dma(w.ringGpa(ring))) / 16]));
    sizes.insert(data.size);
    rx += rx_ring;
  }
  EXPECT_EQ(sizes, (std::set<uint32_t>{60, 590, 1514}));
  EXPECT_EQ(rx, w.rxPackets());
  EXPECT_NEAR(double(rx) / 300, 0.5, 0.1);
}

// Page pool: receive buffers are the two halves of pool pages, taken in order, so two
// consecutive packets fill one page; freed pages come back, so a long run touches few
// pages; the pool allocates fresh pages a refill at a time.
TEST_F(PatternTest, NicPagePoolRecyclesHalfPageBuffers) {
  auto p = nic(400, 16, 1.0);
  p.nic.rx_buffers = platform::RxBuffers::PagePool;
  p.nic.stack_hold = 8;
  p.nic.pool_cache = 16;
  p.nic.pool_refill = 8;
  p.interrupt_every = 0;
  platform::NicWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto writes = opsOf(DmaOp::Write);
  std::vector<uint64_t> buffers;
  for (const Op& o : writes)
    if (o.size == 1500) buffers.push_back(o.address);
  ASSERT_EQ(buffers.size(), 400u);
  std::set<uint64_t> pages;
  for (size_t i = 0; i < buffers.size(); ++i) {
    pages.insert(buffers[i] & ~0xFFFull);
    EXPECT_EQ(buffers[i] % 2048, 0u);
    if (i % 2 == 1) {
      EXPECT_EQ(buffers[i], buffers[i - 1] + 2048) << "packet " << i;
    }
  }
  // 16 buffers in the ring + 8 with the stack: 12 pages in use, plus the cache's slack.
  EXPECT_LE(pages.size(), 24u);
  const platform::PagePoolStats& s = w.pool()->stats();
  EXPECT_EQ(s.fresh_pages % 8, 0u);
  EXPECT_GE(s.fresh_pages, pages.size());  // every page written came from the pool
  EXPECT_GT(s.recycled_cache, 150u);
  EXPECT_EQ(s.buffers, 16u + 400u);  // the initial fill, then one refill per packet
}

// Receiving at 2 Gb/s: frames of 1500 bytes (1524 on the wire) arrive every 6096 ns, and
// the device writes none before it has arrived; the run lasts as long as the wire.
TEST_F(PatternTest, NicReceivePacesToTheLineRate) {
  auto p = nic(50, 16, 1.0);
  p.nic.line_gbps = 2;
  platform::NicWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const uint64_t frame_ps = 6'096'000;
  uint64_t n = 0, last_done = 0;
  for (const Op& o : recorder->ops) {
    if (o.kind != DmaOp::Write || o.size != 1500) continue;
    ++n;
    EXPECT_EQ(o.not_before_ps, recorder->start_ps + n * frame_ps);
    EXPECT_GE(o.done_ps, recorder->start_ps + n * frame_ps);
    last_done = o.done_ps;
  }
  ASSERT_EQ(n, 50u);
  const double elapsed = double(last_done - recorder->start_ps);
  EXPECT_NEAR(elapsed / double(50 * frame_ps), 1.0, 0.01);
  EXPECT_GT(top->devices[0]->stats().paced_ps, 0u);
}

// Sending at 2 Gb/s: the device fetches a frame while the one before it is on the wire,
// so frames leave back to back; the device is done once it has fetched the last frame,
// about one frame time before the wire is.
TEST_F(PatternTest, NicTransmitPacesToTheLineRate) {
  auto p = nic(50, 16, 0.0);
  p.nic.line_gbps = 2;
  platform::NicWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const uint64_t frame_ps = 6'096'000;
  const double elapsed = double(top->devices[0]->stats().active_ps);
  EXPECT_NEAR(elapsed / double(49 * frame_ps), 1.0, 0.02);
  // Unpaced, the same device is far faster: the line rate is what bounds it.
  EXPECT_GT(top->devices[0]->stats().paced_ps, uint64_t(elapsed / 2));
}

}  // namespace
}  // namespace vtd::test
