// `vtdsim run`: elaborate the platform, run the embedded KVM passthrough scenario, print
// the summary table, write stats.json, stats.csv and effective_config.json; with --record
// FILE (or as `vtdsim record`) also the trace of what the unit saw (platform/trace_tap.h).
#include <chrono>
#include <filesystem>
#include <memory>
#include <cstdio>
#include <iostream>
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

void describeScenario(StatRegistry& r, const ScenarioReport& s, const double& total_host_s) {
  r.addCounter("scenario.packets", s.packets, "packets", "packets the device moved");
  r.addCounter("scenario.rx_packets", s.rx_packets, "packets", "packets written by the device");
  r.addCounter("scenario.tx_packets", s.tx_packets, "packets", "packets read by the device");
  r.addCounter("scenario.device_msis", s.device_msis, "MSIs", "MSIs the device sent");
  r.addCounter("scenario.device_interrupts", s.device_interrupts, "interrupts", "device MSIs serviced by the host (remapped or direct delivery)");
  r.addCounter("scenario.guest_interrupts", s.guest_interrupts, "interrupts", "device interrupts the guest's vCPU took (posted delivery)");
  const auto& l = s.msi_latency;
  r.addDerived("scenario.msi_latency_mean_ns", [&l] { return l.mean_ns; }, "ns", "mean time from the device issuing an MSI to the guest taking its vector (posted delivery) or to its arrival at the host CPU's APIC (remapped, direct)");
  r.addDerived("scenario.msi_latency_p50_ns", [&l] { return l.p50_ns; }, "ns", "median of that time");
  r.addDerived("scenario.msi_latency_p99_ns", [&l] { return l.p99_ns; }, "ns", "99th percentile of that time");
  r.addDerived("scenario.msi_latency_max_ns", [&l] { return l.max_ns; }, "ns", "longest of that time");
  r.addCounter("scenario.msi_latency_before_issue", l.before_issue, "MSIs", "MSIs delivered at a simulated time before their issue time (the device runs up to platform.quantum_ns ahead; counted as 0 ns)");
  r.addCounter("scenario.fault_interrupts", s.fault_interrupts, "interrupts", "fault events serviced by the host");
  r.addCounter("scenario.fault_records", s.fault_records, "records", "fault records read and cleared by the host's handler");
  r.addCounter("scenario.stray_blocked", s.stray_blocked, "DMAs", "stray DMAs beyond guest RAM that were blocked");
  r.addDerived("scenario.checks_passed", [&s] { return s.ok ? 1.0 : 0.0; }, "bool", "1 when every end-of-run check passed");
  r.addDerived("sim.setup_ns", [&s] { return s.setup_time.to_seconds() * 1e9; }, "ns", "simulated time of the host's bring-up and VM setup");
  r.addDerived("sim.dma_phase_ns", [&s] { return (s.dma_end - s.dma_start).to_seconds() * 1e9; }, "ns", "simulated time of the DMA phase");
  r.addDerived("sim.dma_phase_host_s", [&s] { return s.dma_host_seconds; }, "s", "host (wall-clock) time of the DMA phase");
  r.addDerived("sim.host_s", [&total_host_s] { return total_host_s; }, "s", "host (wall-clock) time of the whole simulation");
}

std::string percent(double num, double den) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", den > 0 ? 100.0 * num / den : 0.0);
  return b;
}

void printSummary(const StatRegistry& st, const ScenarioReport& rep, double host_s) {
  auto v = [&](const char* n) { return uint64_t(st.value(n)); };
  const double dma_sim_ns = st.value("sim.dma_phase_ns");
  const double dma_host_s = rep.dma_host_seconds;
  const uint64_t dmas = v("vtd.dma_requests");
  char line[256];
  std::cout << "vtdsim run: KVM guest, one assigned NIC-like device (embedded default scenario)\n\n";
  auto row = [](const char* k, const std::string& val) { std::printf("  %-28s %s\n", k, val.c_str()); };
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
  describeScenario(stats, report, host_s);

  nlohmann::json meta;
  meta["tool"] = "vtdsim";
  meta["command"] = "run";
  meta["scenario"] = "kvm_passthrough";
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
