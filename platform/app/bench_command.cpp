// `vtdsim bench`: simulated DMAs per host second through the SystemC platform, each path
// as a ratio to a bare loosely-timed b_transport loop (same initiator, quantum keeper,
// memory model) measured in the same run, interleaved round by round so machine noise
// hits all paths alike. Paths:
//   bare   initiator -> uncore path -> memory (the same way to memory as the unit's, so
//          the same latency and quantum syncs per transaction)
//   hit    initiator -> VT-d unit -> uncore path -> memory, 64 B reads inside 4 pages: IOTLB hits (the
//          miss path evicts those 4 entries, so each round starts with 4 misses)
//   miss   initiator -> VT-d unit -> uncore path -> memory, 64 B reads stepping one page at a time over
//          16x the IOTLB's entries with 4-level tables: every request misses and walks;
//          with the paging-structure caches on (the default) consecutive pages share a
//          cached PDE and the walk reads the leaf only (walk reads per miss are reported;
//          --set psc.{pde,pdpe,pml4e,pml5e}.enable=false gives full 4-level walks)
// The unit is brought up by the firmware on the host CPU, as in `vtdsim run`.
// --set bench.path=bare|hit|miss runs that path alone (no ratio then): the callgrind gate
// (testbench/perf/) counts one path's instructions per transaction that way.
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
#include "platform/bench/bench_initiator.h"
#include "platform/vtd_platform.h"

namespace vtd::app {

namespace {

enum class BenchPath { All, Bare, Hit, Miss };

struct BenchParams {
  uint64_t transactions = 2'000'000;  // per path per round
  uint32_t rounds = 5;
  BenchPath path = BenchPath::All;
  void describe(ParamRegistry& r) {
    r.addUInt("bench.transactions", transactions, 1000, 1ull << 32, "transactions", "transactions per path per round");
    r.addUInt("bench.rounds", rounds, 1, 100, "rounds", "measurement rounds (the median is reported)");
    r.addChoice("bench.path", path,
                {{"all", BenchPath::All}, {"bare", BenchPath::Bare}, {"hit", BenchPath::Hit}, {"miss", BenchPath::Miss}},
                "the paths to run: all (with ratios to bare) or one alone");
  }
};

constexpr uint64_t kHitBase = 0x1000'0000, kMissBase = 0x4000'0000;  // IOVAs (= physical)

struct Path {
  const char* name;
  BenchPath id;
  platform::BenchInitiator* initiator;
  platform::BenchLoop loop;
  std::vector<double> rates;   // transactions per host second, per round
  std::vector<double> ratios;  // rate / bare rate, per round
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
  platform::BenchInitiator bare("bare", SourceId::fromBdf(0, 9, 0));
  platform::BenchInitiator hit("hit", SourceId::fromBdf(0, 10, 0));
  platform::BenchInitiator miss("miss", SourceId::fromBdf(0, 11, 0));
  bare.socket.bind(bare_uncore.in);
  bare_uncore.out.bind(bare_memory.port);
  hit.socket.bind(top.vtd.dma_in);
  miss.socket.bind(top.vtd.dma_in);

  const uint64_t miss_pages = 16ull * config.unit.iotlb.entries;
  std::vector<Path> paths = {
      {"bare", BenchPath::Bare, &bare, {bench.transactions, kHitBase, 4 * 4096, 64, 64}, {}, {}},
      {"hit", BenchPath::Hit, &hit, {bench.transactions, kHitBase, 4 * 4096, 64, 64}, {}, {}},
      {"miss", BenchPath::Miss, &miss, {bench.transactions, kMissBase, miss_pages * 4096, 4096, 64}, {}, {}},
  };
  if (bench.path != BenchPath::All)
    paths.erase(std::remove_if(paths.begin(), paths.end(), [&](const Path& p) { return p.id != bench.path; }),
                paths.end());
  const bool with_ratios = bench.path == BenchPath::All;  // bare runs first in each round
  std::string failure;
  uint64_t hit_lookups = 0, hit_hits = 0, miss_lookups = 0, miss_hits = 0, miss_walk_reads = 0;

  top.cpu.setProgram([&](platform::HostCpu& cpu) {
    fw::PhysAllocator allocator(cpu.hal().memory, 16ull << 20, 48ull << 20);
    fw::VtdDriver driver(cpu.hal(), allocator);
    if (auto s = driver.probe(); !s) { failure = s.error; return; }
    if (auto s = driver.enable(); !s) { failure = s.error; return; }
    // Identity mappings (IOVA = physical) so the bare loop reads the same memory.
    fw::Domain& hot = driver.createDomain(48);
    fw::Domain& cold = driver.createDomain(48);
    if (auto s = driver.map(hot, kHitBase, kHitBase, 4 * 4096, fw::Perm::ReadWrite); !s) { failure = s.error; return; }
    if (auto s = driver.map(cold, kMissBase, kMissBase, miss_pages * 4096, fw::Perm::ReadWrite); !s) { failure = s.error; return; }
    if (auto s = driver.attach(SourceId::fromBdf(0, 10, 0).value, hot); !s) { failure = s.error; return; }
    if (auto s = driver.attach(SourceId::fromBdf(0, 11, 0).value, cold); !s) { failure = s.error; return; }
    auto& unit = top.vtd.model();
    // Warm-up: one pass over each path's pages so the hit path starts with its 4 pages in
    // the IOTLB and every path's code is hot before anything is timed.
    for (Path& p : paths) {
      platform::BenchLoop warm = p.loop;
      warm.transactions = std::max<uint64_t>(p.loop.span / p.loop.stride, 1);
      p.initiator->start(warm);
      cpu.waitFor(p.initiator->done());
    }
    for (uint32_t round = 0; round < bench.rounds; ++round) {
      double bare_rate = 0;
      for (Path& p : paths) {
        const uint64_t lookups0 = unit.stats().iotlb_lookup, hits0 = unit.stats().iotlb_hit;
        const uint64_t reads0 = unit.stats().walk_reads;
        p.initiator->start(p.loop);
        cpu.waitFor(p.initiator->done());
        if (p.initiator->errors()) failure = std::string(p.name) + ": transactions failed";
        const double rate = double(p.loop.transactions) / p.initiator->seconds();
        if (p.initiator == &bare) bare_rate = rate;
        p.rates.push_back(rate);
        if (with_ratios) p.ratios.push_back(rate / bare_rate);
        const uint64_t l = unit.stats().iotlb_lookup - lookups0, h = unit.stats().iotlb_hit - hits0;
        if (p.initiator == &hit) hit_lookups += l, hit_hits += h;
        if (p.initiator == &miss) miss_lookups += l, miss_hits += h, miss_walk_reads += unit.stats().walk_reads - reads0;
      }
    }
  });
  sc_core::sc_start();
  if (!failure.empty()) throw std::runtime_error("bench: " + failure);
  if (!top.cpu.hasFinished()) throw std::runtime_error("bench: the host program did not finish (simulation stalled)");

  std::printf("vtdsim bench: %llu transactions of 64 B per path per round, %u rounds (median)\n\n",
              static_cast<unsigned long long>(bench.transactions), bench.rounds);
  std::printf("  %-6s %16s %12s   %s\n", "path", "DMAs per host s", "ratio", "what");
  auto what = [](BenchPath id) {
    return id == BenchPath::Bare  ? "LT b_transport loop, quantum keeper, uncore path, memory"
           : id == BenchPath::Hit ? "through the VT-d unit, IOTLB and context-cache hits"
                                  : "through the VT-d unit, IOTLB miss + walk each (see reads per miss)";
  };
  nlohmann::json out;
  for (const Path& p : paths) {
    const double rate = median(p.rates);
    if (with_ratios) {
      std::printf("  %-6s %14.2f M %12.3f   %s\n", p.name, rate / 1e6, median(p.ratios), what(p.id));
      out[p.name] = {{"dmas_per_host_second", rate}, {"ratio_to_bare", median(p.ratios)},
                     {"rates", p.rates}, {"ratios", p.ratios}};
    } else {
      std::printf("  %-6s %14.2f M %12s   %s\n", p.name, rate / 1e6, "-", what(p.id));
      out[p.name] = {{"dmas_per_host_second", rate}, {"rates", p.rates}};
    }
  }
  const double hit_rate_hit = hit_lookups ? double(hit_hits) / double(hit_lookups) : 0;
  const double hit_rate_miss = miss_lookups ? double(miss_hits) / double(miss_lookups) : 0;
  const double reads_per_miss = miss_lookups ? double(miss_walk_reads) / double(miss_lookups - miss_hits) : 0;
  const bool ran_hit = out.contains("hit"), ran_miss = out.contains("miss");
  if (ran_hit || ran_miss) std::printf("\n  IOTLB hit rate:");
  if (ran_hit) std::printf(" hit path %.4f", hit_rate_hit);
  if (ran_miss) std::printf("%s miss path %.4f (%.2f walk reads per miss)", ran_hit ? "," : "", hit_rate_miss, reads_per_miss);
  if (ran_hit || ran_miss) std::printf("\n");
  if (ran_hit) {
    out["hit"]["iotlb_hit_rate"] = hit_rate_hit;
    out["hit"]["iotlb_misses"] = hit_lookups - hit_hits;  // its 4 pages, after each miss round
  }
  if (ran_miss) {
    out["miss"]["iotlb_hit_rate"] = hit_rate_miss;
    out["miss"]["walk_reads_per_miss"] = reads_per_miss;
  }
  out["rounds"] = bench.rounds;
  out["config"] = registry.toJson();
  std::filesystem::create_directories(options.out);
  std::ofstream(options.out + "/bench.json") << out.dump(2) << "\n";
  std::printf("  wrote %s/bench.json\n", options.out.c_str());
  return 0;
}

}  // namespace vtd::app
