// Multi-VM isolation through the firmware's passthrough manager: each VM is a domain over
// its own RAM, so the same guest-physical address from two VMs' devices lands in two
// different places, and a device aiming at another VM's RAM (its host-physical address,
// which is no guest-physical address of its own VM) is blocked and recorded.
#include "firmware/passthrough.h"
#include "testbench/system/system_fixture.h"

namespace vtd::test {
namespace {

using platform::DmaOp;

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kBase0 = 64 * kMiB, kBase1 = 96 * kMiB, kRam = 32 * kMiB;
constexpr uint64_t kGpa = 0x5000;

TEST_F(SystemTest, EachVmsDeviceDmaLandsOnlyInItsOwnRam) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::PassthroughManager manager(driver);
    fw::Vm& vm0 = manager.createVm(kRam, kBase0, fw::LeafSize::k4K);
    fw::Vm& vm1 = manager.createVm(kRam, kBase1, fw::LeafSize::k2M);
    ASSERT_NE(vm0.domain().did(), vm1.domain().did());
    ASSERT_TRUE(manager.assignDevice(vm0, top->devices[0]->source().value));
    ASSERT_TRUE(manager.assignDevice(vm1, top->devices[1]->source().value));
    std::memset(host(kBase1 + 0x9000, 64), 0x11, 64);
    // The same GPA from both VMs, then VM 0's device at VM 1's host-physical address.
    ScriptedProgram p0({{DmaOp::Write, kGpa, 64, 0xA0, nullptr}, {DmaOp::Write, kBase1 + 0x9000, 64, 0xA0, nullptr},
                        {DmaOp::Read, kBase1 + 0x9000, 64, 0, nullptr}});
    ScriptedProgram p1({{DmaOp::Write, kGpa, 64, 0xB1, nullptr}, {DmaOp::Write, kRam, 64, 0xB1, nullptr}});
    runDevice(cpu, 0, p0);
    runDevice(cpu, 1, p1);
    EXPECT_TRUE(p0.ok(0));
    EXPECT_TRUE(p1.ok(0));
    EXPECT_EQ(*host(kBase0 + kGpa), 0xA0);
    EXPECT_EQ(*host(kBase1 + kGpa), 0xB1);
    EXPECT_FALSE(p0.ok(1)) << "a VM's device wrote into another VM's RAM";
    EXPECT_FALSE(p0.ok(2)) << "a VM's device read another VM's RAM";
    EXPECT_EQ(*host(kBase1 + 0x9000), 0x11);
    EXPECT_FALSE(p1.ok(1)) << "just past guest RAM";
    EXPECT_EQ(*host(kBase1 + kRam), 0x00);  // nothing landed past VM 1's RAM either
    // Each blocked access is recorded with the requester that made it.
    const auto faults = driver.handleFaults();
    ASSERT_EQ(faults.size(), 3u);
    EXPECT_EQ(faults[0].source_id, top->devices[0]->source().value);
    EXPECT_EQ(faults[0].address, kBase1 + 0x9000);
    EXPECT_TRUE(faults[0].is_write);
    EXPECT_EQ(faults[2].source_id, top->devices[1]->source().value);
    EXPECT_EQ(faults[2].address, kRam);
  });
}

}  // namespace
}  // namespace vtd::test
