// KvmPassthroughScenario: the scenario of `vtdsim run`. The host side (firmware on the host
// CPU) brings the unit up in Linux's order and creates scenario.vms KVM-style VMs: VM k's
// RAM lives at host_base + k x vm_ram and, with the IOMMU on, is mapped into a domain of
// its own as IOVA = guest-physical (scenario.leaf), its scenario.devices_per_vm devices
// assigned to it (pass-through contexts, or translation off, for scenario.iommu=
// passthrough|off). The devices' MSIs are set up per VM (DeviceInterrupts). Each device's
// guest driver then lays out its workload in its VM's RAM (workloads/*: NIC rings, NVMe
// queues, accelerator jobs, a pcie-bench window) and the devices run together. The host
// services MSIs and the unit's fault events; the drivers check every completion as it
// comes; at the end each workload reports what did not add up, each stray DMA must have
// been blocked and recorded, and each device's share of the unit's counters (UnitShare)
// gives the per-device and per-VM figures of the summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/scenarios/device_interrupts.h"
#include "platform/scenarios/event_funnel.h"
#include "platform/vtd_platform.h"
#include "platform/workloads/backdoor_memory.h"
#include "platform/workloads/unit_share.h"
#include "platform/workloads/workload.h"

namespace vtd::platform {

struct DeviceReport {
  uint32_t index = 0, vm = 0;
  std::string workload, unit_name;
  uint64_t units = 0, payload_bytes = 0, active_ps = 0;
  UnitCounts unit;  // its share of the unit's counters
  // Payload bits per ns of the device's active time.
  double gbps() const { return active_ps ? double(payload_bytes) * 8.0 * 1000.0 / double(active_ps) : 0.0; }
};

struct VmReport {
  uint32_t index = 0;
  uint64_t payload_bytes = 0;
  UnitCounts unit;
};

struct ScenarioReport {
  bool ok = false;                 // setup worked, data checks passed, faults as expected
  std::vector<std::string> problems;
  uint64_t packets = 0, rx_packets = 0, tx_packets = 0;  // NIC devices together
  std::string interrupt_delivery;  // posted, remapped or direct
  std::string iommu;               // on, off or passthrough
  uint64_t device_msis = 0;        // MSIs the devices sent
  uint64_t device_interrupts = 0;  // device MSIs the host took
  uint64_t guest_interrupts = 0;   // interrupts the guests' vCPUs took (posted)
  LatencySummary msi_latency;      // MSI issue -> guest / host APIC
  uint64_t fault_interrupts = 0;   // fault events the host took
  uint64_t fault_records = 0;      // records the fault handler read and cleared
  uint64_t stray_blocked = 0;      // stray DMAs answered with an error
  sc_core::sc_time setup_time, dma_start, dma_end;
  double dma_host_seconds = 0;     // wall-clock time of the DMA phase
  std::vector<std::string> fault_log;  // one line per record read
  std::vector<DeviceReport> devices;
  std::vector<VmReport> vms;
  uint64_t payload_bytes = 0;
  UnitCounts unit;                 // the devices' shares together
  double dmaPhaseNs() const { return (dma_end - dma_start).to_seconds() * 1e9; }
};

class KvmPassthroughScenario {
 public:
  // Elaboration time: the workloads (and their device modules), interrupts per VM.
  KvmPassthroughScenario(VtdPlatform& platform, const ScenarioParams& params);
  ~KvmPassthroughScenario();
  // Installs the host program; run sc_start() afterwards.
  void install();
  const ScenarioReport& report() const { return report_; }
  const Workload& workload(uint32_t device) const { return *workloads_[device]; }
  // Guest RAM of VM k as its drivers see it (valid once the host program has set it up).
  const GuestVm& vm(uint32_t k) const { return vms_[k]; }
  // scenario.*, sim.* (but sim.host_s), per-device device<i>.* and per-VM vm<k>.* figures,
  // the workloads' own statistics, and the vCPU schedulers (vcpu<k>.scheduler.*).
  void describeStats(StatRegistry& r) const;

 private:
  struct Host;  // firmware objects living on the CPU thread
  void run(HostCpu& cpu);
  bool setUp(HostCpu& cpu);
  void setUpVm(uint32_t k);
  bool setUpWorkloads(HostCpu& cpu);
  void serviceInterrupts();
  void collectFaults();
  void finishInterrupts();
  void verify();
  void fillReports();
  bool anyBusy() const;
  void problem(const std::string& what) { report_.problems.push_back(what); }

  VtdPlatform& platform_;
  ScenarioParams params_;
  std::unique_ptr<Host> host_;
  std::vector<std::unique_ptr<UnitShare>> shares_;       // per device
  std::vector<std::unique_ptr<Workload>> workloads_;     // per device
  std::vector<std::unique_ptr<DeviceInterrupts>> interrupts_;  // per VM
  std::unique_ptr<EventFunnel> any_done_;
  BackdoorMemory backdoor_;
  std::vector<GuestVm> vms_;
  std::vector<std::unique_ptr<GuestPageAllocator>> pages_;  // per VM
  std::vector<std::unique_ptr<GuestRam>> rams_;             // per VM
  std::vector<uint64_t> host_taken_;                        // per VM: device MSIs the host took
  InterruptDelivery delivery_;
  ScenarioReport report_;
};

}  // namespace vtd::platform
