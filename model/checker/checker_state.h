// CheckerState: what the driver checker keeps inside a remapping unit — its switches, the
// findings, the invalidations performed (to name the last one that covered a stale entry)
// and the ordering obligations software has not met yet. The checks themselves are
// RemappingUnit members (checker/stale_check.cpp, checker/ordering_check.cpp) because they
// re-use the unit's context reader and walker on a side-effect-free view of memory.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "model/checker/checker_params.h"
#include "model/checker/diagnostics.h"
#include "model/checker/invalidation_history.h"

namespace vtd {

struct CheckerState {
  explicit CheckerState(const CheckerParams& p) : params(p), log(p.keep, p.max_reports) {}

  CheckerParams params;
  DiagnosticLog log;
  InvalidationHistory history;

  // GCMD.SRTP latched a root table while the context cache or IOTLB held entries: until a
  // global context-cache and a global IOTLB invalidation, they may describe the old tables
  // (FS 3.1, 9.C.5). Reported at the first DMA translated meanwhile.
  bool srtp_pending = false;
  bool srtp_context_flushed = false;
  bool srtp_iotlb_flushed = false;
  uint64_t srtp_sequence = 0;
  // Context-cache invalidations no IOTLB invalidation (global or domain) has followed yet
  // (VT-d 3.x 6.5.1.1): reported at the first DMA from a source they covered.
  std::vector<InvalidationRecord> context_without_iotlb;
  // GCMD.SIRTP latched a table while the interrupt-entry cache held entries: until a
  // global IEC invalidation they may describe the old table (FS 3.1). Reported at the first
  // interrupt remapped meanwhile.
  bool sirtp_pending = false;
  uint64_t sirtp_sequence = 0;
  // The interrupt request at which each interrupt index was last put in the IEC, so a
  // stale-entry report can say whether an invalidation has covered it since.
  std::unordered_map<uint32_t, uint64_t> iec_filled;

  // Forgets every finding's context but keeps the findings (unit reset).
  void clearState() {
    history.clear();
    srtp_pending = sirtp_pending = false;
    context_without_iotlb.clear();
    iec_filled.clear();
  }
};

}  // namespace vtd
