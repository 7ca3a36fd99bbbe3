// BenchWorkload: the pcie-bench-like generator (platform/devices/pcie_bench.h, the device
// of `vtdsim calibrate`) as a workload of `vtdsim run`: the guest gives it a window of
// pcie_bench.window_kib contiguous guest-physical pages (IOVA = GPA, so the host's leaf
// size decides how many IOTLB entries the window needs) and the device issues
// pcie_bench.requests reads or writes at random or sequential offsets in it after
// pcie_bench.warmup_requests, with pcie_bench.tags outstanding. Its own PCIe link and an
// AttributionTap (this device's share of the unit's counters) lead to the unit; it uses the
// requester id of its slot, whose DmaMaster stays idle. Its figures are the generator's
// own (bandwidth over the measured requests). It raises no MSIs and issues no stray DMAs;
// pcie_bench.host_base_mib does not apply (the window is in guest RAM), and it runs loosely
// timed (pcie_bench.fidelity=at is for `vtdsim calibrate` and `vtdsim bench`: the
// AttributionTap passes b_transport only).
#pragma once

#include <string>
#include <vector>

#include "platform/devices/pcie_bench.h"
#include "platform/pcie/pcie_link.h"
#include "platform/vtd_platform.h"
#include "platform/workloads/unit_share.h"
#include "platform/workloads/workload.h"

namespace vtd::platform {

class BenchWorkload final : public Workload {
 public:
  // Elaboration time: the generator of slot `index` and its path to the unit.
  BenchWorkload(VtdPlatform& platform, unsigned index, const PcieBenchParams& params, TransferObserver& observer);

  const char* kind() const override { return "bench"; }
  const char* unitName() const override { return "requests"; }
  uint32_t controlPages() const override { return 0; }
  void setUp(WorkloadContext& context) override;
  void start() override { bench_.start(params_, base_); }
  bool busy() const override { return bench_.busy(); }
  const sc_core::sc_event& done() const override { return bench_.done(); }
  void finish(std::vector<std::string>& problems) override;
  uint64_t units() const override { return bench_.result().requests; }
  uint64_t payloadBytes() const override { return bench_.result().bytes; }
  uint64_t activePs() const override { return uint64_t(bench_.result().elapsed_ns * 1000.0 + 0.5); }
  void describeStats(StatRegistry& r, const std::string& prefix) const override;
  uint64_t windowGpa() const { return window_; }

 private:
  PcieBenchParams params_;
  PcieBench bench_;
  AttributionTap tap_;
  PcieLink link_;
  uint64_t window_ = 0, base_ = 0;
};

}  // namespace vtd::platform
