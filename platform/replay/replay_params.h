// Parameters of `vtdsim replay` (replay.*) and `vtdsim curve` (curve.*). The machine a trace
// is replayed on is otherwise the run's: unit.*, iotlb.*, psc.*, context_cache.* for the
// unit, scenario.vm_ram_mib / host_base_mib / leaf for each VM's memory, device.ats for the
// devices' contexts. Plain structs with defaults, described into the ParamRegistry.
#pragma once

#include <cstdint>
#include <string>

namespace vtd {
class ParamRegistry;
}

namespace vtd::replay {

// Which VM a requester id of the trace belongs to.
enum class VmAssignment : uint8_t {
  Shared,     // every source id is a device of one VM (one domain)
  PerSource,  // each source id gets its own VM and domain, in the order first seen
};

struct ReplayParams {
  VmAssignment vms = VmAssignment::Shared;
  bool invalidations = true;   // apply the trace's invalidations (register or descriptor form)
  uint64_t warmup_events = 0;  // DMA records replayed before the statistics are reset
  uint64_t max_events = 0;     // stop after this many DMA records (0: the whole trace)

  void describe(ParamRegistry& r, const std::string& prefix);
};

struct CurveParams {
  uint32_t sets = 16;            // set-associative curve: this many sets (power of two)
  uint32_t max_entries = 4096;   // largest IOTLB size the curve reports

  void describe(ParamRegistry& r, const std::string& prefix);
  std::string validate(const std::string& prefix) const;  // empty when fine
};

}  // namespace vtd::replay
