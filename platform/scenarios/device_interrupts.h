// DeviceInterrupts: the interrupt side of one VM of the run scenario, as Linux and KVM set it
// up for assigned devices. Device d (of the whole scenario) sends vector device_vector + d.
// By the delivery mode (ScenarioParams::interrupts):
//  - posted: the host enables interrupt remapping, writes a posted-format IRTE per device
//    that posts its vector into the VM's vCPU's posted-interrupt descriptor (KVM's irq
//    bypass, as vmx_pi_update_irte does), and runs KVM's descriptor policy on every
//    transition of the vCPU (fw::PostedInterruptPolicy through the Vcpu's transition hook),
//    which a VcpuScheduler runs, preempts and halts; the guest takes the vectors. VM k runs
//    on vCPU k;
//  - remapped: a remapped-format IRTE per device sends the vector to the host CPU (VFIO's
//    host handler; the injection into the guest is not modelled);
//  - direct: interrupt remapping stays off, the devices write compatibility-format MSIs to
//    the host CPU.
// Each device is given the remappable (or compatibility) MSI address/data to write.
// finish() ends the vCPU's scheduling (a last entry takes whatever is still posted) and
// checks that every MSI the VM's devices sent was delivered as the mode says.
// Delivery latency, end to end: from a device issuing an MSI to the guest taking the
// vector (posted: through the unit's posting, the notification or the vCPU's next entry,
// so preemptions and halts show) or to its arrival at the host CPU's APIC (remapped,
// direct). Postings merge in PIR: one guest interrupt of a vector ends the wait of every
// MSI of that vector issued before it (in simulation order) that no earlier one ended.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "firmware/posted_interrupts.h"
#include "firmware/vtd_driver.h"
#include "platform/scenario_params.h"
#include "platform/scenarios/vcpu_scheduler.h"
#include "platform/vtd_platform.h"

namespace vtd::platform {

const char* interruptDeliveryName(InterruptDelivery d);
// The mode `asked` resolves to on this platform (auto: posted with CAP.PI and vCPUs,
// remapped with interrupt remapping, else direct; direct with the IOMMU off).
InterruptDelivery resolveDelivery(const ScenarioParams& params, const SimConfig& config);

class DeviceInterrupts {
 public:
  // Elaboration time: VM `vm` with the scenario's devices [first, first + count); creates
  // the vCPU's scheduler in posted mode.
  DeviceInterrupts(VtdPlatform& platform, const ScenarioParams& params, uint32_t vm, uint32_t first,
                   uint32_t count);

  InterruptDelivery mode() const { return mode_; }
  // Host bring-up, once for all VMs, after VtdDriver::enable() (and the device assignments):
  // turns interrupt remapping on unless the mode is direct. Empty, or what failed.
  static std::string enableRemapping(fw::VtdDriver& driver, const VtdPlatform& platform, InterruptDelivery mode);
  // Each device's entry (and for posted, the descriptor, the hook and the scheduler).
  std::string setUp(fw::VtdDriver& driver, fw::PhysAllocator& allocator);
  // What device `device` (scenario index) writes to interrupt.
  uint64_t msiAddress(uint32_t device) const { return msi_[device - first_].address; }
  uint32_t msiData(uint32_t device) const { return msi_[device - first_].data; }
  bool owns(uint32_t device) const { return device >= first_ && device < first_ + count_; }
  // Ends scheduling; appends to `problems` what does not add up for `device_msis` MSIs of
  // this VM's devices, of which the host took `host_interrupts`.
  void finish(uint64_t device_msis, uint64_t host_interrupts, std::vector<std::string>& problems);
  // The interrupts the guest took (posted mode).
  uint64_t guestInterrupts() const;
  // The host CPU received device `device`'s interrupt at `arrival` (remapped, direct).
  void hostTook(uint32_t device, const sc_core::sc_time& arrival) { delivered(device - first_, arrival); }
  // End-to-end latencies (ns) of the MSIs delivered, valid after finish().
  const std::vector<double>& latencies() const { return latencies_ns_; }
  uint64_t deliveredBeforeIssue() const { return before_issue_; }
  const VcpuScheduler* scheduler() const { return scheduler_.get(); }

 private:
  struct Msi {
    uint64_t address = 0;
    uint32_t data = 0;
  };
  void delivered(uint32_t local, const sc_core::sc_time& when);
  uint8_t vectorOf(uint32_t local) const { return uint8_t(params_.device_vector + first_ + local); }
  void hookPostedPolicy(Vcpu& vcpu);

  VtdPlatform& platform_;
  ScenarioParams params_;
  InterruptDelivery mode_;
  uint32_t vm_, first_, count_;
  std::unique_ptr<VcpuScheduler> scheduler_;
  fw::PostedInterruptPolicy policy_;
  uint64_t descriptor_ = 0;
  std::vector<Msi> msi_;
  std::vector<std::deque<sc_core::sc_time>> issued_;  // per device: MSIs not yet delivered
  std::vector<double> latencies_ns_;
  uint64_t before_issue_ = 0;
};

// Mean, median, 99th percentile and maximum of MSI delivery latencies.
struct LatencySummary {
  uint64_t count = 0;  // MSIs whose delivery was timed
  double mean_ns = 0, p50_ns = 0, p99_ns = 0, max_ns = 0;
  uint64_t before_issue = 0;  // delivered at a simulated time before the issue (quantum skew)
};
LatencySummary summariseLatencies(std::vector<double> latencies_ns, uint64_t before_issue);

}  // namespace vtd::platform
