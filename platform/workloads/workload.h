// Workload: what one assigned device does in `vtdsim run`, in two halves: the guest driver
// (on the host CPU while the VM is set up: rings, queues, buffers in guest RAM; then,
// called back between device operations, what the driver's poll does: check what the
// device wrote, refill, resubmit) and the device (a DmaProgram run by the slot's DmaMaster,
// or a device module of its own). The scenario gives each workload its VM's memory, page
// allocator and the MSI it should send; afterwards each says what did not add up and how
// much payload it moved. Implementations: nic_workload.h, nvme_workload.h,
// accel_workload.h, bench_workload.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform/dma_master.h"
#include "platform/workloads/guest_page_allocator.h"
#include "platform/workloads/guest_vm.h"
#include "platform/workloads/stray_tail.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct WorkloadContext {
  GuestRam& ram;              // the VM's memory (its vm() gives DMA addresses)
  GuestPageAllocator& pages;  // the VM's page allocator
  uint64_t msi_address = 0;   // what the device writes to interrupt (remappable or not)
  uint32_t msi_data = 0;
  uint64_t seed = 1;          // this device's seed
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual const char* kind() const = 0;
  virtual const char* unitName() const = 0;  // "packets", "commands", ...
  // Pages of its VM's control area it takes (rings, queues).
  virtual uint32_t controlPages() const = 0;
  // Host side, while the VM is set up. Throws GuestOutOfMemory when guest RAM is short.
  virtual void setUp(WorkloadContext& context) = 0;
  // Starts the device (from the host program, after every workload is set up).
  virtual void start() = 0;
  virtual bool busy() const = 0;
  virtual const sc_core::sc_event& done() const = 0;
  // Before start(): `count` stray writes from DMA address `base` after the workload, which
  // the IOMMU must block. Devices that cannot (bench) ignore it and issue none.
  virtual void addStrays(uint64_t base, uint32_t count) { (void)base, (void)count; }
  virtual uint32_t straysIssued() const { return 0; }
  virtual uint32_t straysBlocked() const { return 0; }
  // After the run: appends what does not add up.
  virtual void finish(std::vector<std::string>& problems) = 0;
  virtual uint64_t units() const = 0;
  virtual uint64_t payloadBytes() const = 0;
  // Time the device worked on its units (ps): its program's span, or its measurement's.
  virtual uint64_t activePs() const = 0;
  // Its own statistics under `prefix` (e.g. "device0.nic.").
  virtual void describeStats(StatRegistry& r, const std::string& prefix) const = 0;
};

// A workload whose device is the slot's DmaMaster running a program; stray DMAs beyond
// guest RAM follow the program when asked for.
// `master` may be null for a workload built only to describe its statistics.
class ProgramWorkload : public Workload {
 public:
  explicit ProgramWorkload(DmaMaster* master) : master_(master) {}
  void addStrays(uint64_t base, uint32_t count) override;
  void start() override;
  bool busy() const override { return master_->busy(); }
  const sc_core::sc_event& done() const override { return master_->done(); }
  uint64_t activePs() const override { return master_->stats().active_ps; }
  uint32_t straysIssued() const override;
  uint32_t straysBlocked() const override;
  // The device's program (valid after setUp()); start() runs it with its stray tail.
  virtual DmaProgram& program() = 0;

 private:
  DmaMaster* master_;
  uint64_t stray_base_ = 0;
  uint32_t stray_count_ = 0;
  std::unique_ptr<StrayTail> tail_;
};

}  // namespace vtd::platform
