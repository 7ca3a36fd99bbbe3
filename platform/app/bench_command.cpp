// `vtdsim bench`: simulated DMAs per host second through the SystemC platform, each path
// as a ratio to a bare loop of the same TLM style (same initiator, same way to memory)
// measured in the same run, interleaved round by round so machine noise hits all paths
// alike. Loosely timed (b_transport, quantum keeper; platform/bench/bench_initiator.h):
//   bare   initiator -> uncore path -> memory (the same way to memory as the unit's, so
//          the same latency and quantum syncs per transaction)
//   hit    initiator -> VT-d unit -> uncore path -> memory, 64 B reads inside 4 pages:
//          IOTLB hits (the miss paths evict those 4 entries, so each round starts with 4
//          misses)
//   miss   initiator -> VT-d unit -> uncore path -> memory, 64 B reads stepping one page
//          at a time over 16x the IOTLB's entries with 4-level tables: every request misses and walks;
//          with the paging-structure caches on (the default) consecutive pages share a
//          cached PDE and the walk reads the leaf only (walk reads per miss are reported;
//          --set psc.{pde,pdpe,pml4e,pml5e}.enable=false gives full 4-level walks)
// Approximately timed (the base protocol's four phases, one transaction at a time;
// platform/bench/at_bench_initiator.h), each as a ratio to at_bare:
//   at_bare  initiator -> AtMemory (a payload event queue) -> uncore path -> memory
//   at_hit   initiator -> VT-d unit (nb_transport) -> uncore path -> memory: the hit reads
//   at_miss  the same with the miss path's reads
// A calibration run (the workload of `vtdsim calibrate`, platform/bench/pcie_bench_source.h):
//   cal_bare  pcie-bench device -> PCIe link -> uncore path -> memory (no IOMMU)
//   cal       pcie-bench device -> PCIe link -> VT-d unit -> uncore path -> memory: 64 B
//             random reads in a 64 MiB window mapped with 4 KiB pages (nearly every read
//             misses and walks), pcie_bench.tags outstanding; its ratio is to cal_bare
// The unit is brought up by the firmware on the host CPU, as in `vtdsim run`.
// --set bench.path=bare|hit|miss|at_bare|at_hit|at_miss|cal_bare|cal runs that path alone (no ratio
// then): the callgrind gate (testbench/perf/) counts one path's instructions per
// transaction that way.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "firmware/passthrough.h"
#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"
#include "model/common/param_registry.h"
#include "platform/app/cli.h"
#include "platform/bench/at_bench_initiator.h"
#include "platform/bench/at_memory.h"
#include "platform/bench/bench_initiator.h"
#include "platform/bench/pcie_bench_source.h"
#include "platform/vtd_platform.h"

namespace vtd::app {

namespace {

enum class BenchPath { All, Bare, Hit, Miss, AtBare, AtHit, AtMiss, CalBare, Cal };
enum Style { kLt, kAt, kCalibration };  // which bare loop a path's ratio is to

struct BenchParams {
  uint64_t transactions = 2'000'000;  // per path per round
  uint32_t rounds = 5;
  uint64_t calibration_requests = 200'000;  // per calibration path per round
  BenchPath path = BenchPath::All;
  void describe(ParamRegistry& r) {
    r.addUInt("bench.transactions", transactions, 1000, 1ull << 32, "transactions", "transactions per path per round");
    r.addUInt("bench.calibration_requests", calibration_requests, 1000, 1ull << 32, "requests",
              "requests of the calibration paths (cal, cal_bare) per round: 64 B random reads in a 64 MiB window");
    r.addUInt("bench.rounds", rounds, 1, 100, "rounds", "measurement rounds (the median is reported)");
    r.addChoice("bench.path", path,
                {{"all", BenchPath::All}, {"bare", BenchPath::Bare}, {"hit", BenchPath::Hit}, {"miss", BenchPath::Miss},
                 {"at_bare", BenchPath::AtBare}, {"at_hit", BenchPath::AtHit}, {"at_miss", BenchPath::AtMiss},
                 {"cal_bare", BenchPath::CalBare}, {"cal", BenchPath::Cal}},
                "the paths to run: all (with ratios to the bare loop of the same style: bare for LT, at_bare for AT, cal_bare for the calibration run) or one alone");
  }
};

constexpr uint64_t kHitBase = 0x1000'0000, kMissBase = 0x4000'0000;  // IOVAs (= physical)
constexpr uint64_t kCalBase = 0x6000'0000, kCalWindow = 64ull << 20;

struct Path {
  const char* name;
  BenchPath id;
  Style style;  // its ratio is to the bare loop of this style
  platform::BenchSource* initiator;
  platform::BenchLoop loop;
  const char* what;
  std::vector<double> rates{};   // transactions per host second, per round
  std::vector<double> ratios{};  // rate / the same style's bare rate, per round
  uint64_t lookups = 0, hits = 0, walk_reads = 0;  // the unit's, over the measured rounds
  bool bare() const { return id == BenchPath::Bare || id == BenchPath::AtBare || id == BenchPath::CalBare; }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int benchCommand(const CommonOptions& options) {
  rejectPositional(options, "bench");
  platform::SimConfig config;
  ParamRegistry registry;
  BenchParams bench;
  bench.describe(registry);
  config.platform.devices = 1;
  loadConfig(options, config, registry);

  platform::VtdPlatform top("top", config);
  platform::Memory bare_memory("bare_memory", config.memory);
  platform::UncorePath bare_uncore("bare_uncore", config.uncore);
  platform::AtMemory at_memory("at_memory");
  platform::UncorePath at_uncore("at_uncore", config.uncore);
  const SourceId hit_sid = SourceId::fromBdf(0, 10, 0), miss_sid = SourceId::fromBdf(0, 11, 0);
  const SourceId at_hit_sid = SourceId::fromBdf(0, 13, 0), at_miss_sid = SourceId::fromBdf(0, 14, 0);
  platform::BenchInitiator bare("bare", SourceId::fromBdf(0, 9, 0));
  platform::BenchInitiator hit("hit", hit_sid);
  platform::BenchInitiator miss("miss", miss_sid);
  platform::AtBenchInitiator at_bare("at_bare", SourceId::fromBdf(0, 12, 0));
  platform::AtBenchInitiator at_hit("at_hit", at_hit_sid);
  platform::AtBenchInitiator at_miss("at_miss", at_miss_sid);
  bare.socket.bind(bare_uncore.in);
  bare_uncore.out.bind(bare_memory.port);
  hit.socket.bind(top.vtd.dma_in);
  miss.socket.bind(top.vtd.dma_in);
  at_memory.mem_out.bind(at_uncore.in);
  at_uncore.out.bind(bare_memory.port);
  at_bare.socket.bind(at_memory.port);
  at_hit.socket.bind(top.vtd.dma_in);
  at_miss.socket.bind(top.vtd.dma_in);
  // The calibration run: the same device and link in front of the unit or of bare memory.
  platform::PcieBenchParams cal_params = config.pcie_bench;
  cal_params.window_kib = kCalWindow >> 10;
  const SourceId cal_sid = SourceId::fromBdf(0, 16, 0);
  platform::PcieBench cal_device("cal_device", cal_sid), cal_bare_device("cal_bare_device", SourceId::fromBdf(0, 15, 0));
  platform::PcieLink cal_link("cal_link", config.pcie), cal_bare_link("cal_bare_link", config.pcie);
  platform::UncorePath cal_uncore("cal_uncore", config.uncore);
  cal_device.socket.bind(cal_link.up_in);
  cal_link.down_out.bind(top.vtd.dma_in);
  cal_bare_device.socket.bind(cal_bare_link.up_in);
  cal_bare_link.down_out.bind(cal_uncore.in);
  cal_uncore.out.bind(bare_memory.port);
  platform::PcieBenchSource cal("cal", cal_device, cal_params, kCalBase);
  platform::PcieBenchSource cal_bare("cal_bare", cal_bare_device, cal_params, kCalBase);

  const uint64_t miss_pages = 16ull * config.unit.iotlb.entries;
  const platform::BenchLoop hot_loop{bench.transactions, kHitBase, 4 * 4096, 64, 64};
  const platform::BenchLoop cold_loop{bench.transactions, kMissBase, miss_pages * 4096, 4096, 64};
  const platform::BenchLoop cal_loop{bench.calibration_requests, kCalBase, kCalWindow, 64, 64};
  const char* const kHitWhat = "through the VT-d unit, IOTLB and context-cache hits";
  const char* const kMissWhat = "through the VT-d unit, IOTLB miss + walk each (see reads per miss)";
  std::vector<Path> paths = {
      {"bare", BenchPath::Bare, kLt, &bare, hot_loop, "LT b_transport loop, quantum keeper, uncore path, memory"},
      {"hit", BenchPath::Hit, kLt, &hit, hot_loop, kHitWhat},
      {"miss", BenchPath::Miss, kLt, &miss, cold_loop, kMissWhat},
      {"at_bare", BenchPath::AtBare, kAt, &at_bare, hot_loop, "AT 4-phase loop, PEQ target, uncore path, memory"},
      {"at_hit", BenchPath::AtHit, kAt, &at_hit, hot_loop, kHitWhat},
      {"at_miss", BenchPath::AtMiss, kAt, &at_miss, cold_loop, kMissWhat},
      {"cal_bare", BenchPath::CalBare, kCalibration, &cal_bare, cal_loop, "calibration run without IOMMU: pcie-bench device, PCIe link, uncore path, memory"},
      {"cal", BenchPath::Cal, kCalibration, &cal, cal_loop, "calibration run through the VT-d unit: 64 MiB window in 4 KiB pages"},
  };
  if (bench.path != BenchPath::All)
    paths.erase(std::remove_if(paths.begin(), paths.end(), [&](const Path& p) { return p.id != bench.path; }),
                paths.end());
  const bool with_ratios = bench.path == BenchPath::All;  // each bare runs before its paths in a round
  std::string failure;

  top.cpu.setProgram([&](platform::HostCpu& cpu) {
    fw::PhysAllocator allocator(cpu.hal().memory, 16ull << 20, 48ull << 20);
    fw::VtdDriver driver(cpu.hal(), allocator);
    if (auto s = driver.probe(); !s) { failure = s.error; return; }
    if (auto s = driver.enable(); !s) { failure = s.error; return; }
    // Identity mappings (IOVA = physical) so the bare loops read the same memory.
    fw::Domain& hot = driver.createDomain(48);
    fw::Domain& cold = driver.createDomain(48);
    if (auto s = driver.map(hot, kHitBase, kHitBase, 4 * 4096, fw::Perm::ReadWrite); !s) { failure = s.error; return; }
    if (auto s = driver.map(cold, kMissBase, kMissBase, miss_pages * 4096, fw::Perm::ReadWrite); !s) { failure = s.error; return; }
    fw::Domain& window = driver.createDomain(48);  // the calibration window, 4 KiB leaves
    if (auto s = driver.map(window, kCalBase, kCalBase, kCalWindow, fw::Perm::ReadWrite); !s) { failure = s.error; return; }
    const std::pair<SourceId, fw::Domain*> attach[] = {{hit_sid, &hot}, {miss_sid, &cold}, {at_hit_sid, &hot},
                                                       {at_miss_sid, &cold}, {cal_sid, &window}};
    for (const auto& [sid, domain] : attach)
      if (auto s = driver.attach(sid.value, *domain); !s) { failure = s.error; return; }
    auto& unit = top.vtd.model();
    // Warm-up: one pass over each path's pages so the hit paths start with their 4 pages
    // in the IOTLB and every path's code is hot before anything is timed.
    for (Path& p : paths) {
      platform::BenchLoop warm = p.loop;
      warm.transactions = p.style == kCalibration ? 10'000  // random reads: enough to settle
                                                  : std::max<uint64_t>(p.loop.span / p.loop.stride, 1);
      p.initiator->start(warm);
      cpu.waitFor(p.initiator->done());
    }
    for (uint32_t round = 0; round < bench.rounds; ++round) {
      double bare_rate[3] = {0, 0, 0};  // by Style
      for (Path& p : paths) {
        const uint64_t lookups0 = unit.stats().iotlb_lookup, hits0 = unit.stats().iotlb_hit;
        const uint64_t reads0 = unit.stats().walk_reads;
        p.initiator->start(p.loop);
        cpu.waitFor(p.initiator->done());
        if (p.initiator->errors()) failure = std::string(p.name) + ": transactions failed";
        const double rate = double(p.loop.transactions) / p.initiator->seconds();
        if (p.bare()) bare_rate[p.style] = rate;
        p.rates.push_back(rate);
        if (with_ratios) p.ratios.push_back(rate / bare_rate[p.style]);
        p.lookups += unit.stats().iotlb_lookup - lookups0;
        p.hits += unit.stats().iotlb_hit - hits0;
        p.walk_reads += unit.stats().walk_reads - reads0;
      }
    }
  });
  sc_core::sc_start();
  if (!failure.empty()) throw std::runtime_error("bench: " + failure);
  if (!top.cpu.hasFinished()) throw std::runtime_error("bench: the host program did not finish (simulation stalled)");

  std::printf("vtdsim bench: %llu transactions of 64 B per path per round (calibration paths: %llu), "
              "%u rounds (median)\n\n",
              static_cast<unsigned long long>(bench.transactions),
              static_cast<unsigned long long>(bench.calibration_requests), bench.rounds);
  std::printf("  %-8s %16s %12s   %s\n", "path", "DMAs per host s", "ratio", "what");
  nlohmann::json out;
  for (const Path& p : paths) {
    const double rate = median(p.rates);
    if (with_ratios) {
      std::printf("  %-8s %14.2f M %12.3f   %s\n", p.name, rate / 1e6, median(p.ratios), p.what);
      out[p.name] = {{"dmas_per_host_second", rate}, {"ratio_to_bare", median(p.ratios)},
                     {"rates", p.rates}, {"ratios", p.ratios}};
    } else {
      std::printf("  %-8s %14.2f M %12s   %s\n", p.name, rate / 1e6, "-", p.what);
      out[p.name] = {{"dmas_per_host_second", rate}, {"rates", p.rates}};
    }
  }
  if (with_ratios) std::printf("\n  ratio: to bare for the LT paths, to at_bare for the AT paths, to cal_bare for cal\n");
  bool first = true;
  for (const Path& p : paths) {
    if (p.bare()) continue;
    const double hit_rate = p.lookups ? double(p.hits) / double(p.lookups) : 0;
    std::printf("%s %s %.4f", first ? "\n  IOTLB hit rate:" : ",", p.name, hit_rate);
    out[p.name]["iotlb_hit_rate"] = hit_rate;
    if (p.id == BenchPath::Hit || p.id == BenchPath::AtHit) {
      out[p.name]["iotlb_misses"] = p.lookups - p.hits;  // its 4 pages, after each miss round
    } else {
      const double reads_per_miss = p.lookups > p.hits ? double(p.walk_reads) / double(p.lookups - p.hits) : 0;
      std::printf(" (%.2f walk reads per miss)", reads_per_miss);
      out[p.name]["walk_reads_per_miss"] = reads_per_miss;
    }
    first = false;
  }
  if (!first) std::printf("\n");
  out["rounds"] = bench.rounds;
  out["config"] = registry.toJson();
  std::filesystem::create_directories(options.out);
  std::ofstream(options.out + "/bench.json") << out.dump(2) << "\n";
  std::printf("  wrote %s/bench.json\n", options.out.c_str());
  return 0;
}

}  // namespace vtd::app
