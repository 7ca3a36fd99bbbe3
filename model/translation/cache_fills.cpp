// What a miss leaves in the caches (VT-d 3.x 6.1, 6.2.4-6.2.6; FS 2.1 CM, 5.1, 6.3):
// - an IOTLB miss probes the paging-structure caches (PDE first), walks from below the
//   level that hit, fills those caches with every non-leaf entry it read and validated
//   (also when a lower level then faults: the entries read were present and well-formed),
//   then fills the IOTLB with the translation;
// - with CAP.CM=1 the unit may cache not-present and erroneous entries: a walk that ends on
//   a not-present (R=W=0) or reserved-bit paging entry leaves a negative IOTLB entry for the
//   request's 4 KiB page, tagged with the context's DID, and a failed root/context lookup
//   that met a not-present or erroneous entry leaves a negative context-cache entry tagged
//   with DID 0 (the tag Linux invalidates with after making a context present, FS 9.E.2).
//   Either keeps faulting requests until software invalidates it (page-selective or wider
//   for the IOTLB; device-selective, domain-selective DID 0 or global for the context
//   cache), even after the entry in memory became valid. Read errors (0x7-0x9) are not
//   entries and are never cached. With CM=0 nothing negative is cached.
#include "model/unit/remapping_unit.h"

namespace vtd {

FaultReason RemappingUnit::walkOnMiss(const DmaRequest& req, const ContextInfo& ctx, Cost& cost,
                                      IotlbEntry& out) {
  const WalkStart start = psc_.lookup(ctx.did, req.address, ctx.levels, ctx.slptptr, cost);
  if (cost.psc_probed) {  // counted here, off the IOTLB-hit path (VT-d perfmon ss_nonleaf_*)
    for (unsigned m = cost.psc_probed; m; m &= m - 1) ++stats_.ss_nonleaf_lookup[__builtin_ctz(m)];
    ++stats_.ss_nonleaf_hit[cost.psc_hit_level];  // [0]: no level hit
  }
  const WalkResult w = walker_.walk(memory_, start, req.address, req.kind, cost);
  for (unsigned m = w.pointers & psc_.enabledLevels(); m; m &= m - 1) {
    const unsigned lvl = unsigned(__builtin_ctz(m));
    const auto f = psc_.fill(lvl, ctx.did, req.address, w.next_table[lvl], w.pointer_perms[lvl]);
    stats_.psc_fill[lvl] += f.inserted ? 1 : 0;
    stats_.psc_eviction[lvl] += f.evicted ? 1 : 0;
  }

  out = IotlbEntry{};
  out.did = ctx.did;
  if (w.fault != FaultReason::None) {
    // A not-present entry ends the walk with the access's permission fault (5/6); only
    // that and a reserved-bit entry (0xC) are cacheable entries.
    const bool entry_fault = w.fault == deniedFault(req.kind) || w.fault == FaultReason::PagingEntryReserved;
    if (config_.unit.caching_mode && entry_fault) {
      out.negative = w.fault;
      const auto filled = iotlb_.insert(req.address & ~0xFFFull, out);
      stats_.iotlb_negative_fill += filled.inserted ? 1 : 0;
      stats_.iotlb_eviction += filled.evicted ? 1 : 0;
      stats_.iotlb_eviction_size[unsigned(filled.evicted_size)] += filled.evicted ? 1 : 0;
    }
    return w.fault;
  }
  out.output_page = w.output_page;
  out.size = w.size;
  out.permissions = w.permissions;
  out.snoop = w.snoop;
  const auto filled = iotlb_.insert(req.address, out);
  stats_.iotlb_fill += filled.inserted ? 1 : 0;
  stats_.iotlb_eviction += filled.evicted ? 1 : 0;
  stats_.iotlb_eviction_size[unsigned(filled.evicted_size)] += filled.evicted ? 1 : 0;
  return FaultReason::None;
}

// The fault of a request that fails the permission check of an IOTLB entry: the
// access's permission fault, or for a negative entry the fault it caches (0xC, or 5/6 by
// the access for a not-present entry).
FaultReason RemappingUnit::deniedOrNegativeFault(const IotlbEntry& e, AccessKind kind) {
  if (e.negative == FaultReason::None) return deniedFault(kind);
  ++stats_.iotlb_negative_hit;
  return e.negative == FaultReason::PagingEntryReserved ? e.negative : deniedFault(kind);
}

const ContextInfo* RemappingUnit::negativeContextHit(const ContextInfo& c, FaultReason& fault, bool& fpd) {
  ++stats_.ctxt_cache_negative_hit;
  fault = c.negative;
  fpd = c.fpd;
  return nullptr;
}

void RemappingUnit::cacheNegativeContext(SourceId sid, FaultReason reason, bool fpd) {
  switch (reason) {
    case FaultReason::RootNotPresent:
    case FaultReason::ContextNotPresent:
    case FaultReason::RootReserved:
    case FaultReason::ContextReserved:
    case FaultReason::ContextInvalid: break;
    default: return;  // read errors: no entry was read
  }
  ContextInfo negative;
  negative.did = 0;
  negative.fpd = fpd;
  negative.negative = reason;
  const auto filled = context_cache_.insert(sid, negative);
  stats_.ctxt_cache_negative_fill += filled.inserted ? 1 : 0;
  stats_.ctxt_cache_eviction += filled.evicted ? 1 : 0;
}

}  // namespace vtd
