// Loosely-timed timing of the unit, against timelines worked out by hand (timing_bench.h:
// front 5 ns, reads 100 ns, 3-read walks, 64-byte forwarded reads of 100 ns). A request
// "at T" has sc_time_stamp() + delay = T; several at the same T are outstanding together.
#include <algorithm>
#include <set>

#include "testbench/timing/timing_bench.h"

namespace vtd::test {
namespace {

constexpr uint64_t kHitDone = kFrontNs + kReadNs;  // translation + forwarded read
constexpr uint64_t kMissDone = kFrontNs + kWalkNs + kReadNs;

tlm::LatencyParams withWalkers(unsigned w) {
  tlm::LatencyParams l = timingLatency();
  l.walkers = w;
  return l;
}

// N misses to distinct pages arriving together with W walkers: ceil(N/W) waves of walks,
// each wave's walks starting when the previous wave's end.
TEST(UnitTiming, SimultaneousMissesCompleteInWaves) {
  constexpr unsigned kN = 10, kW = 4;
  TimingBench b(timingUnitConfig(), withWalkers(kW));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    std::set<uint64_t> completions;
    for (unsigned i = 0; i < kN; ++i) {
      const uint64_t wave = i / kW;
      const uint64_t done = b.dmaAt(0, b.page(1 + i));
      EXPECT_EQ(done, t + (kFrontNs + (wave + 1) * kWalkNs + kReadNs) * kNs) << "request " << i;
      completions.insert(done);
    }
    EXPECT_EQ(completions.size(), (kN + kW - 1) / kW);
    EXPECT_EQ(b.stat("walker_waits"), kN - kW);
    // Waits: 4 walks wait one walk time, 2 wait two.
    EXPECT_EQ(b.stat("walker_wait_ps"), double((4 * 1 + 2 * 2) * kWalkNs * kNs));
    EXPECT_EQ(b.stat("pw_occupancy"), double(kN * kWalkNs)) << "walker-cycles at 1 GHz";
  });
}

// A walk's reads are sequential and start when its walker does.
TEST(UnitTiming, WalkReadsRunOneAfterTheOtherOnTheWalker) {
  TimingBench b(timingUnitConfig(), withWalkers(1));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    b.dmaAt(0, b.page(1));
    const size_t first = b.memory.log.size();
    b.dmaAt(0, b.page(2));                      // waits for the only walker
    ASSERT_EQ(b.memory.log.size(), first + 4);  // 3 table reads, then the forwarded read
    const uint64_t start = t + (kFrontNs + kWalkNs) * kNs;
    for (unsigned i = 0; i < 3; ++i)
      EXPECT_EQ(b.memory.log[first + i].at_ps, start + i * kReadNs * kNs);
    EXPECT_EQ(b.memory.log[first + 3].at_ps, start + kWalkNs * kNs) << "forwarded after the walk";
  });
}

// Two misses to one page: the second finds the translation the first's walk filled, but
// before that walk is done, so it waits for it (one walk).
TEST(UnitTiming, MissesToThePageBeingWalkedMerge) {
  TimingBench b(timingUnitConfig(), withWalkers(4));
  b.run([&] {
    b.warmContexts();
    const uint64_t walks = b.unit.model().stats().walks;
    const uint64_t t = b.nowPs();
    EXPECT_EQ(b.dmaAt(0, b.page(7)), t + kMissDone * kNs);
    EXPECT_EQ(b.dmaAt(0, b.page(7) + 0x40), t + kMissDone * kNs) << "merged: done with the walk";
    EXPECT_EQ(b.dmaAt(50, b.page(7) + 0x80, kDev2), t + kMissDone * kNs)
        << "same DID, other device";
    EXPECT_EQ(b.unit.model().stats().walks, walks + 1);
    EXPECT_EQ(b.stat("merged_misses"), 2);
    // Arriving once the walk is done: a plain hit.
    const uint64_t later = (kFrontNs + kWalkNs) + 10;
    EXPECT_EQ(b.dmaAt(later, b.page(7)), t + (later + kHitDone) * kNs);
    EXPECT_EQ(b.stat("merged_misses"), 2);
  });
}

// Hit-under-miss: every walker busy, a third miss waits, a hit does not.
TEST(UnitTiming, HitDoesNotWaitForBusyWalkers) {
  TimingBench b(timingUnitConfig(), withWalkers(2));
  b.run([&] {
    b.warmContexts();  // page 0 is in the IOTLB
    const uint64_t t = b.nowPs();
    b.dmaAt(0, b.page(1));
    b.dmaAt(0, b.page(2));
    EXPECT_EQ(b.dmaAt(0, b.page(3)), t + (kMissDone + kWalkNs) * kNs) << "waits one walk";
    EXPECT_EQ(b.dmaAt(0, b.page(0)), t + kHitDone * kNs) << "completes at lookup time";
    EXPECT_EQ(b.stat("latency_hits"), 1);
  });
}

// With a bound of 4, the fifth request arriving together with four others is admitted
// when the first of them completes; the requester sees the delay.
TEST(UnitTiming, FullQueueDelaysTheNextRequestToTheFirstCompletion) {
  tlm::LatencyParams l = timingLatency();
  l.request_queue = 4;
  TimingBench b(timingUnitConfig(), l);
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(b.dmaAt(0, b.page(0)), t + kHitDone * kNs);
    EXPECT_EQ(b.dmaAt(0, b.page(0)), t + 2 * kHitDone * kNs);
    EXPECT_EQ(b.stat("queue_full_stalls"), 1);
    EXPECT_EQ(b.stat("queue_stall_ps"), double(kHitDone * kNs));
    EXPECT_EQ(b.dmaAt(0, b.page(0)), t + 2 * kHitDone * kNs) << "the four first are gone";
  });
}

// Arrivals out of simulated-time order (an initiator behind in time calls later): a
// request later in time holds neither the queue nor a walker against one earlier in time.
TEST(UnitTiming, RequestsLaterInTimeDoNotHoldEarlierOnes) {
  tlm::LatencyParams l = withWalkers(2);
  l.request_queue = 1;
  TimingBench b(timingUnitConfig(), l);
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(b.dmaAt(2000, b.page(1)), t + (2000 + kMissDone) * kNs);
    EXPECT_EQ(b.dmaAt(4000, b.page(2)), t + (4000 + kMissDone) * kNs) << "reuses the same walker";
    EXPECT_EQ(b.dmaAt(0, b.page(3)), t + kMissDone * kNs) << "the other walker was idle at T";
    EXPECT_EQ(b.dmaAt(4050, b.page(0)), t + (4000 + kMissDone + kHitDone) * kNs)
        << "behind the request in flight at its arrival (queue of 1)";
    EXPECT_EQ(b.stat("walker_waits"), 0);
  });
}

tlm::LatencyParams withLlc(double fraction) {
  tlm::LatencyParams l = timingLatency();
  l.walk_llc_hit_fraction = fraction;
  l.walk_llc_ns = 20;
  return l;
}

TEST(UnitTiming, WalkReadsAllFromTheLastLevelCache) {
  TimingBench b(timingUnitConfig(), withLlc(1.0));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    const size_t reads = b.memory.log.size();
    EXPECT_EQ(b.dmaAt(0, b.page(1)), t + (kFrontNs + 3 * 20 + kReadNs) * kNs);
    EXPECT_EQ(b.memory.log.size(), reads + 1) << "only the forwarded read reaches memory";
  });
}

TEST(UnitTiming, WalkReadsNoneFromTheLastLevelCache) {
  TimingBench b(timingUnitConfig(), withLlc(0.0));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(b.dmaAt(0, b.page(1)), t + kMissDone * kNs);
    EXPECT_EQ(b.stat("walk_llc_hits"), 0);
  });
}

TEST(UnitTiming, NonCoherentWalksNeverHitTheLastLevelCache) {
  UnitConfig c = timingUnitConfig();
  c.unit.coherent = false;
  TimingBench b(c, withLlc(1.0));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(b.dmaAt(0, b.page(1)), t + kMissDone * kNs);
  });
}

// Half the reads from the LLC: deterministic for a seed, and about half.
TEST(UnitTiming, LastLevelCacheFractionIsSeededAndHonoured) {
  TimingBench b(timingUnitConfig(), withLlc(0.5), 200);
  b.run([&] {
    b.warmContexts();
    for (unsigned i = 1; i < 200; ++i) b.dmaAt(0, b.page(i));
    const double hits = b.stat("walk_llc_hits"), reads = 3 * 199;
    EXPECT_NEAR(hits / reads, 0.5, 0.07);
  });
}

// A missing leaf: the walk reads the top entry only, then the fault record's cycles.
TEST(UnitTiming, FaultRecordCyclesAreCharged) {
  TimingBench b(timingUnitConfig(), timingLatency());
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    bool ok = true;
    EXPECT_EQ(b.dmaAt(0, 0x4000'0000, kDev, &ok), t + (kFrontNs + kReadNs + 20) * kNs);
    EXPECT_FALSE(ok);
    EXPECT_EQ(b.unit.model().stats().faults_recorded, 1u);
  });
}

// The fault event leaves once the record is written: after the walk's read here, after
// the lookups for a request that faults on an IOTLB hit (below). It does not delay the
// request further (posted).
TEST(UnitTiming, FaultEventFollowsTheRecordAfterTheWalk) {
  TimingBench b(timingUnitConfig(), timingLatency());
  b.run([&] {
    b.enableFaultEvents();
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(b.dmaAt(0, 0x4000'0000), t + (kFrontNs + kReadNs + 20) * kNs);
    ASSERT_EQ(b.msi.at_ps.size(), 1u);
    EXPECT_EQ(b.msi.at_ps[0], t + (kFrontNs + kReadNs + 20) * kNs);
  });
}

TEST(UnitTiming, FaultEventFollowsTheRecordAfterTheLookups) {
  TimingBench b(timingUnitConfig(), timingLatency());
  b.tables.map(b.top, 3, b.page(9), kFrames, PageSize::Size4K, kPermRead);
  b.run([&] {
    b.enableFaultEvents();
    b.warmContexts();
    b.dmaAt(0, b.page(9));  // fills the IOTLB
    sc_core::wait(1, sc_core::SC_US);
    const uint64_t t = b.nowPs();
    bool ok = true;
    EXPECT_EQ(b.dmaAt(0, b.page(9), kDev, &ok, true), t + (kFrontNs + 20) * kNs) << "a hit";
    EXPECT_FALSE(ok);
    ASSERT_EQ(b.msi.at_ps.size(), 1u);
    EXPECT_EQ(b.msi.at_ps[0], t + (kFrontNs + 20) * kNs);
  });
}

// Queued invalidation: an IOTLB-global descriptor then a wait with a status write, started
// by one IQT write. Fetch, entries removed, fetch, status write, in that order; the write
// that moved IQT returns when the queue is done.
TEST(UnitTiming, WaitStatusWriteFollowsTheInvalidationsBeforeIt) {
  tlm::LatencyParams l = timingLatency();
  l.invalidation_entry_cycles = 3;
  TimingBench b(timingUnitConfig(), l);
  constexpr uint64_t kQueue = 0x0060'0000, kStatus = 0x0080'0000;
  b.run([&] {
    RemappingUnit& m = b.unit.model();
    m.mmioWrite(reg::IQT, 8, 0);
    m.mmioWrite(reg::IQA, 8, kQueue);
    m.mmioWrite(reg::GCMD, 4, (uint32_t(m.mmioRead(reg::GSTS, 4)) & 0x96FF'FFFFu) | reg::gcmd::QIE);
    b.warmContexts();
    for (unsigned i = 1; i <= 4; ++i) b.dmaAt(0, b.page(i));  // 5 IOTLB entries with page 0
    b.memory.bytes.write64(kQueue, 0x2 | 1u << 4);            // IOTLB invalidation, global
    b.memory.bytes.write64(kQueue + 8, 0);
    b.memory.bytes.write64(kQueue + 16, 0x5 | 1u << 5 | uint64_t(0xABCD) << 32);  // wait, SW
    b.memory.bytes.write64(kQueue + 24, kStatus);
    sc_core::wait(10, sc_core::SC_US);
    const uint64_t removed0 = m.stats().iotlb_entries_invalidated;
    const size_t first = b.memory.log.size();
    const uint64_t t = b.nowPs();
    const uint64_t done = b.mmioWriteAt(0, reg::IQT, 32);
    ASSERT_EQ(m.stats().iotlb_entries_invalidated - removed0, 5u);
    ASSERT_EQ(b.memory.log.size(), first + 3);
    const uint64_t reg_ns = 100, entries_ns = 5 * 3;
    EXPECT_EQ(b.memory.log[first].at_ps, t + reg_ns * kNs) << "first fetch";
    EXPECT_EQ(b.memory.log[first + 1].at_ps, t + (reg_ns + kReadNs + entries_ns) * kNs)
        << "second fetch after the entries are gone";
    EXPECT_TRUE(b.memory.log[first + 2].write);
    EXPECT_EQ(b.memory.log[first + 2].at_ps, t + (reg_ns + 2 * kReadNs + entries_ns) * kNs)
        << "status write after both";
    EXPECT_EQ(done, t + (reg_ns + 2 * kReadNs + entries_ns + kWriteNs) * kNs);
    EXPECT_EQ(b.stat("invalidation_ps"), double(entries_ns * kNs));
  });
}

// Without contention the timelines add nothing: the mean miss penalty is the walk.
TEST(UnitTiming, MissPenaltyIsTheWalkWhenIdle) {
  TimingBench b(timingUnitConfig(), timingLatency());
  b.run([&] {
    b.warmContexts();
    for (unsigned i = 1; i < 20; ++i) {
      b.dmaAt(0, b.page(i));
      b.dmaAt(0, b.page(0));
      sc_core::wait(1, sc_core::SC_US);
    }
    EXPECT_DOUBLE_EQ(b.stat("translation_latency_hit_ns"), double(kFrontNs));
    EXPECT_DOUBLE_EQ(b.stat("miss_penalty_ns"), double(kWalkNs));
  });
}

}  // namespace
}  // namespace vtd::test
