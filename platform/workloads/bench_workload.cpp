// BenchWorkload: binding and the window.
#include "platform/workloads/bench_workload.h"

namespace vtd::platform {

BenchWorkload::BenchWorkload(VtdPlatform& platform, unsigned index, const PcieBenchParams& params,
                             TransferObserver& observer)
    : params_(params),
      bench_(("bench" + std::to_string(index)).c_str(), VtdPlatform::deviceSource(index)),
      tap_(("bench" + std::to_string(index) + "_tap").c_str(), observer),
      link_(("bench" + std::to_string(index) + "_link").c_str(), platform.config().pcie) {
  bench_.socket.bind(tap_.in);
  tap_.out.bind(link_.up_in);
  // Through the trace tap when the run records, like the platform's own devices.
  if (platform.tap) link_.down_out.bind(platform.tap->dma_in);
  else link_.down_out.bind(platform.vtd.dma_in);
}

void BenchWorkload::setUp(WorkloadContext& c) {
  const uint64_t pages = (uint64_t(params_.window_kib) << 10) / GuestPageAllocator::kPage;
  window_ = c.pages.allocateRun(pages);
  base_ = c.ram.vm().deviceAddress(window_);
}

void BenchWorkload::finish(std::vector<std::string>& problems) {
  const PcieBenchResult& r = bench_.result();
  if (r.errors) problems.push_back(std::to_string(r.errors) + " pcie-bench requests failed inside guest RAM");
  if (r.requests != params_.requests)
    problems.push_back("the pcie-bench device measured " + std::to_string(r.requests) + " of " +
                       std::to_string(params_.requests) + " requests");
}

void BenchWorkload::describeStats(StatRegistry& r, const std::string& p) const {
  bench_.describeStats(r, p);
  link_.describeStats(r, p + "link.");
}

}  // namespace vtd::platform
