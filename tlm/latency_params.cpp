// LatencyParams description and the Cost -> picoseconds conversion.
#include "tlm/latency_params.h"

#include <cmath>

#include "model/common/param_registry.h"
#include "model/unit/remapping_unit.h"

namespace vtd::tlm {

void LatencyParams::describe(ParamRegistry& r, const std::string& p) {
  r.addReal(p + "clock_mhz", clock_mhz, 1.0, 10000.0, "MHz", "remapping-unit clock");
  r.addUInt(p + "request_cycles", request_cycles, 0, 10000, "cycles", "fixed cost of every DMA request through the unit");
  r.addUInt(p + "fault_record_cycles", fault_record_cycles, 0, 100000, "cycles", "cost of writing one fault record");
  r.addUInt(p + "register_access_ns", register_access_ns, 0, 100000, "ns", "register access time seen by the CPU");
}

CostTimer::CostTimer(const LatencyParams& p, const UnitConfig& unit) {
  const double cycle_ps = 1e6 / p.clock_mhz;
  auto ps = [cycle_ps](uint32_t cycles) { return uint64_t(std::llround(cycles * cycle_ps)); };
  request_ps_ = ps(p.request_cycles);
  iotlb_ps_ = ps(unit.iotlb.lookup_cycles);
  context_ps_ = ps(unit.context_cache.lookup_cycles);
  fault_ps_ = ps(p.fault_record_cycles);
}

}  // namespace vtd::tlm
