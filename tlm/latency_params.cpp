// LatencyParams description and the Cost -> picoseconds conversion.
#include "tlm/latency_params.h"

#include <algorithm>
#include <cmath>

#include "model/common/param_registry.h"
#include "model/unit/remapping_unit.h"

namespace vtd::tlm {

void LatencyParams::describe(ParamRegistry& r, const std::string& p) {
  r.addReal(p + "clock_mhz", clock_mhz, 1.0, 10000.0, "MHz", "remapping-unit clock");
  r.addUInt(p + "request_cycles", request_cycles, 0, 10000, "cycles", "fixed cost of every DMA request through the unit");
  r.addUInt(p + "fault_record_cycles", fault_record_cycles, 0, 100000, "cycles", "cost of writing one fault record");
  r.addUInt(p + "register_access_ns", register_access_ns, 0, 100000, "ns", "register access time seen by the CPU");
  r.addUInt(p + "walkers", walkers, 1, 1024, "walkers", "page walkers: walks in flight at once (an IOTLB miss waits for a free one). Fitted to the 64 MiB bandwidth of CALIBRATION.md (35 % of the no-IOMMU figure)");
  r.addUInt(p + "request_queue", request_queue, 1, 1u << 20, "requests", "translation requests in flight (arrived, not completed) before a new one is held back (backpressure to the requester)");
  r.addReal(p + "walk_llc_hit_fraction", walk_llc_hit_fraction, 0.0, 1.0, "ratio", "share of table reads by walks that hit the last-level cache, when walks are coherent (unit.coherent, ECAP.C)");
  r.addUInt(p + "walk_llc_ns", walk_llc_ns, 0, 100000, "ns", "latency of a table read served by the last-level cache (instead of the memory's)");
  r.addUInt(p + "walk_llc_seed", walk_llc_seed, 0, ~0ull, "", "seed of the choice of table reads that hit the last-level cache");
  r.addUInt(p + "invalidation_entry_cycles", invalidation_entry_cycles, 0, 100000, "cycles", "cost per cache entry an invalidation removes (IOTLB, context, paging-structure and interrupt-entry caches), added to the register write that started it");
}

CostTimer::CostTimer(const LatencyParams& p, const UnitConfig& unit) : cycle_ps_(1e6 / p.clock_mhz) {
  auto ps = [this](uint32_t cycles) { return cyclesToPicoseconds(cycles); };
  request_ps_ = ps(p.request_cycles);
  // Split IOTLB: the per-size arrays are probed in turn, like the unified array per size;
  // a lookup costs the slowest array's cycles.
  uint32_t iotlb_cycles = unit.iotlb.lookup_cycles;
  if (unit.iotlb_organisation.organisation == IotlbOrganisation::Split) {
    iotlb_cycles = 0;
    for (const auto& a : unit.iotlb_organisation.split) iotlb_cycles = std::max(iotlb_cycles, a.lookup_cycles);
  }
  iotlb_ps_ = ps(iotlb_cycles);
  // Paging-structure caches are probed one level after the other (PDE first).
  for (unsigned probed = 0; probed < 64; ++probed) {
    uint32_t cycles = 0;
    for (unsigned level = 2; level <= 5; ++level)
      if ((probed >> level) & 1) cycles += unit.psc.at(level).lookup_cycles;
    psc_ps_[probed] = ps(cycles);
  }
  context_ps_ = ps(unit.context_cache.lookup_cycles);
  fault_ps_ = ps(p.fault_record_cycles);
}

uint64_t CostTimer::cyclesToPicoseconds(uint64_t cycles) const {
  return uint64_t(std::llround(double(cycles) * cycle_ps_));
}

}  // namespace vtd::tlm
