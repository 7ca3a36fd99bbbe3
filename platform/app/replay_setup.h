// What `vtdsim replay` and `vtdsim curve` share: the replay machine described by a
// SimConfig (unit.*, iotlb.*, psc.*, context_cache.*, scenario.vm_ram_mib / host_base_mib /
// leaf, device.ats, replay.vms), the trace argument, and the host figures both report.
#pragma once

#include <string>

#include "model/common/stat_registry.h"
#include "platform/app/cli.h"
#include "platform/replay/replay_system.h"

namespace vtd::app {

replay::ReplayMachine replayMachine(const platform::SimConfig& config);
// The one positional argument (a trace file, "-" for standard input); CliError otherwise.
std::string traceArgument(const CommonOptions& options, const char* command);

struct HostFigures {
  double seconds = 0;       // wall-clock time of the pass over the trace
  double events_per_s = 0;  // DMA records per wall-clock second
  uint64_t peak_rss_kib = 0;
  void describe(StatRegistry& r, const std::string& prefix) const;
};

}  // namespace vtd::app
