// ATS end to end (VT-d 3.x 4.1-4.3, 6.5.2.5; FS 4.2 TT=01, 6.4, 6.12; PCIe ATS): the
// firmware attaches an ATS device with TT=01 over queued invalidation, the device's ATC
// fills from translation requests and sends translated requests, an unmap flushes the
// IOTLB and then the device-TLB (Linux's order), a flush that skips the device-TLB leaves
// the device on its old translation, and a device that never answers gives ITE.
#include "testbench/system/system_fixture.h"

namespace vtd::test {
namespace {

using platform::DmaOp;

constexpr uint64_t kIova = 0x0765'4000, kPhys = 0x0500'0000, kOther = 0x0510'0000;
constexpr uint32_t kFsts = 0x34;

class AtsSystemTest : public SystemTest {
 protected:
  AtsSystemTest() {
    config.unit.unit.device_tlb = true;
    config.device.ats = true;
    driver_options.queued_invalidation = true;
  }
  platform::DmaMaster& device() { return *top->devices[0]; }
  uint16_t sid() { return top->devices[0]->source().value; }
  fw::Domain& attachAts(fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    EXPECT_TRUE(driver.map(d, kIova, kPhys, 4096, fw::Perm::ReadWrite));
    auto s = driver.attach(sid(), d, fw::ContextMode::DeviceTlb);
    EXPECT_TRUE(s) << s.error;
    return d;
  }
};

// FS 4.2: the firmware writes TT=01; one translation request fills the ATC, then both
// writes go out translated (AT=10) and land at the physical page.
TEST_F(AtsSystemTest, TranslatedRequestsUseTheDeviceTlb) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    attachAts(driver);
    EXPECT_EQ(driver.contextEntry(sid())->tt, 1u);
    ScriptedProgram p({{DmaOp::Write, kIova + 0x100, 64, 0x5A, nullptr},
                       {DmaOp::Write, kIova + 0x200, 64, 0x5B, nullptr}});
    runDevice(cpu, 0, p);
    ASSERT_TRUE(p.ok(0) && p.ok(1));
    EXPECT_EQ(*host(kPhys + 0x100), 0x5A);
    EXPECT_EQ(*host(kPhys + 0x200), 0x5B);
    EXPECT_EQ(device().stats().translation_requests, 1u);
    EXPECT_EQ(device().stats().translated_requests, 2u);
    EXPECT_EQ(device().stats().atc_hits, 1u);
    EXPECT_EQ(top->vtd.model().stats().ats_translated_requests, 2u);
    EXPECT_EQ(top->vtd.model().stats().iotlb_lookup, 1u) << "translated requests skip the IOTLB";
  });
}

// FS 6.4, Linux's order: unmap invalidates the IOTLB, then the device-TLB; the device's
// next write finds no entry, gets R=W=0 and goes untranslated, which faults 0x5.
TEST_F(AtsSystemTest, UnmapFlushesTheDeviceTlbAfterTheIotlb) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = attachAts(driver);
    ScriptedProgram warm({{DmaOp::Write, kIova, 8, 0x11, nullptr}});
    runDevice(cpu, 0, warm);
    ASSERT_EQ(device().deviceTlb()->validCount(), 1u);
    const auto& u = top->vtd.model().stats();
    const uint64_t iotlb_before = u.inv_desc_iotlb_page;
    ASSERT_TRUE(driver.unmap(d, kIova, 4096));
    EXPECT_EQ(u.inv_desc_iotlb_page, iotlb_before + 1);
    EXPECT_EQ(u.inv_desc_device_tlb, 1u);
    EXPECT_EQ(u.inv_device_tlb, 1u);
    EXPECT_EQ(device().stats().atc_entries_invalidated, 1u);
    EXPECT_EQ(device().deviceTlb()->validCount(), 0u);
    EXPECT_EQ(driver.stats().inv_device_tlb, 1u);
    ScriptedProgram after({{DmaOp::Write, kIova, 8, 0x22, nullptr}});
    runDevice(cpu, 0, after);
    EXPECT_FALSE(after.ok(0));
    EXPECT_EQ(*host(kPhys), 0x11) << "nothing written through the old translation";
    EXPECT_EQ(u.fault_reason[0x5], 1u);
  });
}

// What the device-TLB flush is for: the tables change and only the IOTLB is invalidated;
// the device keeps writing through the translation in its ATC (as hardware would).
TEST_F(AtsSystemTest, IotlbFlushAloneLeavesTheDeviceTlbStale) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = attachAts(driver);
    ScriptedProgram warm({{DmaOp::Write, kIova, 8, 0x11, nullptr}});
    runDevice(cpu, 0, warm);
    ASSERT_TRUE(driver.unmap(d, kIova, 4096));  // flushes both
    ASSERT_TRUE(driver.map(d, kIova, kOther, 4096, fw::Perm::ReadWrite));
    ScriptedProgram refill({{DmaOp::Write, kIova, 8, 0x33, nullptr}});
    runDevice(cpu, 0, refill);
    ASSERT_TRUE(refill.ok(0));
    EXPECT_EQ(*host(kOther), 0x33);
    // Now repoint the leaf behind the driver's back and invalidate the IOTLB only.
    const auto leaf = d.lookup(kIova);
    ASSERT_TRUE(leaf);
    const uint64_t pte = kPhys | 3;
    std::memcpy(host(leaf->entry_address, 8), &pte, 8);
    ASSERT_TRUE(driver.flushIotlbGlobal());
    ScriptedProgram stale({{DmaOp::Write, kIova, 8, 0x44, nullptr}});
    runDevice(cpu, 0, stale);
    EXPECT_EQ(*host(kOther), 0x44) << "the ATC still translates to the old page";
    EXPECT_EQ(*host(kPhys), 0x11);
  });
}

// FS 6.12, 7.1: a device that never answers invalidate requests: the unit sets ITE, the
// firmware's wait fails, it clears ITE and reports the time-out with ITESID.
TEST_F(AtsSystemTest, DeviceThatNeverAnswersGivesIte) {
  config.device.ats_timeout = true;
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = attachAts(driver);
    ScriptedProgram warm({{DmaOp::Write, kIova, 8, 0x11, nullptr}});
    runDevice(cpu, 0, warm);
    const auto s = driver.unmap(d, kIova, 4096);
    EXPECT_FALSE(s);
    EXPECT_NE(s.error.find("ITE"), std::string::npos) << s.error;
    EXPECT_NE(s.error.find("00:04.0"), std::string::npos) << s.error;
    const auto& u = top->vtd.model().stats();
    EXPECT_EQ(u.inv_device_tlb_timeouts, 1u);
    EXPECT_EQ(u.inv_device_tlb_waits_aborted, 1u);
    EXPECT_EQ(driver.stats().inv_queue_timeouts, 1u);
    EXPECT_EQ(top->vtd.model().mmioPeek(kFsts, 4) & 0x40, 0u) << "the firmware cleared ITE";
    EXPECT_EQ(device().deviceTlb()->validCount(), 1u) << "the device kept its entry";
  });
}

// Without device.ats nothing changes: untranslated requests, no translation requests.
TEST_F(SystemTest, DevicesWithoutAtsSendUntranslatedRequests) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    ASSERT_TRUE(driver.map(d, kIova, kPhys, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    ScriptedProgram p({{DmaOp::Write, kIova, 8, 0x77, nullptr}});
    runDevice(cpu, 0, p);
    EXPECT_TRUE(p.ok(0));
    EXPECT_FALSE(top->devices[0]->atsEnabled());
    EXPECT_EQ(top->devices[0]->stats().translation_requests, 0u);
    EXPECT_EQ(top->vtd.model().stats().ats_translation_requests, 0u);
  });
}

}  // namespace
}  // namespace vtd::test
