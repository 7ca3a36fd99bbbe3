// LatencyParams: how the TLM shell turns a Cost into time (simple model: cycles per cache
// lookup from the cache parameters, a fixed pipeline cost per request, a cost per fault
// record, register access time). Memory time of table walks is not here: walks go through
// the memory socket and take whatever the memory answers. The full timing model (walker
// pool, queues, calibration) is a later issue.
#pragma once

#include <cstdint>
#include <string>

#include "model/common/cost.h"

namespace vtd {
class ParamRegistry;
struct UnitConfig;
}

namespace vtd::tlm {

struct LatencyParams {
  double clock_mhz = 1000.0;           // unit clock
  uint32_t request_cycles = 2;         // per request: decode, arbitration
  uint32_t fault_record_cycles = 20;   // writing one fault record
  uint32_t register_access_ns = 100;   // uncached MMIO round trip seen by the CPU

  void describe(ParamRegistry& r, const std::string& prefix);
};

// Precomputed picoseconds per Cost item (one multiply-add per field on the hot path).
class CostTimer {
 public:
  CostTimer(const LatencyParams& p, const UnitConfig& unit);
  uint64_t picoseconds(const Cost& c) const {
    return request_ps_ + c.iotlb_lookups * iotlb_ps_ + c.context_cache_lookups * context_ps_ +
           c.fault_records * fault_ps_ + psc_ps_[c.psc_probed & 63];
  }

 private:
  uint64_t request_ps_, iotlb_ps_, context_ps_, fault_ps_;
  uint64_t psc_ps_[64];  // by Cost::psc_probed: the probed paging-structure caches (bits 5:2)
};

}  // namespace vtd::tlm
