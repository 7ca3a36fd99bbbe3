// SimConfig: every parameter of a vtdsim run, grouped as in the JSON file: unit.*,
// iotlb.*, context_cache.* (the remapping unit), latency.*, memory.*, uncore.* (the root
// complex's way to memory), platform.*, device.*, scenario.*, pcie.* (a device's PCIe
// link), pcie_bench.* (the pcie-bench-like workload of `vtdsim calibrate`), replay.* and
// curve.* (`vtdsim replay` and `vtdsim curve`, platform/replay/). Plain
// structs; one registry describes them all (--config, --set, effective_config.json,
// docs/params.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/unit/remapping_unit.h"
#include "platform/device_tlb.h"
#include "platform/devices/pcie_bench.h"
#include "platform/memory.h"
#include "platform/uncore_path.h"
#include "platform/pcie/pcie_params.h"
#include "platform/replay/replay_params.h"
#include "platform/scenario_params.h"
#include "tlm/latency_params.h"

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

struct PlatformParams {
  uint64_t dmar_base = 0xFED9'0000;  // q35's DMAR base
  uint32_t devices = 1;              // bus masters at 00:04.0, 00:05.0, ... (raised by `run`)
  uint32_t quantum_ns = 1000;        // temporal-decoupling quantum
  uint32_t device_gap_ns = 0;        // idle time a device spends between operations
  uint32_t vcpus = 1;                // physical CPUs running one vCPU each (APIC IDs 1..n)
  bool x2apic = false;               // the vCPUs' physical LAPICs in x2APIC mode

  void describe(ParamRegistry& r, const std::string& prefix);
};

struct SimConfig {
  // The run platform's unit is a Broadwell-EP-like server part (Xeon E5 v4 reports PI in
  // CAP): interrupt remapping and posted interrupts on (the model's own UnitParams default
  // to the minimal unit), and the IOTLB the pcie-bench measurements imply (CALIBRATION.md):
  // a fully associative LRU array of 118 entries, the effective capacity that reproduces
  // the miss fractions from 512 KiB to 16 MiB within a point (docs/calibration.md).
  SimConfig() {
    unit.unit.interrupt_remapping = true;
    unit.unit.posted_interrupts = true;
    unit.iotlb.entries = 118;
    unit.iotlb.ways = 0;
  }
  UnitConfig unit;
  tlm::LatencyParams latency;
  MemoryParams memory;
  UncoreParams uncore;
  PlatformParams platform;
  DeviceParams device;  // device.*: ATS of the bus masters
  ScenarioParams scenario;
  PcieParams pcie;
  PcieBenchParams pcie_bench;
  replay::ReplayParams replay;  // replay.*: `vtdsim replay`
  replay::CurveParams curve;    // curve.*: `vtdsim curve`

  void describe(ParamRegistry& r);
  // Cross-group checks (each group also validates itself); empty when consistent. The
  // scenario group is checked only for commands that run the embedded scenario.
  std::vector<std::string> validate(bool check_scenario = true) const;
  // The scenario's own checks (part of validate()).
  std::vector<std::string> validateScenario() const;
  // Gives the platform what the scenario needs: a bus master per device
  // (scenario.vms x scenario.devices_per_vm) and, when it has vCPUs at all, one per VM.
  void fitPlatformToScenario();
};

}  // namespace vtd::platform
