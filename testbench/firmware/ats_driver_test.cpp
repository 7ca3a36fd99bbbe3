// The driver with queued invalidation and an ATS device (FS 4.2 TT=01, 6.1-6.6, 6.12,
// 9.C.1; Linux's order: IOTLB flush, then device-TLB flush): what reaches the device side
// (SID, range with the S encoding), in which order, and the refusals (ATS without ECAP.DT
// or without the queue).
#include <vector>

#include "model/invalidation/device_tlb_port.h"
#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

// Records each invalidate request with the unit's IOTLB page-invalidation count at that
// moment (so the test sees whether the IOTLB went first).
class RecordingDevices : public DeviceTlbPort {
 public:
  explicit RecordingDevices(const RemappingUnit& unit) : unit_(unit) {}
  DeviceTlbResult invalidateDeviceTlb(const DeviceTlbInvalidation& r) override {
    seen.push_back({r, unit_.stats().inv_iotlb_page + unit_.stats().inv_iotlb_domain});
    return {answer, 0};
  }
  struct Seen {
    DeviceTlbInvalidation request;
    uint64_t iotlb_invalidations_before;
  };
  std::vector<Seen> seen;
  bool answer = true;

 private:
  const RemappingUnit& unit_;
};

class AtsDriver : public FirmwareTest {
 protected:
  void SetUp() override {
    UnitConfig c;
    c.unit.device_tlb = true;
    fw::DriverOptions o;
    o.queued_invalidation = true;
    build(c, o);
    devices = std::make_unique<RecordingDevices>(sys->unit);
    sys->unit.setDeviceTlbPort(devices.get());
    bringUp();
  }
  std::unique_ptr<RecordingDevices> devices;
};

// FS 9.C.1: the queue is on (GSTS.QIES) and the driver's flushes went through it.
TEST_F(AtsDriver, EnablesTheQueue) {
  EXPECT_EQ(reg32(spec::kGsts) & (1u << 26), 1u << 26);
  EXPECT_GE(sys->unit.stats().inv_desc_wait, 2u);
  EXPECT_EQ(sys->unit.stats().inv_register_while_qi, 0u);
}

// TT=01 in the context entry; unmapping 2 MiB flushes the IOTLB page range, then the
// device-TLB of the same range (S=1 encoding: 2 MiB), for the ATS device only.
TEST_F(AtsDriver, UnmapFlushesIotlbThenDeviceTlb) {
  fw::Domain& d = driver->createDomain(48);
  ASSERT_TRUE(driver->attach(kSid, d, fw::ContextMode::DeviceTlb));
  ASSERT_TRUE(driver->attach(kSid2, d));
  EXPECT_EQ(driver->contextEntry(kSid)->tt, 1u);
  EXPECT_EQ(driver->contextEntry(kSid2)->tt, 0u);
  ASSERT_TRUE(driver->map(d, 0x4000'0000, 0x0200'0000, 2ull << 20, fw::Perm::ReadWrite));
  EXPECT_TRUE(dmaWrite(0x4001'0000).ok());
  const uint64_t before = sys->unit.stats().inv_iotlb_page + sys->unit.stats().inv_iotlb_domain;
  ASSERT_TRUE(driver->unmap(d, 0x4000'0000, 2ull << 20));
  ASSERT_EQ(devices->seen.size(), 1u);
  const auto& s = devices->seen[0];
  EXPECT_EQ(s.request.sid.value, kSid);
  EXPECT_EQ(s.request.address, 0x4000'0000u);
  EXPECT_EQ(s.request.bytes, 2ull << 20);
  EXPECT_EQ(s.iotlb_invalidations_before, before + 1) << "the IOTLB flush came first";
  EXPECT_EQ(driver->stats().inv_device_tlb, 1u);
}

// Detaching an ATS device flushes its whole device-TLB after the IOTLB.
TEST_F(AtsDriver, DetachFlushesTheWholeDeviceTlb) {
  fw::Domain& d = driver->createDomain(48);
  ASSERT_TRUE(driver->attach(kSid, d, fw::ContextMode::DeviceTlb));
  ASSERT_TRUE(driver->detach(kSid));
  ASSERT_EQ(devices->seen.size(), 1u);
  EXPECT_TRUE(devices->seen[0].request.all);
}

// FS 6.12: a device that does not answer: the call fails naming ITE, and the driver has
// cleared ITE so the queue runs again.
TEST_F(AtsDriver, TimeOutIsReportedAndCleared) {
  fw::Domain& d = driver->createDomain(48);
  ASSERT_TRUE(driver->attach(kSid, d, fw::ContextMode::DeviceTlb));
  ASSERT_TRUE(driver->map(d, 0x1000, 0x0200'0000, 4096, fw::Perm::ReadWrite));
  devices->answer = false;
  const fw::Status s = driver->unmap(d, 0x1000, 4096);
  EXPECT_FALSE(s);
  EXPECT_NE(s.error.find("ITE"), std::string::npos) << s.error;
  EXPECT_EQ(reg32(spec::kFsts), 0u);
  devices->answer = true;
  EXPECT_TRUE(driver->flushIotlbGlobal());
}

// ATS needs ECAP.DT, and the queue (device-TLB flushes exist only as descriptors).
TEST(AtsDriverRefusals, NeedDtAndTheQueue) {
  struct Case {
    bool dt, queue;
  };
  for (const Case c : {Case{false, true}, Case{true, false}}) {
    UnitConfig u;
    u.unit.device_tlb = c.dt;
    DirectSystem sys(u, 64ull << 20);
    fw::PhysAllocator allocator(sys.phys, 16ull << 20, 16ull << 20);
    fw::DriverOptions o;
    o.queued_invalidation = c.queue;
    fw::Hal hal{sys.mmio, sys.phys, sys.clock};
    fw::VtdDriver driver(hal, allocator, o);
    ASSERT_TRUE(driver.probe());
    ASSERT_TRUE(driver.enable());
    fw::Domain& d = driver.createDomain(48);
    const fw::Status s = driver.attach(0x18, d, fw::ContextMode::DeviceTlb);
    EXPECT_FALSE(s);
    EXPECT_NE(s.error.find(c.dt ? "queued invalidation" : "ECAP.DT"), std::string::npos) << s.error;
  }
}

}  // namespace
}  // namespace vtd::test
