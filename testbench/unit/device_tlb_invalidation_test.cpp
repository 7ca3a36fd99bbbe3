// Device-TLB invalidation through the queue (ECAP.DT; VT-d 3.x 6.5.2.5, 6.5.2.10; FS 6.4,
// 6.12, 7.1, 7.3, 7.5): the type-3 descriptor's fields as the device receives them (SID,
// MIP, S and the size folded into ADDR), its reserved bits (IQEI 4), the time-out when no
// device answers (FSTS.ITE, IQERCD.ITESID, the fault event, the wait behind it aborted,
// nothing fetched until ITE is cleared), and the statistics. Descriptor encodings are typed
// from FS 6.4, not from model/invalidation/.
#include <vector>

#include "model/invalidation/device_tlb_port.h"
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test::qi {
namespace {

constexpr uint32_t kIte = 1u << 6;

// Type 3 (FS 6.4): MIP 20:16, SID 47:32; S 64, ADDR 127:76.
inline Desc devTlbDesc(uint16_t sid, uint64_t addr, bool s = false, unsigned mip = 0) {
  return {0x3 | uint64_t(mip & 0x1F) << 16 | uint64_t(sid) << 32, (addr & ~0xFFFull) | (s ? 1 : 0)};
}

// A device side that records each request and answers (or not) as told.
class FakeDevices : public DeviceTlbPort {
 public:
  DeviceTlbResult invalidateDeviceTlb(const DeviceTlbInvalidation& r) override {
    seen.push_back(r);
    DeviceTlbResult result;
    result.completed = r.sid.value != silent;
    result.entries_invalidated = result.completed ? 2 : 0;
    return result;
  }
  std::vector<DeviceTlbInvalidation> seen;
  uint16_t silent = 0xFFFF;  // this SID never answers
};

class DeviceTlbQueue : public QueueTest {
 protected:
  static constexpr uint16_t kEp = 0x0008;  // 00:01.0

  void SetUp() override {
    UnitConfig c;
    c.unit.device_tlb = true;
    setUpWith(c);
    unit().setDeviceTlbPort(&devices);
  }
  uint64_t itesid() { return (read64(kIqercd) >> 32) & 0xFFFF; }

  FakeDevices devices;
};

// FS 6.4: SID, MIP (0 means 32) and the range; S=0 is one 4 KiB page, S=1 folds the size
// into ADDR (bit 12 clear: 8 KiB; bits 19:12 set, 20 clear: 2 MiB; 62:12 set: everything).
TEST_F(DeviceTlbQueue, DescriptorReachesTheDevice) {
  submit({devTlbDesc(kEp, 0x1234'5000), devTlbDesc(kEp, 0x1234'4000, true, 4),
          devTlbDesc(kEp, 0x4000'0000 | 0xFF000, true),
          devTlbDesc(kEp, 0x7FFF'FFFF'FFFF'F000, true)});
  EXPECT_EQ(fsts(), 0u);
  ASSERT_EQ(devices.seen.size(), 4u);
  EXPECT_EQ(devices.seen[0].sid.value, kEp);
  EXPECT_EQ(devices.seen[0].max_pending, 32u);
  EXPECT_EQ(devices.seen[0].address, 0x1234'5000u);
  EXPECT_EQ(devices.seen[0].bytes, 4096u);
  EXPECT_EQ(devices.seen[1].max_pending, 4u);
  EXPECT_EQ(devices.seen[1].address, 0x1234'4000u);
  EXPECT_EQ(devices.seen[1].bytes, 8192u);
  EXPECT_EQ(devices.seen[2].address, 0x4000'0000u);
  EXPECT_EQ(devices.seen[2].bytes, 2ull << 20);
  EXPECT_TRUE(devices.seen[3].all);
  EXPECT_EQ(unit().stats().inv_desc_device_tlb, 4u);
  EXPECT_EQ(unit().stats().inv_device_tlb, 4u);
  EXPECT_EQ(unit().stats().inv_device_tlb_all, 1u);
  EXPECT_EQ(unit().stats().device_tlb_entries_invalidated, 8u);
  EXPECT_EQ(iqh(), 0x40u);
}

// FS 6.4 and QEMU's mask: qw0 bits 8:4, 15:12 (PFSID without DIT), 31:21, 63:48 and qw1
// bits 11:1 are reserved (IQEI 4); MIP, SID, S and ADDR are fields.
TEST_F(DeviceTlbQueue, ReservedBits) {
  for (unsigned bit = 4; bit < 128; ++bit) {
    if (bit >= 9 && bit <= 11) continue;  // type[6:4]: another type (UnsupportedTypes... covers it)
    const bool reserved = (bit >= 4 && bit <= 8) || (bit >= 12 && bit <= 15) ||
                          (bit >= 21 && bit <= 31) || (bit >= 48 && bit <= 63) ||
                          (bit >= 65 && bit <= 75);
    Desc d = devTlbDesc(kEp, 0x5000);
    (bit < 64 ? d.lo : d.hi) ^= 1ull << (bit % 64);
    const uint64_t before = iqh();
    submit({d});
    if (reserved) {
      EXPECT_EQ(fsts() & kIqe, kIqe) << "bit " << bit;
      EXPECT_EQ(iqei(), kReserved) << "bit " << bit;
      EXPECT_EQ(iqh(), before) << "bit " << bit;
      sys->memory.write64(base_ + before, waitDesc(false, false).lo);  // Linux's repair
      sys->memory.write64(base_ + before + 8, 0);
      write32(kFsts, kIqe);
    }
    EXPECT_EQ(fsts(), 0u) << "bit " << bit;
  }
}

// FS 6.12, 7.1, 7.3, 7.5: a request nobody answers: the wait behind it is fetched but
// aborted (no status write, no IWC), ITE is set with ITESID, a fault event is raised (held
// by FECTL.IM), and later descriptors are not fetched until ITE is cleared.
TEST_F(DeviceTlbQueue, TimeOutAbortsTheWaitAndStopsTheQueue) {
  warm();
  devices.silent = kEp;
  sys->memory.write64(kStatus, 0);
  sys->memory.write64(kStatus + 8, 0);
  const uint64_t head =
      submit({iotlbDesc(1), devTlbDesc(kEp, 0x3000), waitDesc(true, true, 0xD0E, kStatus),
              ccDesc(1), waitDesc(true, false, 0xAF7E, kStatus + 8)});
  EXPECT_EQ(head, 0x30u) << "IQH past the aborted wait";
  EXPECT_EQ(fsts(), kIte);
  EXPECT_EQ(itesid(), kEp);
  EXPECT_EQ(iqei(), 0u);
  EXPECT_EQ(sys->memory.read64(kStatus), 0u) << "the aborted wait writes no status";
  EXPECT_EQ(read32(kIcs), 0u) << "and sets no IWC";
  EXPECT_EQ(read32(kFectl), kIm | kIp);
  EXPECT_EQ(unit().iotlb().validCount(), 0u) << "the IOTLB invalidation before it ran";
  EXPECT_EQ(unit().contextCache().validCount(), 9u) << "the context invalidation behind it did not";
  EXPECT_EQ(unit().stats().inv_device_tlb_timeouts, 1u);
  EXPECT_EQ(unit().stats().inv_device_tlb_waits_aborted, 1u);

  // No fetching while ITE is set, even when IQT moves.
  submit({ccDesc(1)});
  EXPECT_EQ(iqh(), 0x30u);
  // Clearing ITE (RW1C) resumes from IQH.
  write32(kFsts, kIte);
  EXPECT_EQ(fsts(), 0u);
  EXPECT_EQ(iqh(), read64(kIqt));
  EXPECT_EQ(sys->memory.read64(kStatus + 8), 0xAF7Eu);
  EXPECT_EQ(unit().contextCache().validCount(), 0u);
}

// Without a port (no device at all) every request times out; with no wait behind it,
// ITE is set once the queue has drained. ITE is write-1-to-clear only.
TEST_F(DeviceTlbQueue, NoDeviceTimesOutAtTheEnd) {
  unit().setDeviceTlbPort(nullptr);
  EXPECT_EQ(submit({devTlbDesc(0x0100, 0), ccDesc(1)}), 0x20u);
  EXPECT_EQ(fsts(), kIte);
  EXPECT_EQ(itesid(), 0x0100u);
  write32(kFsts, 0);
  EXPECT_EQ(fsts(), kIte) << "writing 0 leaves it";
  write32(kFsts, kIte);
  EXPECT_EQ(fsts(), 0u);
}

// FS 7.5: ITE raises no new fault event while another event source (here IQE) is set;
// the queue stays stopped until both are clear.
TEST_F(DeviceTlbQueue, TimeOutWithAQueueErrorPending) {
  devices.silent = kEp;
  submit({devTlbDesc(kEp, 0), Desc{0xF, 0}});
  EXPECT_EQ(fsts(), kIqe | kIte);
  EXPECT_EQ(read32(kFectl), kIm | kIp);
  EXPECT_EQ(iqh(), 0x10u) << "IQH on the bad descriptor";
  sys->memory.write64(base_ + 0x10, waitDesc(false, false).lo);
  write32(kFsts, kIqe);
  EXPECT_EQ(iqh(), 0x10u) << "ITE still stops fetching";
  write32(kFsts, kIte);
  EXPECT_EQ(iqh(), 0x20u);
}

// Without ECAP.DT, ITE is not a writable bit and type 3 is an invalid type (FS 7.1, 7.3).
TEST(DeviceTlbWithoutDt, TypeThreeIsInvalid) {
  UnitConfig c;
  EXPECT_FALSE(c.unit.device_tlb);
  FlatMemory mem(1 << 20);
  RemappingUnit u(c, mem);
  EXPECT_EQ(u.queuedInvalidation().decoder().decode(0x3, 0).error, QueueError::InvalidType);
}

}  // namespace
}  // namespace vtd::test::qi
