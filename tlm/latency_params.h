// LatencyParams: the loosely-timed unit's timing parameters (latency.*): the clock, the
// fixed cycles per request, fault record and invalidated entry, the register access time,
// the page-walker pool, the request queue's bound, and walk reads that hit the last-level
// cache. Lookup cycles come from the cache parameters (iotlb.*, context_cache.*, psc.*).
// Memory time of table reads is not here: reads go through the memory socket and take
// whatever the memory answers. CostTimer turns a Cost into picoseconds; the contention
// (walkers, queue, merging) lives in resource_timelines.h and vtd_unit_timing.cpp.
// Not here: the PCIe link, the memory's bandwidth and the uncore's read latency
// (platform/). The walker count is fitted to CALIBRATION.md (docs/calibration.md).
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
  uint32_t walkers = 5;                // concurrent page walks (fitted: docs/calibration.md)
  uint32_t request_queue = 64;         // translation requests in flight before backpressure
  double walk_llc_hit_fraction = 0.0;  // coherent walks: share of table reads the LLC serves
  uint32_t walk_llc_ns = 20;           // latency of such a read
  uint64_t walk_llc_seed = 1;          // seed of that choice
  uint32_t invalidation_entry_cycles = 1;  // per cache entry an invalidation removes

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
  // The lookup pipeline before a walk can start: request, context-cache and IOTLB lookup
  // (a context-cache miss reads its entries from this point too).
  uint64_t frontPicoseconds() const { return request_ps_ + context_ps_ + iotlb_ps_; }
  double cyclePicoseconds() const { return cycle_ps_; }
  uint64_t cyclesToPicoseconds(uint64_t cycles) const;

 private:
  double cycle_ps_;
  uint64_t request_ps_, iotlb_ps_, context_ps_, fault_ps_;
  uint64_t psc_ps_[64];  // by Cost::psc_probed: the probed paging-structure caches (bits 5:2)
};

}  // namespace vtd::tlm
