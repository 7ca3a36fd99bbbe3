// `vtdsim run`: elaborate the platform, run the KVM passthrough scenario (its VMs, devices
// and workloads as scenario.* says), print the summary table with a row per device (and per
// VM), write stats.json, stats.csv and effective_config.json; with --record FILE (or as
// `vtdsim record`) also the trace of what the unit saw (platform/trace_tap.h).
#include <chrono>
#include <filesystem>
#include <memory>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "model/common/stat_registry.h"
#include "platform/app/cli.h"
#include "platform/run_output.h"
#include "platform/scenarios/kvm_passthrough.h"
#include "platform/vtd_platform.h"
#include "traces/format/trace_file.h"

namespace vtd::app {

using platform::ScenarioReport;
using platform::withThousands;

namespace {

std::string percent(double num, double den) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", den > 0 ? 100.0 * num / den : 0.0);
  return b;
}

// Hit rate of a share, or "-" when its requests were not translated (IOMMU off, pass-through).
std::string hitRate(const platform::UnitCounts& u) {
  return u.iotlb_lookup ? percent(double(u.iotlb_hit), double(u.iotlb_lookup)) : "-";
}

void printHeader(const ScenarioReport& rep) {
  std::map<std::string, unsigned> kinds;
  for (const auto& d : rep.devices) ++kinds[d.workload];
  std::string what;
  for (const auto& [kind, n] : kinds) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
  const size_t vms = rep.vms.size();
  std::cout << "vtdsim run: " << vms << (vms == 1 ? " KVM guest" : " KVM guests") << ", " << rep.devices.size()
            << (rep.devices.size() == 1 ? " assigned device (" : " assigned devices (") << what << "), IOMMU "
            << rep.iommu << "\n\n";
}

// One row per device, then per VM when there are several: what an architect compares
// across workloads (payload rate over simulated time, IOTLB behaviour of its DMA).
void printDevices(const ScenarioReport& rep) {
  std::printf("\n  %-7s %-3s %-8s %22s %14s %9s %10s %11s\n", "device", "VM", "workload", "work done", "payload B",
              "Gb/s", "IOTLB hit", "misses/MiB");
  for (const auto& d : rep.devices) {
    const std::string units = withThousands(d.units) + " " + d.unit_name;
    std::printf("  %-7u %-3u %-8s %22s %14s %9.2f %10s %11.1f\n", d.index, d.vm, d.workload.c_str(), units.c_str(),
                withThousands(d.payload_bytes).c_str(), d.gbps(),
                hitRate(d.unit).c_str(), d.unit.missesPerMib());
  }
  const double ns = rep.dmaPhaseNs();
  auto gbps = [ns](uint64_t bytes) { return ns > 0 ? double(bytes) * 8.0 / ns : 0.0; };
  if (rep.vms.size() > 1)
    for (const auto& v : rep.vms)
      std::printf("  %-7s %-3u %-8s %22s %14s %9.2f %10s %11.1f\n", "all", v.index, "", "",
                  withThousands(v.payload_bytes).c_str(), gbps(v.payload_bytes),
                  hitRate(v.unit).c_str(), v.unit.missesPerMib());
  if (rep.devices.size() > 1)
    std::printf("  %-7s %-3s %-8s %22s %14s %9.2f %10s %11.1f\n", "all", "all", "", "",
                withThousands(rep.payload_bytes).c_str(), gbps(rep.payload_bytes),
                hitRate(rep.unit).c_str(), rep.unit.missesPerMib());
  std::printf("  (Gb/s: payload per simulated time each device worked; rows \"all\": over the DMA phase)\n\n");
}

void printSummary(const StatRegistry& st, const ScenarioReport& rep, double host_s) {
  auto v = [&](const char* n) { return uint64_t(st.value(n)); };
  const double dma_sim_ns = st.value("sim.dma_phase_ns");
  const double dma_host_s = rep.dma_host_seconds;
  const uint64_t dmas = v("vtd.dma_requests");
  char line[256];
  printHeader(rep);
  auto row = [](const char* k, const std::string& val) { std::printf("  %-28s %s\n", k, val.c_str()); };
  if (rep.packets)
    row("packets", withThousands(rep.packets) + "  (" + withThousands(rep.rx_packets) + " rx, " +
                       withThousands(rep.tx_packets) + " tx)");
  row("DMAs through the unit", withThousands(dmas));
  row("DMA bytes", withThousands(v("vtd.dma_bytes")));
  row("translations", withThousands(v("vtd.translations")));
  row("IOTLB lookups / hits", withThousands(v("vtd.iotlb_lookup")) + " / " + withThousands(v("vtd.iotlb_hit")) +
                                  "  (" + percent(double(v("vtd.iotlb_hit")), double(v("vtd.iotlb_lookup"))) + ")");
  row("context-cache lookups / hits", withThousands(v("vtd.ctxt_cache_lookup")) + " / " + withThousands(v("vtd.ctxt_cache_hit")));
  std::snprintf(line, sizeof line, "%s  (%.2f reads per walk)", withThousands(v("vtd.walks")).c_str(), st.value("vtd.walk_reads_per_walk"));
  row("page walks", line);
  std::string psc;
  for (const char* level : {"pde", "pdpe", "pml4e", "pml5e"}) {
    const uint64_t lookups = v(("vtd.ss_nonleaf_lookup_" + std::string(level)).c_str());
    if (!lookups) continue;
    psc += (psc.empty() ? "" : ", ") + std::string(level) + " " +
           withThousands(v(("vtd.ss_nonleaf_hit_" + std::string(level)).c_str())) + " / " + withThousands(lookups);
  }
  row("paging-structure hits", psc.empty() ? "none probed" : psc);
  row("faults (recorded)", withThousands(v("vtd.faults")) + " (" + withThousands(v("vtd.faults_recorded")) +
                               "), fault events " + withThousands(v("vtd.fault_events")));
  row("host interrupts", withThousands(v("intc.delivered")) + "  (" + withThousands(rep.device_interrupts) + " device, " +
                             withThousands(rep.fault_interrupts) + " fault)");
  row("device MSIs", withThousands(rep.device_msis) + "  (" + rep.interrupt_delivery + " delivery)");
  std::snprintf(line, sizeof line, "%s remapped, %s posted, %s faulted; IEC hits %s / %s",
                withThousands(v("vtd.interrupts_remapped")).c_str(), withThousands(v("vtd.interrupts_posted")).c_str(),
                withThousands(v("vtd.interrupts_faulted")).c_str(),
                withThousands(v("vtd.int_cache_hit_posted") + v("vtd.int_cache_hit_nonposted")).c_str(),
                withThousands(v("vtd.int_cache_lookup")).c_str());
  row("interrupt remapping", line);
  if (rep.interrupt_delivery == "posted") {
    std::snprintf(line, sizeof line, "%s notifications, %s suppressed (SN), %s already pending (ON)",
                  withThousands(v("vtd.post_notifications")).c_str(), withThousands(v("vtd.post_suppressed")).c_str(),
                  withThousands(v("vtd.post_already_pending")).c_str());
    row("posting", line);
    std::snprintf(line, sizeof line, "%s taken; %s slices, %s preemptions, %s halts (%s woken by posting)",
                  withThousands(rep.guest_interrupts).c_str(), withThousands(v("vcpu0.scheduler.slices")).c_str(),
                  withThousands(v("vcpu0.scheduler.preemptions")).c_str(), withThousands(v("vcpu0.scheduler.halts")).c_str(),
                  withThousands(v("vcpu0.scheduler.interrupt_wakeups")).c_str());
    row("guest interrupts", line);
    std::snprintf(line, sizeof line, "%.1f ns mean to the descriptor update (max %.1f)",
                  st.value("vtd.interrupt_post_latency_ns"), st.value("vtd.interrupt_post_latency_max_ns"));
  } else {
    std::snprintf(line, sizeof line, "%.1f ns mean to the APIC (max %.1f)",
                  st.value("vtd.interrupt_delivery_latency_ns"), st.value("vtd.interrupt_delivery_latency_max_ns"));
  }
  row("interrupt latency in unit", line);
  const auto& l = rep.msi_latency;
  std::snprintf(line, sizeof line, "%.1f ns mean, %.1f median, %.1f p99, %.1f max (to the %s)", l.mean_ns, l.p50_ns,
                l.p99_ns, l.max_ns, rep.interrupt_delivery == "posted" ? "guest" : "host APIC");
  row("MSI to delivery", line);
  std::snprintf(line, sizeof line, "%.3f ms DMA phase, %.3f ms total", dma_sim_ns / 1e6,
                sc_core::sc_time_stamp().to_seconds() * 1e3);
  row("simulated time", line);
  std::snprintf(line, sizeof line, "%.3f s DMA phase, %.3f s total", dma_host_s, host_s);
  row("host time", line);
  std::snprintf(line, sizeof line, "%.2f M", dma_host_s > 0 ? double(dmas) / dma_host_s / 1e6 : 0.0);
  row("simulated DMAs per host s", line);
  printDevices(rep);
  row("checks", rep.ok ? "passed" : "FAILED");
  for (const auto& p : rep.problems) std::cout << "    - " << p << "\n";
  for (const auto& f : rep.fault_log) std::cout << "    host fault handler: " << f << "\n";
}

}  // namespace

int runCommand(const CommonOptions& options) {
  rejectPositional(options, "run");
  platform::SimConfig config;
  ParamRegistry registry;
  loadConfig(options, config, registry);

  // --record: the TraceTap's output, opened before elaboration (the tap is bound then).
  std::unique_ptr<trace::TraceOutput> recording;
  if (options.record == "-" && !options.quiet)
    throw CliError("--record - writes the trace to standard output: add --quiet (no summary there)");
  if (!options.record.empty() && options.record != "-") {
    const std::filesystem::path parent = std::filesystem::path(options.record).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  if (!options.record.empty())
    recording = std::make_unique<trace::TraceOutput>(options.record, trace::formForName(options.record));
  platform::VtdPlatform top("top", config, recording ? &recording->sink() : nullptr);
  platform::KvmPassthroughScenario scenario(top, config.scenario);
  scenario.install();
  const auto wall_start = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double host_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!top.cpu.hasFinished()) throw std::runtime_error("the host program did not finish (simulation stalled)");
  if (recording) recording->finish();

  const ScenarioReport& report = scenario.report();
  StatRegistry stats;
  top.describeStats(stats);
  scenario.describeStats(stats);
  stats.addDerived("sim.host_s", [&host_s] { return host_s; }, "s", "host (wall-clock) time of the whole simulation");  // as describe_command.cpp says

  nlohmann::json meta;
  meta["tool"] = "vtdsim";
  meta["command"] = "run";
  meta["scenario"] = "kvm_passthrough";
  meta["devices"] = nlohmann::json::array();
  for (const auto& d : report.devices)
    meta["devices"].push_back({{"index", d.index}, {"vm", d.vm}, {"workload", d.workload}});
  meta["iommu"] = report.iommu;
  meta["checks_passed"] = report.ok;
  meta["problems"] = report.problems;
  meta["simulated_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
  platform::writeRunOutputs(options.out, meta, registry.toJson(), stats);
  if (!options.quiet) {
    printSummary(stats, report, host_s);
    std::cout << "\n  wrote " << options.out << "/stats.json, stats.csv, effective_config.json\n";
    if (recording) std::cout << "  recorded " << withThousands(top.tap->recorded()) << " records into " << options.record << "\n";
  }
  return report.ok ? 0 : 1;
}

int recordCommand(const CommonOptions& options) {
  CommonOptions o = options;
  if (o.record.empty()) o.record = (std::filesystem::path(o.out) / "trace.vtdt").string();
  return runCommand(o);
}

}  // namespace vtd::app
