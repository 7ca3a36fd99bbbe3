// `vtdsim replay TRACE`: a trace through the functional model (platform/replay/, no
// SystemC and no time), streaming; prints a summary and writes stats.json, stats.csv and
// effective_config.json like `vtdsim run` (vtd.* names as in a run, plus replay.*).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "model/common/stat_registry.h"
#include "platform/app/replay_setup.h"
#include "platform/replay/host_usage.h"
#include "platform/replay/replayer.h"
#include "platform/run_output.h"
#include "traces/format/trace_file.h"

namespace vtd::app {

using platform::withThousands;

namespace {

void printSummary(const std::string& trace, const StatRegistry& st, const HostFigures& host, size_t vms) {
  auto v = [&](const char* n) { return uint64_t(st.value(n)); };
  auto row = [](const char* k, const std::string& val) { std::printf("  %-30s %s\n", k, val.c_str()); };
  char line[160];
  std::printf("vtdsim replay: %s (functional model, no timing)\n\n", trace.c_str());
  row("records", withThousands(v("replay.records")));
  row("DMA records replayed", withThousands(v("replay.dma_records")) + "  (" + withThousands(v("replay.pieces")) +
                                  " translations, " + withThousands(v("replay.blocked")) + " blocked)");
  row("interrupt requests (skipped)", withThousands(v("replay.interrupt_requests")));
  row("invalidations applied", withThousands(v("replay.invalidations_applied")) + " of " +
                                   withThousands(v("replay.register_writes")) + " register writes, " +
                                   withThousands(v("replay.descriptors")) + " descriptors");
  row("VMs / devices", std::to_string(vms) + " / " + withThousands(v("replay.devices")));
  const uint64_t lookups = v("vtd.iotlb_lookup"), hits = v("vtd.iotlb_hit");
  std::snprintf(line, sizeof line, "%s / %s  (%.2f %% hits)", withThousands(lookups).c_str(), withThousands(hits).c_str(),
                lookups ? 100.0 * double(hits) / double(lookups) : 0.0);
  row("IOTLB lookups / hits", line);
  row("context-cache lookups / hits", withThousands(v("vtd.ctxt_cache_lookup")) + " / " + withThousands(v("vtd.ctxt_cache_hit")));
  std::snprintf(line, sizeof line, "%s  (%.2f reads per walk)", withThousands(v("vtd.walks")).c_str(), st.value("vtd.walk_reads_per_walk"));
  row("page walks", line);
  row("faults", withThousands(v("vtd.faults")));
  std::snprintf(line, sizeof line, "%.3f s, %.2f M DMA records/s, peak RSS %.1f MiB", host.seconds,
                host.events_per_s / 1e6, double(host.peak_rss_kib) / 1024.0);
  row("host", line);
}

}  // namespace

int replayCommand(const CommonOptions& options_in) {
  CommonOptions options = options_in;
  options.check_scenario = false;  // the run platform's memory map does not apply
  const std::string path = traceArgument(options, "replay");
  platform::SimConfig config;
  ParamRegistry registry;
  loadConfig(options, config, registry);

  replay::ReplaySystem system(replayMachine(config));
  replay::Replayer replayer(system, config.replay);
  trace::TraceInput input(path);
  const auto start = std::chrono::steady_clock::now();
  replayer.run(input.source());
  HostFigures host;
  host.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  host.events_per_s = host.seconds > 0 ? double(replayer.dmaEventsSeen()) / host.seconds : 0;
  host.peak_rss_kib = replay::peakRssKib();

  StatRegistry stats;
  system.unit().describeStats(stats, "vtd.");
  replayer.stats().describe(stats, "replay.");
  const uint64_t devices = system.devicesAttached();
  stats.addCounter("replay.devices", devices, "devices", "source ids of the trace attached to a VM");
  host.describe(stats, "replay.");

  nlohmann::json meta;
  meta["tool"] = "vtdsim";
  meta["command"] = "replay";
  meta["trace"] = path;
  meta["trace_form"] = input.form() == trace::TraceForm::Binary ? "binary" : "text";
  platform::writeRunOutputs(options.out, meta, registry.toJson(), stats);
  if (!options.quiet) {
    printSummary(path, stats, host, system.vmCount());
    std::cout << "\n  wrote " << options.out << "/stats.json, stats.csv, effective_config.json\n";
  }
  return 0;
}

}  // namespace vtd::app
