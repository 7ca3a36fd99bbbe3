// ReplayParams and CurveParams: registry descriptions.
#include "platform/replay/replay_params.h"

#include "model/common/param_registry.h"

namespace vtd::replay {

void ReplayParams::describe(ParamRegistry& r, const std::string& p) {
  r.addChoice(p + "vms", vms, {{"shared", VmAssignment::Shared}, {"per_source", VmAssignment::PerSource}},
              "vtdsim replay/curve: shared = every source id of the trace is a device of one VM "
              "(one domain); per_source = each source id gets its own VM and domain, in the "
              "order first seen (each VM's RAM per scenario.vm_ram_mib and scenario.leaf)");
  r.addBool(p + "invalidations", invalidations,
            "vtdsim replay: apply the trace's context-cache and IOTLB invalidations (writes to "
            "CCMD/IOTLB_REG, queued descriptors) through the driver; false ignores them");
  r.addUInt(p + "warmup_events", warmup_events, 0, UINT64_MAX, "events",
            "vtdsim replay: DMA records replayed before the statistics are reset (cache warm-up)");
  r.addUInt(p + "max_events", max_events, 0, UINT64_MAX, "events",
            "vtdsim replay/curve: stop after this many DMA records (0: the whole trace)");
}

void CurveParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "sets", sets, 1, 1u << 16, "sets",
            "vtdsim curve: number of sets of the set-associative LRU curve (a power of two; "
            "entries = sets x ways, indexed as the IOTLB indexes them)");
  r.addUInt(p + "max_entries", max_entries, 1, 1u << 24, "entries",
            "vtdsim curve: largest IOTLB size (entries) the curves report");
}

std::string CurveParams::validate(const std::string& p) const {
  if (sets == 0 || (sets & (sets - 1))) return p + "sets must be a power of two";
  if (max_entries < sets) return p + "max_entries must be at least " + p + "sets";
  return "";
}

}  // namespace vtd::replay
