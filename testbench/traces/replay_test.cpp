// Replay: the trace's invalidations reach the unit (register and descriptor form), DMA is
// split as the TLM shell splits it, interrupt writes are not translated, and source ids
// get VMs as replay.vms says.
#include <gtest/gtest.h>

#include "platform/replay/invalidation_decoder.h"
#include "platform/replay/replayer.h"

namespace vtd::replay {
namespace {

trace::TraceRecord dma(uint64_t address, uint32_t size, uint16_t source = 0x20) {
  trace::TraceRecord r;
  r.dma.source = source;
  r.dma.address = address;
  r.dma.size = size;
  return r;
}

trace::TraceRecord descriptor(uint64_t lo, uint64_t hi) {
  trace::TraceRecord r;
  r.kind = trace::RecordKind::Invalidation;
  r.inv = {lo, hi};
  return r;
}

trace::TraceRecord reg(uint32_t offset, uint8_t size, uint64_t value) {
  trace::TraceRecord r;
  r.kind = trace::RecordKind::RegisterWrite;
  r.reg = {offset, size, value};
  return r;
}

struct ReplayFixture : ::testing::Test {
  ReplayMachine m;
  std::unique_ptr<ReplaySystem> system;
  std::unique_ptr<Replayer> replayer;
  void start(ReplayParams p = {}) {
    m.vm_ram_bytes = 64ull << 20;
    system = std::make_unique<ReplaySystem>(m);
    replayer = std::make_unique<Replayer>(*system, p);
  }
  const UnitStats& unit() { return system->unit().stats(); }
};

TEST_F(ReplayFixture, PageSelectiveDescriptorDropsTheEntry) {
  start();
  replayer->feed(dma(0x10000, 64));
  replayer->feed(dma(0x10040, 64));
  EXPECT_EQ(unit().iotlb_hit, 1u);
  // IOTLB page-selective (G=3) for DID 1, the page 0x10000, AM 0.
  replayer->feed(descriptor(0x2 | 3u << 4 | 1u << 16, 0x10000));
  replayer->feed(dma(0x10080, 64));
  EXPECT_EQ(unit().iotlb_hit, 1u);
  EXPECT_EQ(unit().walks, 2u);
  EXPECT_EQ(replayer->stats().invalidations_applied, 1u);
}

TEST_F(ReplayFixture, RegisterFormIotlbInvalidationUsesIva) {
  start();
  replayer->feed(dma(0x10000, 64));
  replayer->feed(dma(0x20000, 64));
  const uint32_t iva = system->ivaOffset();
  replayer->feed(reg(iva, 8, 0x20000));                               // IVA: page 0x20000, AM 0
  replayer->feed(reg(iva + 8, 4, 0));                                 // low half of IOTLB_REG
  replayer->feed(reg(iva + 12, 4, uint32_t(1u << 31 | 3u << 28 | 1u)));  // IVT, IIRG=page, DID 1
  replayer->feed(dma(0x10000, 64));  // still cached
  replayer->feed(dma(0x20000, 64));  // invalidated: walks again
  EXPECT_EQ(unit().iotlb_hit, 1u);
  EXPECT_EQ(unit().walks, 3u);
  EXPECT_EQ(replayer->stats().invalidations_applied, 1u);
}

TEST_F(ReplayFixture, GlobalContextInvalidationAndIgnoredDescriptors) {
  start();
  replayer->feed(dma(0x10000, 64));
  replayer->feed(descriptor(0x5 | 1u << 5, 0x1000));  // wait descriptor: not a cache we model
  replayer->feed(descriptor(0x4, 0));                 // IEC
  replayer->feed(reg(0x28, 8, 1ull << 63 | 1ull << 61));  // CCMD: ICC, global
  replayer->feed(dma(0x10000, 64));
  EXPECT_EQ(unit().ctxt_cache_hit, 0u);  // the context was read again
  EXPECT_EQ(replayer->stats().invalidations_applied, 1u);
  EXPECT_EQ(replayer->stats().descriptors, 2u);
}

TEST_F(ReplayFixture, InvalidationsCanBeIgnored) {
  ReplayParams p;
  p.invalidations = false;
  start(p);
  replayer->feed(dma(0x10000, 64));
  replayer->feed(descriptor(0x2 | 1u << 4, 0));  // IOTLB global
  replayer->feed(dma(0x10000, 64));
  EXPECT_EQ(unit().iotlb_hit, 1u);
  EXPECT_EQ(replayer->stats().invalidations_skipped, 1u);
}

TEST_F(ReplayFixture, SplitsAtPageBoundariesAndSkipsInterruptWrites) {
  start();
  replayer->feed(dma(0x10F00, 0x300));  // 0x100 in one page, 0x200 in the next
  trace::TraceRecord msi = dma(0xFEE00000, 4);
  msi.dma.write = true;
  replayer->feed(msi);
  EXPECT_EQ(unit().dma_requests, 2u);
  EXPECT_EQ(replayer->stats().pieces, 2u);
  EXPECT_EQ(replayer->stats().interrupt_requests, 1u);
  replayer->feed(dma((64ull << 20) - 64, 128));  // the second piece lies beyond RAM
  EXPECT_EQ(unit().faults, 1u);
  EXPECT_EQ(replayer->stats().blocked, 1u);
}

TEST_F(ReplayFixture, PerSourceVmsGetTheirOwnDomains) {
  m.vms = VmAssignment::PerSource;
  start();
  replayer->feed(dma(0x10000, 64, 0x20));
  replayer->feed(dma(0x10000, 64, 0x28));  // same IOVA, other domain: a miss
  EXPECT_EQ(system->vmCount(), 2u);
  EXPECT_EQ(unit().iotlb_hit, 0u);
  EXPECT_EQ(unit().walks, 2u);
}

TEST_F(ReplayFixture, WarmupResetsStatistics) {
  ReplayParams p;
  p.warmup_events = 2;
  start(p);
  replayer->feed(dma(0x10000, 64));
  replayer->feed(dma(0x20000, 64));
  replayer->feed(dma(0x10000, 64));
  EXPECT_EQ(unit().iotlb_lookup, 1u);
  EXPECT_EQ(unit().iotlb_hit, 1u);
  EXPECT_EQ(replayer->stats().dma_records, 1u);
}

TEST(InvalidationDecoder, ContextDeviceSelectiveFields) {
  InvalidationDecoder d(0x500);
  // cc descriptor: G=3 (device), DID 7, SID 0x0020, FM 2.
  const auto op = d.descriptor({0x1 | 3u << 4 | 7u << 16 | 0x20ull << 32 | 2ull << 48, 0});
  ASSERT_TRUE(op);
  EXPECT_EQ(op->target, InvalidationOp::ContextCache);
  EXPECT_EQ(op->granularity, 3u);
  EXPECT_EQ(op->did, 7u);
  EXPECT_EQ(op->sid, 0x20u);
  EXPECT_EQ(op->fm, 2u);
  EXPECT_FALSE(d.registerWrite({0x28, 8, 3ull << 61}));  // ICC clear: no invalidation
}

}  // namespace
}  // namespace vtd::replay
