// PcieBench: parameters, the issue loop with its tag heap, and the summary.
#include "platform/devices/pcie_bench.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "model/common/param_registry.h"
#include "model/common/stat_registry.h"
#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;

void PcieBenchParams::describe(ParamRegistry& r, const std::string& p) {
  r.addBool(p + "write", write, "DMA writes instead of reads");
  r.addUInt(p + "size_bytes", size_bytes, 1, 4096, "bytes", "bytes per DMA request");
  r.addUInt(p + "window_kib", window_kib, 4, 1u << 22, "KiB",
            "window the offsets fall in (multiple of size_bytes; `vtdsim calibrate` sweeps "
            "calibrate.windows_kib instead)");
  r.addBool(p + "sequential", sequential,
            "offsets in order (wrapping at the window) instead of uniformly at random, aligned to "
            "size_bytes");
  r.addUInt(p + "tags", tags, 1, 1024, "requests",
            "requests the device keeps outstanding at most (read tags)");
  r.addReal(p + "issue_gap_ns", issue_gap_ns, 0.0, 1e6, "ns",
            "least time between two issues (the device's issue rate is its inverse)");
  r.addReal(p + "device_latency_ns", device_latency_ns, 0.0, 1e6, "ns",
            "the device's own time per request before its TLP reaches the link (DMA engine, "
            "internal buses); fitted so that an unloaded 64 B read without IOMMU takes the 600 ns "
            "median measured with the NFP6000 (CALIBRATION.md), with the link, "
            "uncore.io_read_ns and memory.read_latency_ns of the default platform");
  r.addUInt(p + "requests", requests, 1, 1ull << 32, "requests", "requests measured");
  r.addUInt(p + "warmup_requests", warmup_requests, 0, 1ull << 32, "requests",
            "requests issued before measuring (warm caches)");
  r.addUInt(p + "seed", seed, 0, ~0ull, "", "seed of the random offsets");
  r.addUInt(p + "host_base_mib", host_base_mib, 64, 1u << 20, "MiB",
            "host-physical address of the DMA buffer");
  r.addChoice(p + "fidelity", fidelity, {{"lt", tlm::Fidelity::Lt}, {"at", tlm::Fidelity::At}},
              "how the generator, its PCIe link and the unit talk: lt = b_transport with temporal "
              "decoupling (fast), at = the base protocol's 4-phase nb_transport with backpressure "
              "(responses at their completion times; docs/performance.md, \"Two fidelities\")");
}

std::vector<std::string> PcieBenchParams::validate(const std::string& p) const {
  std::vector<std::string> e;
  if ((window_kib << 10) % size_bytes)
    e.push_back(p + "window_kib must be a multiple of size_bytes");
  return e;
}

PcieBench::PcieBench(const sc_core::sc_module_name& name, SourceId source)
    : sc_module(name), socket("socket"), buffer_(4096, 0xA5), at_peq_(this, &PcieBench::atEvent) {
  extension_.source = source;
  payload_.set_extension(&extension_);  // ours; cleared in the destructor
  socket.register_nb_transport_bw(this, &PcieBench::nbBackward);
  SC_THREAD(run);
}

void PcieBench::start(const PcieBenchParams& params, uint64_t base,
                      std::function<void()> at_measure) {
  if (busy_) SC_REPORT_ERROR(name(), "start() while a measurement is running");
  params_ = params;
  base_ = base;
  at_measure_ = std::move(at_measure);
  rng_.seed(params.seed);
  busy_ = true;
  start_.notify(sc_core::SC_ZERO_TIME);  // a delta notification: allowed before sc_start too
}

uint64_t PcieBench::offset(uint64_t index) {
  const uint64_t slots = (params_.window_kib << 10) / params_.size_bytes;
  return (params_.sequential ? index % slots : rng_() % slots) * params_.size_bytes;
}

void PcieBench::run() {
  for (;;) {
    while (!busy_) sc_core::wait(start_);  // a start() before the first wait is kept
    measure();
    busy_ = false;
    done_.notify(sc_core::SC_ZERO_TIME);
  }
}

void PcieBench::measure() {
  latencies_ps_.clear();
  latencies_ps_.reserve(params_.requests);
  result_ = PcieBenchResult{};
  params_.fidelity == tlm::Fidelity::At ? measureAt() : measureLt();
}

void PcieBench::measureLt() {
  keeper_.reset();
  const auto command = params_.write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND;
  const uint32_t size = std::min<uint32_t>(params_.size_bytes, uint32_t(buffer_.size()));
  const uint64_t gap_ps = uint64_t(params_.issue_gap_ns * 1000.0 + 0.5);
  const sc_time device = sc_time(params_.device_latency_ns, sc_core::SC_NS);
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> outstanding;
  uint64_t next_issue = sc_core::sc_time_stamp().value();
  uint64_t first_issue = 0, last_completion = next_issue;
  const uint64_t total = params_.warmup_requests + params_.requests;
  for (uint64_t i = 0; i < total; ++i) {
    uint64_t issue = next_issue;
    if (outstanding.size() >= params_.tags) {  // no free tag: wait for the earliest completion
      issue = std::max(issue, outstanding.top());
      outstanding.pop();
    }
    keeper_.set(sc_time::from_value(issue - sc_core::sc_time_stamp().value()));
    if (keeper_.need_sync()) keeper_.sync();
    const bool measured = i >= params_.warmup_requests;
    if (i == params_.warmup_requests) {
      if (at_measure_) at_measure_();
      first_issue = issue;
    }
    tlm::fillPayload(payload_, command, base_ + offset(i), buffer_.data(), size);
    sc_time delay = keeper_.get_local_time() + device;
    socket->b_transport(payload_, delay);
    const uint64_t completion = sc_core::sc_time_stamp().value() + delay.value();
    outstanding.push(completion);
    last_completion = std::max(last_completion, completion);
    if (measured) {
      latencies_ps_.push_back(completion - issue);
      result_.bytes += size;
      if (!payload_.is_response_ok()) ++result_.errors;
    }
    next_issue = issue + gap_ps;
  }
  // The device is done when its last request has completed.
  keeper_.set(sc_time::from_value(last_completion - sc_core::sc_time_stamp().value()));
  keeper_.sync();
  summarise(first_issue, last_completion);
}

void PcieBench::summarise(uint64_t first_issue, uint64_t last_completion) {
  std::vector<uint64_t>& v = latencies_ps_;
  result_.requests = v.size();
  if (v.empty()) return;
  result_.elapsed_ns = double(last_completion - first_issue) / 1000.0;
  result_.gbps = result_.elapsed_ns > 0 ? double(result_.bytes) * 8.0 / result_.elapsed_ns : 0.0;
  double sum = 0;
  for (uint64_t x : v) sum += double(x);
  result_.mean_ns = sum / double(v.size()) / 1000.0;
  std::sort(v.begin(), v.end());
  // Nearest-rank percentiles.
  auto rank = [&v](double q) {
    return double(v[std::min(v.size() - 1, size_t(q * double(v.size())))]) / 1000.0;
  };
  result_.median_ns = rank(0.5);
  result_.p95_ns = rank(0.95);
  result_.p99_ns = rank(0.99);
  result_.min_ns = double(v.front()) / 1000.0;
  result_.max_ns = double(v.back()) / 1000.0;
}

void PcieBench::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "requests", result_.requests, "requests", "requests measured in the last run");
  r.addCounter(p + "bytes", result_.bytes, "bytes", "payload bytes of the measured requests");
  r.addCounter(p + "errors", result_.errors, "requests",
               "measured requests answered with an error");
  r.addDerived(
      p + "bandwidth_gbps", [this] { return result_.gbps; }, "Gb/s",
      "payload bandwidth: measured bytes over the time from the first measured issue to the last "
      "completion");
  r.addDerived(
      p + "latency_mean_ns", [this] { return result_.mean_ns; }, "ns",
      "mean request latency (issue to completion, device latency included)");
  r.addDerived(
      p + "latency_median_ns", [this] { return result_.median_ns; }, "ns",
      "median request latency");
  r.addDerived(
      p + "latency_p95_ns", [this] { return result_.p95_ns; }, "ns",
      "95th percentile of the request latency");
  r.addDerived(
      p + "latency_p99_ns", [this] { return result_.p99_ns; }, "ns",
      "99th percentile of the request latency");
  r.addDerived(
      p + "latency_max_ns", [this] { return result_.max_ns; }, "ns", "longest request");
}

}  // namespace vtd::platform
