// `vtdsim calibrate`: the pcie-bench workload of CALIBRATION.md on the platform, next to the
// published measurements. A pcie-bench-like device (platform/devices/pcie_bench.h) behind a
// PCIe link (platform/pcie/) issues 64 B random reads into windows from 4 KiB to 64 MiB,
// first without the IOMMU (translation off), then with the window mapped through the unit
// with 4 KiB pages by the firmware (platform/scenarios/pcie_bench_host.h). Per window and
// setup: a bandwidth run (pcie_bench.tags outstanding) and a latency run (one request at a
// time, as pcie-bench measures latency), the IOTLB miss fraction of the latency run. The
// no-IOMMU curve can come from a pass-through context instead (calibrate.baseline). The
// device, its link and the unit talk loosely timed, or approximately timed with
// pcie_bench.fidelity=at (the same workload; docs/performance.md, "Two fidelities"). Prints
// the table and the derived targets with PASS/FAIL (calibration_targets.h), and writes
// calibration.json and calibration.csv. The exit status is 0 whatever the verdicts (a
// report, not a gate), 1 when a run failed (DMA errors, setup problems).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <vector>

#include "model/common/param_registry.h"
#include "platform/app/calibration_reference.h"
#include "platform/app/calibration_targets.h"
#include "platform/app/cli.h"
#include "platform/pcie/pcie_link.h"
#include "platform/scenarios/pcie_bench_host.h"
#include "platform/vtd_platform.h"

namespace vtd::app {

namespace {

struct CalibrateParams {
  std::vector<uint32_t> windows_kib;
  uint64_t latency_requests = 20000;
  platform::BenchIommu baseline = platform::BenchIommu::Off;
  CalibrateParams() {
    for (const CalibrationPoint& p : kCalibrationPoints) windows_kib.push_back(p.window_kib);
  }
  void describe(ParamRegistry& r) {
    r.addUIntList("calibrate.windows_kib", windows_kib, windows_kib, "KiB",
                  "windows to sweep (those of the measurements)");
    r.addUInt("calibrate.latency_requests", latency_requests, 1, 1ull << 32, "requests",
              "requests measured one at a time per window for the latency figures");
    r.addChoice(
        "calibrate.baseline", baseline,
        {{"off", platform::BenchIommu::Off}, {"passthrough", platform::BenchIommu::PassThrough}},
        "the no-IOMMU curve: translation off (TE=0), or on with the device's context "
        "entry pass-through (TT=10)");
  }
};

struct Run {
  platform::PcieBenchResult result;
  double miss_fraction = 0, walk_reads_per_request = 0, link_down_utilisation = 0;
};

struct Row {
  uint32_t window_kib;
  bool iommu;
  Run bw, lat;
};

const CalibrationPoint* measuredAt(uint32_t kib) {
  for (const CalibrationPoint& p : kCalibrationPoints)
    if (p.window_kib == kib) return &p;
  return nullptr;
}

nlohmann::json orNull(double v) {
  return v < 0 ? nlohmann::json() : nlohmann::json(v);
}

// A figure for the printed table, blank when missing.
std::string cell(double v, const char* format) {
  if (v < 0) return "-";
  char b[32];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string windowName(uint32_t kib) {
  char b[32];
  if (kib < 1024)
    std::snprintf(b, sizeof b, "%uK", kib);
  else
    std::snprintf(b, sizeof b, "%gM", kib / 1024.0);
  return b;
}

}  // namespace

int calibrateCommand(const CommonOptions& options) {
  rejectPositional(options, "calibrate");
  platform::SimConfig config;
  ParamRegistry registry;
  CalibrateParams cal;
  cal.describe(registry);
  CommonOptions checked = options;
  checked.check_scenario = false;
  loadConfig(checked, config, registry);
  uint32_t largest = 0;
  for (uint32_t w : cal.windows_kib) largest = std::max(largest, w);
  if ((config.pcie_bench.host_base_mib << 20) + (uint64_t(largest) << 10) >
      (config.memory.size_mib << 20))
    throw ConfigError("pcie_bench.host_base_mib + the largest window exceeds memory.size_mib");
  for (uint32_t w : cal.windows_kib)
    if ((uint64_t(w) << 10) % config.pcie_bench.size_bytes)
      throw ConfigError("calibrate.windows_kib: " + std::to_string(w) +
                        " KiB is not a multiple of pcie_bench.size_bytes");

  platform::VtdPlatform top("top", config);
  platform::PcieLink link("link", config.pcie);
  const SourceId sid = SourceId::fromBdf(0, 8, 0);
  platform::PcieBench device("pcie_bench", sid);
  device.socket.bind(link.up_in);
  link.down_out.bind(top.vtd.dma_in);

  std::vector<Row> rows;
  std::string failure;
  top.cpu.setProgram([&](platform::HostCpu& cpu) {
    platform::PcieBenchHost host(cpu);
    const auto& unit = top.vtd.model();
    auto measure = [&](const platform::PcieBenchParams& p, uint64_t base) {
      Run run;
      uint64_t lookups = 0, hits = 0, reads = 0;
      device.start(p, base, [&] {
        lookups = unit.stats().iotlb_lookup, hits = unit.stats().iotlb_hit,
        reads = unit.stats().walk_reads;
        link.resetStats();
      });
      cpu.waitFor(device.done());
      run.result = device.result();
      const uint64_t l = unit.stats().iotlb_lookup - lookups, h = unit.stats().iotlb_hit - hits;
      run.miss_fraction = l ? double(l - h) / double(l) : 0.0;
      run.walk_reads_per_request =
          double(unit.stats().walk_reads - reads) / double(run.result.requests);
      run.link_down_utilisation = link.downstreamUtilisation();
      if (run.result.errors) failure = std::to_string(run.result.errors) + " DMA errors";
      return run;
    };
    for (platform::BenchIommu mode : {cal.baseline, platform::BenchIommu::On}) {
      uint64_t base = 0;
      const std::string e = host.setUp(mode, sid.value, config.pcie_bench.host_base_mib << 20,
                                       uint64_t(largest) << 10, base);
      if (!e.empty()) return void(failure = e);
      for (uint32_t w : cal.windows_kib) {
        platform::PcieBenchParams p = config.pcie_bench;
        p.window_kib = w;
        Row row{w, mode == platform::BenchIommu::On, measure(p, base), {}};
        p.tags = 1;
        p.requests = cal.latency_requests;
        row.lat = measure(p, base);
        rows.push_back(row);
        if (!failure.empty()) return;
      }
    }
  });
  sc_core::sc_start();
  if (!failure.empty()) throw std::runtime_error("calibrate: " + failure);
  if (!top.cpu.hasFinished())
    throw std::runtime_error("calibrate: the host program did not finish (simulation stalled)");

  // The sweep as the targets see it, model and measured.
  std::vector<SweepPoint> model, measured;
  for (uint32_t w : cal.windows_kib) {
    SweepPoint m{w};
    for (const Row& r : rows) {
      if (r.window_kib != w) continue;
      (r.iommu ? m.bw_iommu : m.bw_no_iommu) = r.bw.result.gbps;
      (r.iommu ? m.lat_iommu : m.lat_no_iommu) = r.lat.result.mean_ns;
      if (r.iommu) m.miss_fraction = r.lat.miss_fraction;
    }
    model.push_back(m);
    if (const CalibrationPoint* c = measuredAt(w))
      measured.push_back({w, c->bw_iommu_gbps, c->bw_no_iommu_gbps, c->lat_iommu_mean_ns,
                          kNoIommuLatencyMeanNs, c->miss_fraction});
  }
  const std::vector<TargetResult> targets = evaluateTargets(model, measured);

  nlohmann::json points = nlohmann::json::array();
  std::filesystem::create_directories(options.out);
  std::ofstream csv(options.out + "/calibration.csv");
  csv << "window_kib,iommu,bandwidth_gbps,measured_bandwidth_gbps,latency_mean_ns,measured_latency_"
         "mean_ns,"
         "latency_median_ns,measured_latency_median_ns,latency_p99_ns,miss_fraction,measured_miss_"
         "fraction,"
         "bandwidth_run_miss_fraction,bandwidth_run_latency_mean_ns,walk_reads_per_request,link_"
         "downstream_utilisation\n";
  std::printf(
      "vtdsim calibrate: %u B random %s, %u tags, %llu + %llu requests per window, %s (model | "
      "measured)\n\n",
      config.pcie_bench.size_bytes, config.pcie_bench.write ? "writes" : "reads",
      config.pcie_bench.tags, static_cast<unsigned long long>(config.pcie_bench.requests),
      static_cast<unsigned long long>(cal.latency_requests),
      config.pcie_bench.fidelity == tlm::Fidelity::At ? "approximately timed" : "loosely timed");
  std::printf("  %-6s %-5s %15s %17s %15s %14s\n", "window", "IOMMU", "Gb/s", "mean ns",
              "median ns", "miss %");
  for (const Row& r : rows) {
    const CalibrationPoint* c = measuredAt(r.window_kib);
    const double mbw = c ? (r.iommu ? c->bw_iommu_gbps : c->bw_no_iommu_gbps) : -1;
    const double mmean = c ? (r.iommu ? c->lat_iommu_mean_ns : kNoIommuLatencyMeanNs) : -1;
    const double mmed = c ? (r.iommu ? c->lat_iommu_median_ns : kNoIommuLatencyMedianNs) : -1;
    const double mmiss = c && r.iommu ? c->miss_fraction : -1;
    const auto& b = r.bw.result;
    const auto& l = r.lat.result;
    std::printf("  %-6s %-5s %6.2f | %6s %8.1f | %6s %6.0f | %6s %6.1f | %5s\n",
                windowName(r.window_kib).c_str(), r.iommu ? "on" : "off", b.gbps,
                cell(mbw, "%.2f").c_str(), l.mean_ns, cell(mmean, "%.1f").c_str(), l.median_ns,
                cell(mmed, "%.0f").c_str(), 100 * r.lat.miss_fraction,
                cell(mmiss < 0 ? -1 : 100 * mmiss, "%.1f").c_str());
    csv << r.window_kib << ',' << (r.iommu ? "on" : "off") << ',' << b.gbps << ',' << mbw << ','
        << l.mean_ns << ',' << mmean << ',' << l.median_ns << ',' << mmed << ',' << l.p99_ns << ','
        << r.lat.miss_fraction << ',' << mmiss << ',' << r.bw.miss_fraction << ',' << b.mean_ns
        << ',' << r.lat.walk_reads_per_request << ',' << r.bw.link_down_utilisation << '\n';
    points.push_back({{"window_kib", r.window_kib},
                      {"iommu", r.iommu},
                      {"bandwidth_gbps", b.gbps},
                      {"measured_bandwidth_gbps", orNull(mbw)},
                      {"latency_mean_ns", l.mean_ns},
                      {"measured_latency_mean_ns", orNull(mmean)},
                      {"latency_median_ns", l.median_ns},
                      {"measured_latency_median_ns", orNull(mmed)},
                      {"latency_p95_ns", l.p95_ns},
                      {"latency_p99_ns", l.p99_ns},
                      {"miss_fraction", r.lat.miss_fraction},
                      {"measured_miss_fraction", orNull(mmiss)},
                      {"bandwidth_run_miss_fraction", r.bw.miss_fraction},
                      {"bandwidth_run_latency_mean_ns", b.mean_ns},
                      {"walk_reads_per_request", r.lat.walk_reads_per_request},
                      {"link_downstream_utilisation", r.bw.link_down_utilisation}});
  }
  std::printf("\n  %-20s %10s %10s  %-7s %s\n", "target", "model", "measured", "verdict", "what");
  nlohmann::json jt = nlohmann::json::array();
  for (const TargetResult& t : targets) {
    std::printf("  %-20s %10s %10s  %-7s %s\n", t.name.c_str(),
                t.model_known ? cell(t.model, "%.3f").c_str() : "-",
                t.measured_known ? cell(t.measured, "%.3f").c_str() : "-", t.verdict.c_str(),
                t.target.c_str());
    jt.push_back({{"name", t.name},
                  {"unit", t.unit},
                  {"target", t.target},
                  {"model", t.model_known ? nlohmann::json(t.model) : nlohmann::json()},
                  {"measured", t.measured_known ? nlohmann::json(t.measured) : nlohmann::json()},
                  {"verdict", t.verdict}});
  }
  nlohmann::json out = {{"tool", "vtdsim"},
                        {"command", "calibrate"},
                        {"points", points},
                        {"targets", jt},
                        {"config", registry.toJson()}};
  std::ofstream(options.out + "/calibration.json") << out.dump(2) << "\n";
  std::printf("\n  wrote %s/calibration.json, calibration.csv\n", options.out.c_str());
  return 0;
}

}  // namespace vtd::app
