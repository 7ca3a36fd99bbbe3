// Each workload through the firmware on the platform (the scenario of `vtdsim run`, small):
// the host brings the unit up, creates the VMs and assigns the devices; the devices run;
// every completion is checked by its guest driver and every stray DMA must be blocked.
// Also: several VMs at once, the IOMMU off and pass-through for the same workload.
#include <gtest/gtest.h>

#include <memory>
#include <systemc>

#include "platform/scenarios/kvm_passthrough.h"

namespace vtd::test {
namespace {

using platform::IommuMode;
using platform::WorkloadKind;

class ScenarioTest : public ::testing::Test {
 protected:
  ScenarioTest() {
    auto& s = config.scenario;
    s.packets = 3000;
    s.nvme.commands = 400;
    s.accel.jobs = 8;
    s.accel.job_bytes = 256 * 1024;
    config.pcie_bench.requests = 4000;
    config.pcie_bench.warmup_requests = 400;
    config.pcie_bench.window_kib = 1024;
  }
  void run() {
    config.fitPlatformToScenario();
    const auto errors = config.validate();
    ASSERT_TRUE(errors.empty()) << errors.front();
    top = std::make_unique<platform::VtdPlatform>("top", config);
    scenario = std::make_unique<platform::KvmPassthroughScenario>(*top, config.scenario);
    scenario->install();
    sc_core::sc_start();
    ASSERT_TRUE(top->cpu.hasFinished());
    for (const auto& p : report().problems) ADD_FAILURE() << p;
  }
  const platform::ScenarioReport& report() const { return scenario->report(); }
  const UnitStats& unit() const { return top->vtd.model().stats(); }
  // The devices' shares add up to the unit's own counts: nothing is lost or counted twice.
  void expectSharesAddUp() const {
    EXPECT_EQ(report().unit.dma_requests, unit().dma_requests);
    EXPECT_EQ(report().unit.iotlb_lookup, unit().iotlb_lookup);
    EXPECT_EQ(report().unit.iotlb_hit, unit().iotlb_hit);
    EXPECT_EQ(report().unit.walk_reads, unit().walk_reads);
  }

  platform::SimConfig config;
  std::unique_ptr<platform::VtdPlatform> top;
  std::unique_ptr<platform::KvmPassthroughScenario> scenario;
};

TEST_F(ScenarioTest, NicWithPagePoolSplitRingsImixAndLineRate) {
  auto& s = config.scenario;
  s.nic.rings = platform::NicRings::Split;
  s.nic.rx_buffers = platform::RxBuffers::PagePool;
  s.nic.sizes = platform::PacketSizes::Imix;
  s.nic.line_gbps = 25;
  run();
  EXPECT_TRUE(report().ok);
  EXPECT_EQ(report().packets, 3000u);
  EXPECT_EQ(report().stray_blocked, 2u);
  EXPECT_EQ(report().fault_records, 2u);
  ASSERT_EQ(report().devices.size(), 1u);
  const auto& d = report().devices[0];
  EXPECT_EQ(d.workload, "nic");
  EXPECT_GT(d.gbps(), 0.5);
  EXPECT_LT(d.gbps(), 2 * 25.0);  // two directions at 25 Gb/s at most
  EXPECT_GT(unit().iotlb_hit, 0u);
  expectSharesAddUp();
}

TEST_F(ScenarioTest, NvmeWithPrpListsThroughTheFirmware) {
  auto& s = config.scenario;
  s.workload = {WorkloadKind::Nvme};
  s.nvme.block_bytes = 65536;
  s.nvme.buffer_offset = 512;
  s.nvme.queue_depth = 16;
  run();
  EXPECT_TRUE(report().ok);
  ASSERT_EQ(report().devices.size(), 1u);
  EXPECT_EQ(report().devices[0].units, 400u);
  EXPECT_EQ(report().devices[0].payload_bytes, 400u * 65536);
  EXPECT_EQ(report().stray_blocked, 2u);
  EXPECT_EQ(report().device_msis, 400u);
  EXPECT_EQ(report().guest_interrupts > 0, true);
  expectSharesAddUp();
}

TEST_F(ScenarioTest, AcceleratorThroughTheFirmware) {
  auto& s = config.scenario;
  s.workload = {WorkloadKind::Accel};
  s.accel.output_ratio = 0.5;
  s.alloc = platform::AllocPolicy::Contiguous;
  s.leaf = platform::LeafChoice::k2M;
  run();
  EXPECT_TRUE(report().ok);
  EXPECT_EQ(report().devices[0].units, 8u);
  EXPECT_EQ(report().devices[0].payload_bytes, 8u * (256 + 128) * 1024);
  // Contiguous buffers in 2 MiB leaves: a handful of entries cover them all.
  EXPECT_GT(report().devices[0].unit.hitRate(), 0.99);
  expectSharesAddUp();
}

TEST_F(ScenarioTest, PcieBenchInGuestRamThroughTheFirmware) {
  config.scenario.workload = {WorkloadKind::Bench};
  run();
  EXPECT_TRUE(report().ok);
  const auto& d = report().devices[0];
  EXPECT_EQ(d.workload, "bench");
  EXPECT_EQ(d.units, 4000u);
  EXPECT_EQ(d.payload_bytes, 4000u * 64);
  EXPECT_EQ(report().stray_blocked, 0u);  // the generator issues none
  // 1 MiB of 4 KiB pages: 256 entries of a 118-entry IOTLB, random offsets: many misses.
  EXPECT_GT(d.unit.missesPerMib(), 1000.0);
  expectSharesAddUp();
}

// Two VMs, two devices each (nic, nvme): each VM is its own domain over its own RAM. Each
// guest driver checks its device's writes at its own VM's host-physical addresses, so a
// DMA landing in the other VM's RAM would fail those checks; every device's strays fault.
TEST_F(ScenarioTest, TwoVmsWithMixedDevicesEachInItsOwnDomain) {
  auto& s = config.scenario;
  s.vms = 2;
  s.devices_per_vm = 2;
  s.workload = {WorkloadKind::Nvme, WorkloadKind::Nic};
  s.vm_ram_mib = 64;
  run();
  EXPECT_TRUE(report().ok);
  ASSERT_EQ(report().devices.size(), 4u);
  EXPECT_EQ(report().devices[1].workload, "nic");
  EXPECT_EQ(report().devices[2].workload, "nvme");
  EXPECT_EQ(report().devices[2].vm, 1u);
  EXPECT_EQ(scenario->vm(1).host_base, scenario->vm(0).host_base + (64u << 20));
  EXPECT_EQ(report().stray_blocked, 4u * 2);
  ASSERT_EQ(report().vms.size(), 2u);
  for (const auto& v : report().vms) EXPECT_GT(v.payload_bytes, 0u);
  // Context entries of two domains: one context-cache miss per device at least.
  EXPECT_GE(unit().ctxt_cache_lookup - unit().ctxt_cache_hit, 4u);
  EXPECT_EQ(top->vcpus.size(), 2u);  // a vCPU per VM
  EXPECT_GT(top->vcpus[1]->stats().guest_interrupts, 0u);
  expectSharesAddUp();
}

TEST_F(ScenarioTest, TheSameWorkloadWithTheIommuOff) {
  config.scenario.workload = {WorkloadKind::Nvme};
  config.scenario.iommu = IommuMode::Off;
  run();
  EXPECT_TRUE(report().ok);
  EXPECT_EQ(report().interrupt_delivery, "direct");
  EXPECT_EQ(unit().dma_untranslated, unit().dma_requests);
  EXPECT_EQ(unit().translations, 0u);
  EXPECT_EQ(unit().faults, 0u);
  EXPECT_EQ(report().stray_blocked, 0u);
  EXPECT_EQ(report().devices[0].units, 400u);
}

TEST_F(ScenarioTest, TheSameWorkloadThroughPassThroughContexts) {
  config.scenario.workload = {WorkloadKind::Accel};
  config.scenario.iommu = IommuMode::PassThrough;
  run();
  EXPECT_TRUE(report().ok);
  EXPECT_EQ(unit().dma_pass_through, unit().dma_requests);
  EXPECT_EQ(unit().iotlb_lookup, 0u);
  EXPECT_EQ(report().devices[0].units, 8u);
}

}  // namespace
}  // namespace vtd::test
