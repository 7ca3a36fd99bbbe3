// KvmPassthroughScenario: the embedded default scenario of `vtdsim run`. The host side
// (firmware on the host CPU) brings the unit up in Linux's order, creates a KVM-style VM
// whose RAM is mapped into one domain as IOVA = guest-physical, and assigns the first
// device to it. The guest side writes a descriptor ring and buffers at guest-physical
// addresses; the device (NicRingProgram) then moves packets through the unit. The host
// services the device's MSIs and the unit's fault events, and at the end checks that
// every descriptor and received buffer holds what the device wrote, at host-physical
// address host_base + GPA, and that each stray DMA was blocked and recorded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/scenarios/device_interrupts.h"
#include "platform/scenarios/nic_ring_program.h"
#include "platform/vtd_platform.h"

namespace vtd::platform {

struct ScenarioReport {
  bool ok = false;                 // setup worked, data checks passed, faults as expected
  std::vector<std::string> problems;
  uint64_t packets = 0, rx_packets = 0, tx_packets = 0;
  std::string interrupt_delivery;  // posted, remapped or direct
  uint64_t device_msis = 0;        // MSIs the device sent
  uint64_t device_interrupts = 0;  // device MSIs the host took
  uint64_t guest_interrupts = 0;   // interrupts the guest's vCPU took (posted)
  DeviceInterrupts::LatencySummary msi_latency;  // MSI issue -> guest / host APIC
  uint64_t fault_interrupts = 0;   // fault events the host took
  uint64_t fault_records = 0;      // records the fault handler read and cleared
  uint64_t stray_blocked = 0;      // stray DMAs answered with an error
  sc_core::sc_time setup_time, dma_start, dma_end;
  double dma_host_seconds = 0;     // wall-clock time of the DMA phase
  std::vector<std::string> fault_log;  // one line per record read
};

class KvmPassthroughScenario {
 public:
  KvmPassthroughScenario(VtdPlatform& platform, const ScenarioParams& params);
  ~KvmPassthroughScenario();
  // Installs the host program; run sc_start() afterwards.
  void install();
  const ScenarioReport& report() const { return report_; }
  // The scenario's own modules (the vCPU scheduler under vcpu0.scheduler.*).
  void describeStats(StatRegistry& r) const;

 private:
  struct Host;  // firmware objects living on the CPU thread
  void run(HostCpu& cpu);
  bool setUp(HostCpu& cpu);
  void serviceInterrupts();
  void collectFaults();
  void verify(HostCpu& cpu);
  void problem(const std::string& what) { report_.problems.push_back(what); }

  VtdPlatform& platform_;
  ScenarioParams params_;
  std::unique_ptr<Host> host_;
  DeviceInterrupts interrupts_;
  std::unique_ptr<NicRingProgram> nic_;
  NicRingSetup setup_;
  std::vector<uint64_t> buffers_;  // guest-physical buffer of each ring slot
  std::vector<bool> rx_slot_;
  ScenarioReport report_;
};

}  // namespace vtd::platform
