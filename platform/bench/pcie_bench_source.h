// PcieBenchSource: the calibration workload as a `vtdsim bench` path. It drives a
// pcie-bench-like device (platform/devices/pcie_bench.h: 64 B random reads in a window,
// pcie_bench.tags outstanding, behind its PCIe link) for the loop's number of requests, no
// warm-up, and times them on the wall clock, so that a whole calibration run can be
// compared with the same device and link in front of bare memory. Only the loop's
// transaction count is used: the window, size and tags are the device's parameters.
#pragma once

#include <chrono>
#include <cstdint>
#include <systemc>

#include "platform/bench/bench_loop.h"
#include "platform/devices/pcie_bench.h"

namespace vtd::platform {

class PcieBenchSource : public sc_core::sc_module, public BenchSource {
 public:
  SC_HAS_PROCESS(PcieBenchSource);
  PcieBenchSource(const sc_core::sc_module_name& name, PcieBench& device,
                  const PcieBenchParams& params, uint64_t base)
      : sc_module(name), device_(device), params_(params), base_(base) {
    SC_METHOD(finished);
    sensitive << device_.done();
    dont_initialize();
  }

  void start(const BenchLoop& loop) override {
    PcieBenchParams p = params_;
    p.requests = loop.transactions;
    p.warmup_requests = 0;
    t0_ = std::chrono::steady_clock::now();
    device_.start(p, base_);
  }
  const sc_core::sc_event& done() const override { return device_.done(); }
  double seconds() const override { return seconds_; }
  uint64_t errors() const override { return device_.result().errors; }

 private:
  void finished() {
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

  PcieBench& device_;
  PcieBenchParams params_;
  uint64_t base_;
  std::chrono::steady_clock::time_point t0_;
  double seconds_ = 0;
};

}  // namespace vtd::platform
