// `vtdsim curve TRACE`: one pass over a trace gives the IOTLB miss curve of every size at
// once (platform/replay/miss_curve.h): fully associative LRU, and set-associative LRU with
// curve.sets sets. Writes curve.csv (one row per size), stats.json / stats.csv (the pass's
// counters, host time, peak memory) and effective_config.json into --out, and prints the
// curve at powers of two. traces/plot_curve.py draws curve.csv.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "model/common/stat_registry.h"
#include "platform/app/replay_setup.h"
#include "platform/replay/curve_runner.h"
#include "platform/replay/host_usage.h"
#include "platform/run_output.h"
#include "traces/format/trace_file.h"

namespace vtd::app {

using platform::withThousands;

namespace {

void writeCsv(const std::string& path, const replay::MissCurve& curve, uint64_t bytes) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << "curve,sets,ways,entries,lookups,misses,miss_ratio,misses_per_mib,misses_4k,misses_2m,misses_1g\n";
  const double mib = double(bytes) / double(1 << 20);
  auto rows = [&](const char* name, const std::vector<replay::CurvePoint>& points) {
    for (const auto& p : points) {
      char line[256];
      std::snprintf(line, sizeof line, "%s,%u,%u,%u,%llu,%llu,%.6f,%.4f,%llu,%llu,%llu\n", name, p.sets, p.ways,
                    p.entries, (unsigned long long)curve.lookups(), (unsigned long long)p.misses,
                    curve.lookups() ? double(p.misses) / double(curve.lookups()) : 0.0,
                    mib > 0 ? double(p.misses) / mib : 0.0, (unsigned long long)p.misses_by_size[0],
                    (unsigned long long)p.misses_by_size[1], (unsigned long long)p.misses_by_size[2]);
      out << line;
    }
  };
  rows("fa", curve.fullyAssociative());
  rows("sa", curve.setAssociative());
  if (!out) throw std::runtime_error("error writing " + path);
}

void printSummary(const std::string& trace, const replay::CurveRunner& runner, const HostFigures& host) {
  const replay::MissCurve& c = runner.curve();
  std::printf("vtdsim curve: %s\n\n  %s DMA records, %s IOTLB lookups, %s distinct entries\n\n", trace.c_str(),
              withThousands(runner.stats().dma_records).c_str(), withThousands(c.lookups()).c_str(),
              withThousands(c.distinctEntries()).c_str());
  const auto fa = c.fullyAssociative(), sa = c.setAssociative();
  std::printf("  %8s  %22s  %22s\n", "entries", "fully assoc. misses", (std::to_string(c.sets()) + "-set misses").c_str());
  for (uint32_t e = 1; e <= c.maxEntries(); e *= 2) {
    char sa_text[40] = "-";
    if (e % c.sets() == 0 && e / c.sets() >= 1 && e / c.sets() <= sa.size()) {
      const auto& p = sa[e / c.sets() - 1];
      std::snprintf(sa_text, sizeof sa_text, "%s (%.2f %%)", withThousands(p.misses).c_str(),
                    c.lookups() ? 100.0 * double(p.misses) / double(c.lookups()) : 0.0);
    }
    const auto& p = fa[e - 1];
    char fa_text[40];
    std::snprintf(fa_text, sizeof fa_text, "%s (%.2f %%)", withThousands(p.misses).c_str(),
                  c.lookups() ? 100.0 * double(p.misses) / double(c.lookups()) : 0.0);
    std::printf("  %8u  %22s  %22s\n", e, fa_text, sa_text);
  }
  std::printf("\n  host: %.3f s, %.2f M DMA records/s, peak RSS %.1f MiB\n", host.seconds, host.events_per_s / 1e6,
              double(host.peak_rss_kib) / 1024.0);
}

}  // namespace

int curveCommand(const CommonOptions& options_in) {
  CommonOptions options = options_in;
  options.check_scenario = false;
  const std::string path = traceArgument(options, "curve");
  platform::SimConfig config;
  ParamRegistry registry;
  loadConfig(options, config, registry);

  replay::CurveRunner runner(replayMachine(config), config.curve, config.replay);
  trace::TraceInput input(path);
  const auto start = std::chrono::steady_clock::now();
  runner.run(input.source());
  HostFigures host;
  host.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  host.events_per_s = host.seconds > 0 ? double(runner.stats().dma_records + runner.stats().interrupt_requests +
                                                runner.stats().malformed) / host.seconds
                                       : 0;
  host.peak_rss_kib = replay::peakRssKib();

  StatRegistry stats;
  runner.stats().describe(stats, "curve.");
  const replay::MissCurve& c = runner.curve();
  const uint64_t lookups = c.lookups(), distinct = c.distinctEntries();
  stats.addCounter("curve.iotlb_lookup", lookups, "lookups", "IOTLB lookups the trace makes (the same at every size)");
  stats.addCounter("curve.distinct_entries", distinct, "entries", "distinct IOTLB entries touched (the misses of an infinite IOTLB, with the faulting lookups)");
  host.describe(stats, "curve.");

  nlohmann::json meta;
  meta["tool"] = "vtdsim";
  meta["command"] = "curve";
  meta["trace"] = path;
  platform::writeRunOutputs(options.out, meta, registry.toJson(), stats);
  writeCsv(options.out + "/curve.csv", c, runner.stats().dma_bytes);
  if (!options.quiet) {
    printSummary(path, runner, host);
    std::cout << "\n  wrote " << options.out << "/curve.csv, stats.json, stats.csv, effective_config.json"
              << "\n  plot: python3 traces/plot_curve.py " << options.out << "/curve.csv\n";
  }
  return 0;
}

}  // namespace vtd::app
