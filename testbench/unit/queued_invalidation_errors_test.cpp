// Queue errors (VT-d 3.x 6.5.2.10; FS 6.1, 6.12, 7.3, 7.5): each IQERCD.IQEI cause, IQH left
// on the offending descriptor, no fetching until software clears FSTS.IQE, resumption from
// IQH after the Linux-style repair, the fault event for IQE, every reserved bit of every
// accepted descriptor type, disabling QI with a stuck queue, and a failing status write.
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test::qi {
namespace {

class QueueErrors : public QueueTest {
 protected:
  // What Linux does after IQE (FS 6.12): overwrite the bad slot with a harmless wait,
  // then clear IQE (RW1C); the unit resumes at IQH.
  void repairAndResume() {
    const uint64_t head = iqh();
    sys->memory.write64(base_ + head, waitDesc(false, false).lo);
    sys->memory.write64(base_ + head + 8, 0);
    write32(kFsts, kIqe);
  }
  // Submits `d` alone; returns 0 when it was performed, else the IQEI it earned (and
  // repairs the queue so the next call starts clean).
  uint64_t verdict(const Desc& d) {
    const uint64_t before = iqh();
    submit({d});
    if (!(fsts() & kIqe)) return 0;
    EXPECT_EQ(iqh(), before) << "IQH stays on the offending descriptor";
    const uint64_t cause = iqei();
    repairAndResume();
    EXPECT_EQ(fsts() & kIqe, 0u);
    EXPECT_EQ(iqh(), read64(kIqt));
    return cause;
  }
  // Flips each bit of `base` from 4 to 127 (3:0 select the type: see UnsupportedTypes...)
  // and compares the verdict with `rule(bit)`: 0 accepted, else the IQEI.
  void sweep(const Desc& base, uint64_t (*rule)(unsigned bit)) {
    for (unsigned bit = 4; bit < 128; ++bit) {
      Desc d = base;
      (bit < 64 ? d.lo : d.hi) ^= 1ull << (bit % 64);
      EXPECT_EQ(verdict(d), rule(bit)) << "bit " << bit;
    }
  }
};

// FS 6.12, 7.3 (IQEI 3), 7.5: an unknown type stops the queue with IQH on it; descriptors
// before it were performed, those after it are not; the fault event is held (IM=1).
TEST_F(QueueErrors, UnknownTypeStopsTheQueue) {
  warm();
  sys->memory.write64(kStatus, 0);
  EXPECT_EQ(submit({ccDesc(1), Desc{0, 0}, waitDesc(true, false, 0xBEEF, kStatus)}), 0x10u);
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(iqei(), kType);
  EXPECT_EQ(unit().contextCache().validCount(), 0u) << "the first descriptor ran";
  EXPECT_EQ(sys->memory.read64(kStatus), 0u) << "the wait behind the error did not";
  EXPECT_EQ(read32(kFectl), kIm | kIp);
  EXPECT_EQ(read32(kGsts) & kQie, kQie) << "QI stays enabled";
  EXPECT_EQ(unit().stats().inv_queue_errors, 1u);
  EXPECT_EQ(unit().stats().inv_queue_error[kType], 1u);
}

// FS 6.12: no fetching while IQE is set, even when IQT moves; clearing IQE after the repair
// resumes at IQH and runs everything queued meanwhile. Clearing IQE retires the held
// fault event (FS 7.5: no other status bit is set).
TEST_F(QueueErrors, ClearingIqeResumesFromTheHead) {
  submit({waitDesc(false, false), Desc{0x0F, 0}});
  ASSERT_EQ(iqh(), 0x10u);
  EXPECT_EQ(submit({waitDesc(true, false, 0x55, kStatus)}), 0x10u) << "stopped";
  EXPECT_EQ(sys->memory.read64(kStatus), 0u);
  repairAndResume();
  EXPECT_EQ(iqh(), 0x30u);
  EXPECT_EQ(sys->memory.read64(kStatus) & 0xFFFFFFFF, 0x55u);
  EXPECT_EQ(fsts(), 0u);
  EXPECT_EQ(read32(kFectl), kIm) << "IP cleared with IQE";
}

// Clearing IQE without repairing: the same descriptor fails again, a new condition.
TEST_F(QueueErrors, ClearingIqeWithoutRepairFailsAgain) {
  submit({Desc{0x0F, 0}});
  write32(kFsts, kIqe);
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(iqh(), 0u);
  EXPECT_EQ(read32(kFectl), kIm | kIp);
  EXPECT_EQ(unit().stats().inv_queue_errors, 2u);
}

// FS 7.5: unmasked, IQE sends the fault event message; a later IQE while PPF is still set
// is not a new condition, so nothing more is sent.
TEST_F(QueueErrors, IqeRaisesTheFaultEventUnlessOneIsOutstanding) {
  write32(kFedata, 0x44);
  write32(kFeaddr, 0xFEE0'0000);
  write32(kFectl, 0);
  submit({Desc{0, 0}});
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x44u);
  EXPECT_EQ(read32(kFectl), 0u);
  repairAndResume();
  ASSERT_FALSE(dmaWrite(SourceId::fromBdf(0, 1, 0), 0x7000'0000).ok());  // unmapped: PPF
  ASSERT_EQ(sys->sink.messages.size(), 2u);
  submit({Desc{0, 0}});
  EXPECT_EQ(fsts() & (kIqe | kPpf), kIqe | kPpf);
  EXPECT_EQ(sys->sink.messages.size(), 2u) << "PPF was already set";
}

// FS 6.1 / 7.3: every type this unit does not accept earns IQEI 3: 0, device-TLB without
// ECAP.DT, interrupt-entry cache without ECAP.IR, the scalable-mode types 6-9, undefined
// 10-15, and any type with type[6:4] (bits 11:9) nonzero.
TEST_F(QueueErrors, UnsupportedTypesAreInvalid) {
  for (uint64_t type : {0x0ull, 0x3ull, 0x4ull, 0x6ull, 0x7ull, 0x8ull, 0x9ull, 0xAull, 0xFull}) {
    SCOPED_TRACE(type);
    EXPECT_EQ(verdict(Desc{type, 0}), kType);
  }
  for (uint64_t high = 1; high < 8; ++high) {
    SCOPED_TRACE(high);
    EXPECT_EQ(verdict(Desc{high << 9 | 0x5, 0}), kType) << "a wait with type[6:4] set";
  }
  EXPECT_EQ(unit().stats().inv_queue_error[kType], 16u);
}

// FS 6.2: context-cache descriptor from global (G=01). Reserved: 8:6, 15:12, 63:50, 127:64;
// G=00 (bit 4 cleared) is a reserved encoding; 11:9 change the type.
TEST_F(QueueErrors, ContextCacheReservedBits) {
  sweep(ccDesc(1), [](unsigned b) -> uint64_t {
    if (b >= 9 && b <= 11) return kType;
    const bool defined = b == 5 || (b >= 16 && b <= 49);
    return defined ? 0 : kReserved;  // bit 4: G 01 -> 00
  });
}

// FS 6.3: IOTLB descriptor from global. Reserved: 8, 15:12, 63:32, 75:71; DW (6) and DR (7)
// are defined because CAP.DWD/DRD are set by default.
TEST_F(QueueErrors, IotlbReservedBits) {
  sweep(iotlbDesc(1), [](unsigned b) -> uint64_t {
    if (b >= 9 && b <= 11) return kType;
    const bool defined =
        b == 5 || b == 6 || b == 7 || (b >= 16 && b <= 31) || (b >= 64 && b <= 70) || b >= 76;
    return defined ? 0 : kReserved;
  });
}

// Without CAP.DWD/DRD the drain bits are reserved (FS 6.3 "only if CAP.DWD/DRD").
TEST_F(QueueErrors, IotlbDrainBitsReservedWithoutDrainCapabilities) {
  UnitConfig c;
  c.unit.drain_reads = c.unit.drain_writes = false;
  setUpWith(c);
  EXPECT_EQ(verdict(iotlbDesc(1, 0, 0, 0, false, false, true)), kReserved);
  EXPECT_EQ(verdict(iotlbDesc(1, 0, 0, 0, false, true, false)), kReserved);
  EXPECT_EQ(verdict(iotlbDesc(1)), 0u);
}

// FS 6.6: wait descriptor. Reserved: 8, 31:12, 65:64; PD (7) without ECAP.PDS.
TEST_F(QueueErrors, WaitReservedBits) {
  sweep(waitDesc(false, false), [](unsigned b) -> uint64_t {
    if (b >= 9 && b <= 11) return kType;
    const bool defined = b == 4 || b == 5 || b == 6 || (b >= 32 && b <= 63) || b >= 66;
    return defined ? 0 : kReserved;
  });
}

// FS 6.2, 6.3: G=00 is reserved in both invalidation descriptors.
TEST_F(QueueErrors, ReservedGranularity) {
  EXPECT_EQ(verdict(ccDesc(0)), kReserved);
  EXPECT_EQ(verdict(iotlbDesc(0)), kReserved);
  EXPECT_EQ(unit().stats().inv_queue_error[kReserved], 2u);
}

// FS 7.3 IQEI 2: a descriptor that cannot be read. The queue's second page lies beyond
// memory: the 257th descriptor fails and IQH stops at 0x1000.
TEST_F(QueueErrors, FetchErrorLeavesTheHeadOnTheDescriptor) {
  disableQi();
  setUpQueue(1, kMemoryBytes - 0x1000);
  enableQi();
  for (unsigned i = 0; i < 256; ++i) put(waitDesc(false, false));
  EXPECT_EQ(submit({waitDesc(false, false)}), 0x1000u);
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(iqei(), kFetch);
}

// FS 7.3 IQEI 1: a tail beyond the queue (2^QS pages). Nothing is fetched.
TEST_F(QueueErrors, TailBeyondTheQueue) {
  put(waitDesc(true, false, 1, kStatus));
  write64(kIqt, 0x1000);  // QS=0: the queue is 0x1000 bytes
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(iqei(), kTail);
  EXPECT_EQ(iqh(), 0u);
  EXPECT_EQ(sys->memory.read64(kStatus), 0u);
  write64(kIqt, 0x10);
  write32(kFsts, kIqe);  // corrected tail, then clear: resumes
  EXPECT_EQ(iqh(), 0x10u);
  EXPECT_EQ(sys->memory.read64(kStatus), 1u);
}

// FS 6.1, 7.3 IQEI 5: 256-bit descriptors (IQA.DW=1) need scalable-mode support
// (ECAP.SMTS), which this unit lacks. DW is stored; the error comes at the first fetch.
TEST_F(QueueErrors, WideDescriptorsAreAnInvalidWidth) {
  disableQi();
  write64(kIqa, kQueue | kIqaDw);
  EXPECT_EQ(read64(kIqa), kQueue | kIqaDw);
  enableQi();
  EXPECT_EQ(fsts(), 0u) << "empty queue: nothing fetched yet";
  submit({waitDesc(false, false)});
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(iqei(), kWidth);
  EXPECT_EQ(iqh(), 0u);
}

// FS 7.3: IQERCD.IQEI names the latest error.
TEST_F(QueueErrors, IqercdNamesTheLatestCause) {
  EXPECT_EQ(verdict(Desc{0, 0}), kType);
  EXPECT_EQ(verdict(ccDesc(0)), kReserved);
  EXPECT_EQ(iqei(), kReserved);
  EXPECT_EQ(read64(kIqercd) >> 4, 0u) << "ITESID/ICESID: no device-TLB";
}

// FS 3.1, 9.B.2: software should disable QI only with an empty queue. Disabling with an
// error-stopped queue still takes effect: QIES clears, IQH resets, the rest is dropped
// (counted); IQE stays until software clears it, which then fetches nothing.
TEST_F(QueueErrors, DisablingAStuckQueue) {
  submit({waitDesc(false, false), Desc{0, 0}, waitDesc(true, false, 3, kStatus)});
  ASSERT_EQ(iqh(), 0x10u);
  disableQi();
  EXPECT_EQ(read32(kGsts) & kQie, 0u);
  EXPECT_EQ(iqh(), 0u);
  EXPECT_EQ(read64(kIqt), 0x30u);
  EXPECT_EQ(fsts(), kIqe);
  EXPECT_EQ(unit().stats().inv_queue_disabled_nonempty, 1u);
  write32(kFsts, kIqe);
  EXPECT_EQ(iqh(), 0u);
  EXPECT_EQ(sys->memory.read64(kStatus), 0u);
}

// FS 6.6, 7.3: a status write that memory refuses has no queue-error code; the wait
// completes (IF still signals), the queue goes on, and the failure is counted.
TEST_F(QueueErrors, FailingStatusWriteStillCompletesTheWait) {
  EXPECT_EQ(submit({waitDesc(true, true, 1, kMemoryBytes + 0x1000), waitDesc(false, false)}),
            0x20u);
  EXPECT_EQ(fsts(), 0u);
  EXPECT_EQ(read32(kIcs), kIwc);
  EXPECT_EQ(unit().stats().inv_queue_status_write_failed, 1u);
}

// FS 7.1: ICE and ITE belong to device-TLB invalidation (ECAP.DT): without DT they never
// set and software cannot set them; IQE cannot be set by software either (RW1C).
TEST_F(QueueErrors, DeviceTlbErrorBitsStayClear) {
  write32(kFsts, 0xFFFFFFFF);
  EXPECT_EQ(fsts(), 0u);
  EXPECT_EQ(verdict(Desc{0x3, 0}), kType);
  EXPECT_EQ(fsts() & 0x60, 0u);
}

}  // namespace
}  // namespace vtd::test::qi
