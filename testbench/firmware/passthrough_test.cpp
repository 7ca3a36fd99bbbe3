// KVM-style passthrough against the model (DESIGN.md "KVM guest path"): guest RAM mapped
// IOVA = GPA -> host_base + GPA with 4 KiB, 2 MiB or 1 GiB leaves; sample GPAs of an
// assigned device translate to the host address with the expected page size; addresses
// outside guest RAM fault; VMs are isolated from each other.
#include <gtest/gtest.h>

#include <stdexcept>

#include "firmware/passthrough.h"
#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::LeafSize;

struct VmCase {
  uint64_t ram;
  uint64_t host_base;
  LeafSize leaf;
  PageSize expected;
  uint64_t leaves;  // leaves of the expected size
};
class PassthroughVmTest : public FirmwareTest, public ::testing::WithParamInterface<VmCase> {};

TEST_P(PassthroughVmTest, GuestPhysicalTranslatesToHostPhysical) {
  bringUp();
  fw::PassthroughManager pt(*driver);
  const VmCase& c = GetParam();
  fw::Vm& vm = pt.createVm(c.ram, c.host_base, c.leaf);
  ASSERT_TRUE(pt.assignDevice(vm, kSid));
  EXPECT_EQ(vm.ramBytes(), c.ram);
  EXPECT_EQ(vm.hostBase(), c.host_base);
  EXPECT_EQ(vm.domain().width_bits(), 48u) << "Linux's default width with SAGAW 39|48";
  EXPECT_EQ(driver->stats().leaves_mapped[unsigned(c.expected)], c.leaves);
  const std::vector<uint64_t> samples = {0, 0x1234, c.ram / 2 + 0x10, (c.ram / 3) & ~uint64_t(7), c.ram - 8};
  for (uint64_t gpa : samples) {
    const Translation r = dmaRead(gpa);
    ASSERT_TRUE(r.ok()) << std::hex << gpa;
    EXPECT_EQ(r.output, c.host_base + gpa) << std::hex << gpa;
    EXPECT_EQ(r.output, vm.gpaToHpa(gpa));
    EXPECT_EQ(r.page_size, c.expected) << std::hex << gpa;
    const Translation w = dmaWrite(gpa);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w.output, c.host_base + gpa);
  }
  EXPECT_EQ(dmaRead(c.ram).reason, FaultReason::ReadNotPermitted) << "beyond guest RAM";
  EXPECT_THROW(vm.gpaToHpa(c.ram), std::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(
    Leaves, PassthroughVmTest,
    ::testing::Values(VmCase{8ull << 20, 0x4000'0000, LeafSize::k4K, PageSize::Size4K, 2048},
                      VmCase{64ull << 20, 0x8000'0000, LeafSize::k2M, PageSize::Size2M, 32},
                      VmCase{2ull << 30, 4ull << 30, LeafSize::k1G, PageSize::Size1G, 2},
                      // Backed by 1 GiB pages but only 2 MiB aligned on the host: 2 MiB.
                      VmCase{1ull << 30, 0x4020'0000, LeafSize::k1G, PageSize::Size2M, 512},
                      // Asked for 2 MiB, host memory only 4 KiB aligned: 4 KiB.
                      VmCase{4ull << 20, 0x4000'1000, LeafSize::k2M, PageSize::Size4K, 1024}));

TEST_F(FirmwareTest, VmLeavesNeverExceedSllps) {
  UnitConfig config;
  config.unit.superpage_1g = false;
  build(config);
  bringUp();
  fw::PassthroughManager pt(*driver);
  fw::Vm& vm = pt.createVm(1ull << 30, 1ull << 30, LeafSize::k1G);
  ASSERT_TRUE(pt.assignDevice(vm, kSid));
  EXPECT_EQ(driver->stats().leaves_mapped[2], 0u);
  EXPECT_EQ(driver->stats().leaves_mapped[1], 512u);
  EXPECT_EQ(dmaRead(0x3000'0000).page_size, PageSize::Size2M);
  EXPECT_EQ(vm.leaf(), LeafSize::k1G) << "what was asked, not what was used";
}

TEST_F(FirmwareTest, VmsAreIsolated) {
  bringUp();
  fw::PassthroughManager pt(*driver);
  fw::Vm& a = pt.createVm(16ull << 20, 0x1'0000'0000, LeafSize::k2M);
  fw::Vm& b = pt.createVm(16ull << 20, 0x2'0000'0000, LeafSize::k2M);
  EXPECT_NE(a.domain().did(), b.domain().did());
  ASSERT_TRUE(pt.assignDevice(a, kSid));
  ASSERT_TRUE(pt.assignDevice(b, kSid2));
  EXPECT_FALSE(pt.assignDevice(b, kSid)) << "a device belongs to one VM";
  EXPECT_EQ(dmaRead(0x12'3456, kSid).output, 0x1'0012'3456u);
  EXPECT_EQ(dmaRead(0x12'3456, kSid2).output, 0x2'0012'3456u);
  EXPECT_EQ(a.devices(), std::vector<uint16_t>{kSid});
  // Releasing a device cuts it off from guest memory.
  ASSERT_TRUE(pt.releaseDevice(a, kSid));
  EXPECT_EQ(dmaRead(0x12'3456, kSid).reason, FaultReason::ContextNotPresent);
  EXPECT_FALSE(pt.releaseDevice(a, kSid));
}

TEST_F(FirmwareTest, VmWidthFollowsTheRequestOrTheRam) {
  bringUp();
  fw::PassthroughManager pt(*driver);
  EXPECT_EQ(pt.createVm(1ull << 20, 0, LeafSize::k4K, 39).domain().levels(), 3u);
  // 1 TiB of guest RAM does not fit 39 bits: the domain widens to 48.
  EXPECT_EQ(pt.createVm(1ull << 40, 0, LeafSize::k1G, 39).domain().width_bits(), 48u);
  EXPECT_THROW(pt.createVm(0, 0, LeafSize::k4K), std::runtime_error);
  EXPECT_THROW(pt.createVm(1ull << 20, 0x1001, LeafSize::k4K), std::runtime_error);
  EXPECT_EQ(pt.vms().size(), 2u);
}

}  // namespace
}  // namespace vtd::test
