// replay_setup.h: configuration to replay machine, and the host figures.
#include "platform/app/replay_setup.h"

namespace vtd::app {

replay::ReplayMachine replayMachine(const platform::SimConfig& config) {
  replay::ReplayMachine m;
  m.unit = config.unit;
  m.vm_ram_bytes = config.scenario.vm_ram_mib << 20;
  m.host_base = config.scenario.host_base_mib << 20;
  switch (config.scenario.leaf) {
    case platform::LeafChoice::k2M: m.leaf = fw::LeafSize::k2M; break;
    case platform::LeafChoice::k1G: m.leaf = fw::LeafSize::k1G; break;
    default: m.leaf = fw::LeafSize::k4K; break;
  }
  m.ats = config.device.ats;
  m.vms = config.replay.vms;
  return m;
}

std::string traceArgument(const CommonOptions& options, const char* command) {
  if (options.positional.size() != 1)
    throw CliError(std::string(command) + " needs one trace file (\"-\" reads standard input)");
  return options.positional[0];
}

void HostFigures::describe(StatRegistry& r, const std::string& p) const {
  r.addDerived(p + "host_s", [this] { return seconds; }, "s", "host (wall-clock) time of the pass over the trace");
  r.addDerived(p + "events_per_host_s", [this] { return events_per_s; }, "events/s", "DMA records per host second");
  r.addCounter(p + "peak_rss_kib", peak_rss_kib, "KiB", "peak resident memory of the process (VmHWM)");
}

}  // namespace vtd::app
