// The scenario's parameters: the workload list (its text and JSON forms, mixed), checks that
// name the offending parameter, and the platform fitted to the scenario.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/common/param_registry.h"
#include "platform/sim_config.h"

namespace vtd::platform {
namespace {

std::string errorsOf(const SimConfig& c) {
  std::string all;
  for (const auto& e : c.validate()) all += e + "\n";
  return all;
}

TEST(ScenarioParams, WorkloadListsAreDealtToTheDevicesInOrder) {
  SimConfig c;
  ParamRegistry r;
  c.describe(r);
  EXPECT_EQ(c.scenario.workloadOf(0), WorkloadKind::Nic);
  r.setOverride("scenario.workload=nvme,bench");
  EXPECT_EQ(c.scenario.workloadOf(0), WorkloadKind::Nvme);
  EXPECT_EQ(c.scenario.workloadOf(1), WorkloadKind::Bench);
  EXPECT_EQ(c.scenario.workloadOf(2), WorkloadKind::Nvme);
  r.setOverride("scenario.workload=mixed");
  EXPECT_EQ(c.scenario.workloadOf(1), WorkloadKind::Nvme);
  EXPECT_EQ(c.scenario.workloadOf(2), WorkloadKind::Accel);
  EXPECT_EQ(c.scenario.workloadOf(3), WorkloadKind::Nic);
  r.loadJson(nlohmann::json::parse(R"({"scenario": {"workload": ["accel", "nic"]}})"));
  EXPECT_EQ(c.scenario.workloadOf(0), WorkloadKind::Accel);
  EXPECT_EQ(r.toJson()["scenario"]["workload"], "accel,nic");
  try {
    r.setOverride("scenario.workload=nic,disk");
    FAIL() << "accepted an unknown workload";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("scenario.workload"), std::string::npos) << what;
    EXPECT_NE(what.find("nic|nvme|accel|bench|mixed"), std::string::npos) << what;
  }
  EXPECT_THROW(r.loadJson(nlohmann::json::parse(R"({"scenario": {"workload": []}})")), ConfigError);
}

TEST(ScenarioParams, BadWorkloadSettingsNameTheirParameter) {
  SimConfig c;
  c.scenario.nic.mtu = 1000;
  EXPECT_NE(errorsOf(c).find("nic.mtu"), std::string::npos);
  c = SimConfig{};
  c.scenario.nic.rx_buffers = RxBuffers::PagePool;
  c.scenario.nic.buffer_bytes = 1024;
  EXPECT_NE(errorsOf(c).find("nic.buffer_bytes"), std::string::npos);
  c = SimConfig{};
  c.scenario.nvme.block_bytes = 1000;
  EXPECT_NE(errorsOf(c).find("nvme.block_bytes"), std::string::npos);
  c = SimConfig{};
  c.scenario.nvme.buffer_offset = 6;
  EXPECT_NE(errorsOf(c).find("nvme.buffer_offset"), std::string::npos);
  c = SimConfig{};
  c.scenario.vms = 4;
  c.scenario.devices_per_vm = 4;
  EXPECT_NE(errorsOf(c).find("at most 15"), std::string::npos);
  c = SimConfig{};
  c.scenario.vms = 8;
  EXPECT_NE(errorsOf(c).find("scenario.vms x scenario.vm_ram_mib exceeds memory.size_mib"), std::string::npos);
  c = SimConfig{};
  c.scenario.iommu = IommuMode::PassThrough;
  c.unit.unit.pass_through = false;
  EXPECT_NE(errorsOf(c).find("needs unit.pass_through"), std::string::npos);
  c = SimConfig{};
  c.scenario.iommu = IommuMode::Off;
  c.device.ats = true;
  c.unit.unit.device_tlb = true;
  EXPECT_NE(errorsOf(c).find("device.ats needs scenario.iommu=on"), std::string::npos);
  c = SimConfig{};
  c.scenario.workload = {WorkloadKind::Bench};
  c.pcie_bench.window_kib = 1u << 20;
  EXPECT_NE(errorsOf(c).find("pcie_bench.window_kib"), std::string::npos);
  EXPECT_EQ(errorsOf(SimConfig{}), "");
}

TEST(ScenarioParams, ThePlatformIsFittedToTheScenario) {
  SimConfig c;
  c.scenario.vms = 3;
  c.scenario.devices_per_vm = 2;
  c.fitPlatformToScenario();
  EXPECT_EQ(c.platform.devices, 6u);
  EXPECT_EQ(c.platform.vcpus, 3u);
  c.platform.vcpus = 0;  // no vCPUs at all is a choice, kept
  c.fitPlatformToScenario();
  EXPECT_EQ(c.platform.vcpus, 0u);
}

}  // namespace
}  // namespace vtd::platform
