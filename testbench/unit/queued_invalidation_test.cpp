// Queued invalidation (VT-d 3.x 6.5.2; FS 1.1, 3.1, 6.1-6.6): enabling and disabling,
// every context-cache and IOTLB descriptor granularity checked against the caches'
// contents, the invalidation wait (status write, interrupt flag with IECTL's IM/IP rule,
// fence), wrap-around for several queue sizes, the cost of fetches and status writes, and
// register-based invalidation while the queue is enabled. Errors are in
// queued_invalidation_errors_test.cpp.
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test::qi {
namespace {

using Queued = QueueTest;

// FS 1.1 reset values; FS 2.2 ECAP.QI advertised by default.
TEST_F(Queued, ResetValues) {
  build();
  EXPECT_TRUE(read64(0x10) & 0x2) << "ECAP.QI";
  EXPECT_EQ(read64(kIqh), 0u);
  EXPECT_EQ(read64(kIqt), 0u);
  EXPECT_EQ(read64(kIqa), 0u);
  EXPECT_EQ(read32(kIcs), 0u);
  EXPECT_EQ(read32(kIectl), kIm) << "IM is 1 at reset";
  EXPECT_EQ(read32(kIedata), 0u);
  EXPECT_EQ(read32(kIeaddr), 0u);
  EXPECT_EQ(read64(kIqercd), 0u);
  EXPECT_EQ(read32(kGsts) & kQie, 0u) << "QIES";
}

// FS 3.1: QIE is persistent; QIES follows it. FS 6.1, 9.B.2: an IQT written while QI is
// off holds descriptors that are fetched once QIE is set.
TEST_F(Queued, EnablingFetchesWhatIqtAlreadyHolds) {
  setUpWith(UnitConfig{}, 0, /*enable=*/false);
  warm();
  submit({ccDesc(1), iotlbDesc(1)});
  EXPECT_EQ(iqh(), 0u) << "nothing is fetched while QI is off";
  EXPECT_EQ(unit().contextCache().validCount(), 9u);
  EXPECT_EQ(unit().stats().inv_queue_tail_while_disabled, 2u) << "IQT = 0, then the batch";
  enableQi();
  EXPECT_EQ(read32(kGsts) & kQie, kQie);
  EXPECT_EQ(iqh(), 0x20u);
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
}

// FS 3.1: disabling QI clears QIES and resets IQH to 0; IQT keeps its value. Enabling
// again (after the driver's IQT = 0) starts from the beginning of the queue.
TEST_F(Queued, DisablingResetsTheHead) {
  EXPECT_EQ(submit({waitDesc(false, false), waitDesc(false, false), waitDesc(false, false)}),
            0x30u);
  disableQi();
  EXPECT_EQ(read32(kGsts) & kQie, 0u);
  EXPECT_EQ(iqh(), 0u);
  EXPECT_EQ(read64(kIqt), 0x30u);
  EXPECT_EQ(unit().stats().inv_queue_disabled_nonempty, 0u) << "the queue was empty";
  setUpQueue(0);
  enableQi();
  EXPECT_EQ(submit({waitDesc(true, false, 7, kStatus)}), 0x10u);
  EXPECT_EQ(sys->memory.read64(kStatus) & 0xFFFFFFFF, 7u);
}

// FS 6.2: global, domain-selective and device-selective (with each function mask).
TEST_F(Queued, ContextCacheGlobal) {
  warm();
  ASSERT_EQ(unit().contextCache().validCount(), 9u);
  EXPECT_EQ(submit({ccDesc(1)}), 0x10u);
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
  EXPECT_EQ(unit().iotlb().validCount(), 33u) << "the IOTLB is left alone";
  EXPECT_EQ(unit().stats().inv_desc_context_global, 1u);
}

TEST_F(Queued, ContextCacheDomain) {
  warm();
  submit({ccDesc(2, kDid2)});
  EXPECT_EQ(cachedSources().count(SourceId::fromBdf(0, 2, 0).value), 0u);
  EXPECT_EQ(unit().contextCache().validCount(), 8u) << "domain 1 stays";
  EXPECT_EQ(unit().stats().inv_desc_context_domain, 1u);
}

TEST_F(Queued, ContextCacheDeviceWithFunctionMask) {
  // FM 0 compares all SID bits; 1, 2, 3 ignore function bits 2, 2:1, 2:0 (FS 6.2).
  const struct {
    unsigned fm;
    unsigned fn;
    std::set<unsigned> gone;
  } cases[] = {{0, 5, {5}}, {1, 1, {1, 5}}, {2, 3, {1, 3, 5, 7}}, {3, 6, {0, 1, 2, 3, 4, 5, 6, 7}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fm);
    warm();
    submit({ccDesc(3, kDid1, SourceId::fromBdf(0, 1, c.fn).value, c.fm)});
    const std::set<uint16_t> left = cachedSources();
    for (unsigned fn = 0; fn < 8; ++fn)
      EXPECT_EQ(left.count(SourceId::fromBdf(0, 1, fn).value), c.gone.count(fn) ? 0u : 1u) << fn;
    EXPECT_EQ(left.count(SourceId::fromBdf(0, 2, 0).value), 1u);
    submit({ccDesc(1)});
  }
  EXPECT_EQ(unit().stats().inv_desc_context_device, 4u);
}

// FS 6.3: global and domain-selective IOTLB invalidation; contexts stay.
TEST_F(Queued, IotlbGlobalAndDomain) {
  warm();
  submit({iotlbDesc(2, kDid2)});
  EXPECT_TRUE(cachedPages(kDid2).empty());
  EXPECT_EQ(cachedPages(kDid1).size(), 17u);
  submit({iotlbDesc(1)});
  EXPECT_EQ(unit().iotlb().validCount(), 0u);
  EXPECT_EQ(unit().contextCache().validCount(), 9u);
  EXPECT_EQ(unit().stats().inv_desc_iotlb_domain, 1u);
  EXPECT_EQ(unit().stats().inv_desc_iotlb_global, 1u);
}

// FS 6.3: page-selective removes 2^AM pages from ADDR (aligned down) in the named domain,
// including a superpage that overlaps the range; IH only concerns non-leaf caches.
TEST_F(Queued, IotlbPageSelective) {
  warm();
  submit({iotlbDesc(3, kDid1, 0x4000, 2)});
  std::set<uint64_t> left = cachedPages(kDid1);
  for (uint64_t p = 4; p < 8; ++p) EXPECT_EQ(left.count(p << 12), 0u) << p;
  EXPECT_EQ(left.count(0x3000), 1u);
  EXPECT_EQ(left.count(0x8000), 1u);
  EXPECT_EQ(cachedPages(kDid2).size(), 16u) << "other domain untouched";
  submit({iotlbDesc(3, kDid1, 0x9000, 1, /*ih=*/true)});  // ADDR below the mask ignored
  left = cachedPages(kDid1);
  EXPECT_EQ(left.count(0x8000), 0u);
  EXPECT_EQ(left.count(0x9000), 0u);
  EXPECT_EQ(left.count(0xA000), 1u);
  submit({iotlbDesc(3, kDid1, 0x4000'0000 + 0x5'6000, 0)});
  EXPECT_EQ(cachedPages(kDid1).count(0x4000'0000), 0u) << "the 2 MiB entry overlaps";
  EXPECT_EQ(unit().stats().inv_desc_iotlb_page, 3u);
}

// Coarser is always allowed (FS 6.11): AM above MAMV or no PSI is performed per domain,
// as for IOTLB_REG. DR/DW are accepted with CAP.DRD/DWD (nothing is in flight to drain).
TEST_F(Queued, IotlbPageSelectiveBeyondMamvCoversTheDomain) {
  warm();
  submit({iotlbDesc(3, kDid1, 0, 19, false, true, true)});
  EXPECT_EQ(fsts() & kIqe, 0u);
  EXPECT_TRUE(cachedPages(kDid1).empty());
  EXPECT_EQ(cachedPages(kDid2).size(), 16u);
  EXPECT_EQ(unit().stats().inv_iotlb_page_as_domain, 1u);
}

// FS 6.6: SW writes the 32-bit status data to the status address, and nothing else.
TEST_F(Queued, WaitWithStatusWrite) {
  sys->memory.write64(kStatus, 0xAAAA'AAAA'AAAA'AAAAull);
  sys->memory.write64(kStatus + 8, 0xBBBB'BBBB'BBBB'BBBBull);
  const uint64_t writes = sys->memory.writeCount();
  EXPECT_EQ(submit({ccDesc(1), iotlbDesc(1), waitDesc(true, false, 0xCAFE, kStatus + 4)}), 0x30u);
  EXPECT_EQ(sys->memory.read64(kStatus), 0x0000'CAFE'AAAA'AAAAull);
  EXPECT_EQ(sys->memory.read64(kStatus + 8), 0xBBBB'BBBB'BBBB'BBBBull);
  EXPECT_EQ(sys->memory.writeCount(), writes + 1);
  EXPECT_EQ(read32(kIcs), 0u) << "IWC is only for IF";
  EXPECT_TRUE(sys->sink.messages.empty());
  EXPECT_EQ(unit().stats().inv_desc_wait_sw, 1u);
  EXPECT_EQ(unit().stats().inv_queue_status_writes, 1u);
}

// FS 6.6, 7.5: IF sets ICS.IWC and, with IECTL.IM clear, sends {IEADDR, IEDATA} at once.
TEST_F(Queued, WaitWithInterruptUnmasked) {
  write32(kIedata, 0x46);
  write32(kIeaddr, 0xFEE0'0000);
  write32(kIectl, 0);
  submit({waitDesc(false, true)});
  EXPECT_EQ(read32(kIcs), kIwc);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].address, 0xFEE0'0000u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x46u);
  EXPECT_EQ(read32(kIectl), 0u) << "IP clear after sending";
  EXPECT_EQ(unit().queuedInvalidation().completionEvent().sent(), 1u);
  EXPECT_EQ(unit().faultEventsSent(), 0u) << "a completion is not a fault";
}

// FS 7.5: masked (the reset state), the event is held in IP; clearing IM sends it.
TEST_F(Queued, WaitWithInterruptMaskedIsHeldUntilUnmasked) {
  write32(kIedata, 0x47);
  write32(kIeaddr, 0xFEE0'1000);
  submit({waitDesc(false, true)});
  EXPECT_EQ(read32(kIcs), kIwc);
  EXPECT_EQ(read32(kIectl), kIm | kIp);
  EXPECT_TRUE(sys->sink.messages.empty());
  write32(kIectl, 0);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x47u);
  EXPECT_EQ(read32(kIectl), 0u);
}

// FS 7.5: clearing the status bit behind a held event (ICS.IWC) clears IP without a message.
TEST_F(Queued, ClearingIwcRetiresAHeldEvent) {
  submit({waitDesc(false, true)});
  ASSERT_EQ(read32(kIectl), kIm | kIp);
  write32(kIcs, kIwc);  // RW1C
  EXPECT_EQ(read32(kIcs), 0u);
  EXPECT_EQ(read32(kIectl), kIm);
  write32(kIectl, 0);
  EXPECT_TRUE(sys->sink.messages.empty());
}

// FS 6.6: IWC is set only if it was clear; while it is 1 another IF wait raises nothing.
// FS 1.1: ICS.IWC is RW1C, so writing 0 leaves it.
TEST_F(Queued, NoNewEventWhileIwcIsSet) {
  write32(kIectl, 0);
  submit({waitDesc(false, true), waitDesc(false, true)});
  EXPECT_EQ(sys->sink.messages.size(), 1u);
  write32(kIcs, 0);
  EXPECT_EQ(read32(kIcs), kIwc);
  submit({waitDesc(false, true)});
  EXPECT_EQ(sys->sink.messages.size(), 1u);
  write32(kIcs, kIwc);
  submit({waitDesc(false, true)});
  EXPECT_EQ(sys->sink.messages.size(), 2u);
  EXPECT_EQ(unit().stats().inv_desc_wait_if, 4u);
}

// FS 6.6 (and 10 #19): SW and IF together do both; the status is in memory before the
// completion interrupt is delivered.
TEST_F(Queued, WaitWithStatusWriteAndInterrupt) {
  struct Probe final : InterruptSink {
    FlatMemory* memory = nullptr;
    uint64_t seen = 0;
    void deliver(const MsiMessage&) override { seen = memory->read64(kStatus); }
  } probe;
  probe.memory = &sys->memory;
  unit().setInterruptSink(&probe);
  write32(kIectl, 0);
  submit({waitDesc(true, true, 0x1234, kStatus)});
  EXPECT_EQ(probe.seen & 0xFFFFFFFF, 0x1234u);
  EXPECT_EQ(read32(kIcs), kIwc);
}

// FS 6.6: a wait with neither SW nor IF is legal; with FN it fences later descriptors, which
// holds trivially because every earlier descriptor is done before the next is fetched.
TEST_F(Queued, WaitWithoutStatusOrInterruptAndFence) {
  warm();
  const uint64_t writes = sys->memory.writeCount();
  EXPECT_EQ(submit({waitDesc(false, false), waitDesc(false, false, 0, 0, true), ccDesc(1)}), 0x30u);
  EXPECT_EQ(fsts() & kIqe, 0u);
  EXPECT_EQ(sys->memory.writeCount(), writes);
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
  EXPECT_EQ(unit().stats().inv_desc_wait, 2u);
  EXPECT_EQ(unit().stats().inv_desc_wait_fence, 1u);
}

// FS 6.1: IQH/IQT are byte offsets into 2^QS pages; the head wraps at the end of the queue.
TEST_F(Queued, HeadWrapsAroundForEachQueueSize) {
  for (unsigned qs : {0u, 1u, 3u, 7u}) {
    SCOPED_TRACE(qs);
    setUpWith(UnitConfig{}, qs);
    const uint64_t bytes = 4096ull << qs, entries = bytes / 16;
    // Fill all but the last slot (software keeps one free), then wrap with three more.
    for (uint64_t i = 0; i + 1 < entries; ++i) put(waitDesc(false, false));
    write64(kIqt, tail_);
    EXPECT_EQ(iqh(), bytes - 16);
    EXPECT_EQ(submit({waitDesc(false, false), waitDesc(true, false, uint32_t(qs + 1), kStatus),
                      waitDesc(false, false)}),
              0x20u);
    EXPECT_EQ(read64(kIqt), 0x20u);
    EXPECT_EQ(sys->memory.read64(kStatus) & 0xFFFFFFFF, qs + 1);
    EXPECT_EQ(fsts() & kIqe, 0u);
    EXPECT_EQ(unit().stats().inv_queue_fetches, entries + 2);
  }
}

// FS 6.1: descriptors come from IQA's base; each fetch is one memory read (the cost the
// TLM shell turns into memory time).
TEST_F(Queued, FetchesComeFromTheQueueBaseAndAreCounted) {
  setUpQueue(0, kQueue + 0x3000);
  const uint64_t reads = sys->memory.readCount();
  submit({waitDesc(true, false, 1, kStatus), waitDesc(true, false, 2, kStatus + 4)});
  EXPECT_EQ(sys->memory.read64(kStatus), 0x0000'0002'0000'0001ull);
  EXPECT_EQ(sys->memory.readCount(), reads + 2);
  EXPECT_EQ(unit().stats().inv_queue_fetches, 2u);
  EXPECT_EQ(unit().stats().inv_queue_status_writes, 2u);
}

// FS 6.11 "used only while QI is disabled"; our choice for a command that arrives anyway:
// nothing is invalidated, ICC/IVT clear (no driver hangs polling them, unlike QEMU 7.2)
// and CAIG/IAIG read 0 (an error). Counted. With QI off again they work.
TEST_F(Queued, RegisterInvalidationWhileEnabledIsRefused) {
  warm();
  write64(kCcmd, 1ull << 63 | 1ull << 61);
  EXPECT_EQ(read64(kCcmd), 1ull << 61) << "ICC clear, CAIG 0";
  write64(iotlbRegOffset(), 1ull << 63 | 1ull << 60);
  EXPECT_EQ(read64(iotlbRegOffset()), 1ull << 60) << "IVT clear, IAIG 0";
  EXPECT_EQ(unit().contextCache().validCount(), 9u);
  EXPECT_EQ(unit().iotlb().validCount(), 33u);
  EXPECT_EQ(unit().stats().inv_register_while_qi, 2u);
  disableQi();
  write64(kCcmd, 1ull << 63 | 1ull << 61);
  EXPECT_EQ(read64(kCcmd), 1ull << 61 | 1ull << 59) << "CAIG 1: performed";
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
}

// A batch in one IQT write runs in order: a context entry changed and invalidated in the
// same batch as its IOTLB flush is re-read on the next request (FS 6.2, 6.3).
TEST_F(Queued, BatchInvalidatesContextAndIotlbTogether) {
  warm();
  const SourceId dev = SourceId::fromBdf(0, 2, 0);
  tables->setContext(dev, tables->newPage(), 4, 9);  // empty tables, domain 9
  EXPECT_TRUE(dmaRead(dev, 0x1000).ok()) << "still cached";
  submit({ccDesc(3, kDid2, dev.value), iotlbDesc(2, kDid2), waitDesc(true, false, 1, kStatus)});
  const Translation t = dmaRead(dev, 0x1000);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.reason, FaultReason::ReadNotPermitted) << "walked the new, empty tables";
}

}  // namespace
}  // namespace vtd::test::qi
