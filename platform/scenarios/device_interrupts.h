// DeviceInterrupts: the interrupt side of the default KVM scenario, as Linux and KVM set it
// up for an assigned device. By the delivery mode (ScenarioParams::interrupts):
//  - posted: the host enables interrupt remapping, writes a posted-format IRTE that posts
//    the guest's vector into vcpu0's posted-interrupt descriptor (KVM's irq bypass, as
//    vmx_pi_update_irte does), and runs KVM's descriptor policy on every transition of the
//    vCPU (fw::PostedInterruptPolicy through the Vcpu's transition hook), which a
//    VcpuScheduler runs, preempts and halts; the guest takes the vectors;
//  - remapped: a remapped-format IRTE sends the vector to the host CPU (VFIO's host
//    handler; the injection into the guest is not modelled);
//  - direct: interrupt remapping stays off, the device writes a compatibility-format MSI
//    to the host CPU.
// The device is given the remappable (or compatibility) MSI address/data to write.
// finish() ends the vCPU's scheduling (a last entry takes whatever is still posted) and
// checks that every MSI the device sent was delivered as the mode says.
// Delivery latency, end to end: from the device issuing an MSI to the guest taking the
// vector (posted: through the unit's posting, the notification or the vCPU's next entry,
// so preemptions and halts show) or to its arrival at the host CPU's APIC (remapped,
// direct). Postings merge in PIR: one guest interrupt ends the wait of every MSI issued
// before it (in simulation order) that no earlier one ended.
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

class DeviceInterrupts {
 public:
  // Elaboration time: creates the vCPU scheduler when the platform has a vCPU.
  DeviceInterrupts(VtdPlatform& platform, const ScenarioParams& params);

  // The mode `auto` resolves to on this platform.
  InterruptDelivery mode() const { return mode_; }
  // Host bring-up after VtdDriver::enable(): interrupt remapping and the device's entry
  // (and for posted, the descriptor, the hook and the scheduler). Empty, or what failed.
  std::string setUp(fw::VtdDriver& driver, fw::PhysAllocator& allocator, uint16_t device_sid);
  uint64_t msiAddress() const { return msi_address_; }
  uint32_t msiData() const { return msi_data_; }
  // Ends scheduling; appends to `problems` what does not add up for `device_msis` MSIs of
  // which the host took `host_interrupts`.
  void finish(uint64_t device_msis, uint64_t host_interrupts, std::vector<std::string>& problems);
  // The interrupts the guest took (posted mode).
  uint64_t guestInterrupts() const;
  // The host CPU received a device interrupt at `arrival` (remapped, direct).
  void hostTook(const sc_core::sc_time& arrival) { delivered(arrival); }

  struct LatencySummary {
    uint64_t count = 0;  // MSIs whose delivery was timed
    double mean_ns = 0, p50_ns = 0, p99_ns = 0, max_ns = 0;
    uint64_t before_issue = 0;  // delivered at a simulated time before the issue (quantum skew)
  };
  // MSI issue -> guest takes it (posted) or host APIC receives it; valid after finish().
  const LatencySummary& latency() const { return latency_; }
  const VcpuScheduler* scheduler() const { return scheduler_.get(); }

 private:
  VtdPlatform& platform_;
  ScenarioParams params_;
  InterruptDelivery mode_;
  std::unique_ptr<VcpuScheduler> scheduler_;
  fw::PostedInterruptPolicy policy_;
  void delivered(const sc_core::sc_time& when);

  uint64_t descriptor_ = 0;
  std::deque<sc_core::sc_time> issued_;  // MSIs not yet delivered, oldest first
  std::vector<double> latencies_ns_;
  LatencySummary latency_;
  uint64_t msi_address_ = 0;
  uint32_t msi_data_ = 0;
};

}  // namespace vtd::platform
