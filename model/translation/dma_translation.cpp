// DMA request processing in legacy mode (VT-d 3.x 3.4-3.7 and 7.1, FS 3.3, 4.2, 5.1, 7.4):
// interrupt window -> not DMA; remapping off -> unchanged; bad TTM or a PASID -> root-table
// faults; context (cache, then root/context tables); translation type; input width; IOTLB,
// then the second-level walk; permissions; the interrupt address range. Every faulting
// request goes through fault(), which applies FPD and records the fault. Translation and
// translated requests (ATS) leave this path for ats_translation.cpp.
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

const ContextInfo* RemappingUnit::context(SourceId sid, FaultReason& fault, bool& fpd, Cost& cost) {
  ++cost.context_cache_lookups;
  if (const ContextInfo* c = context_cache_.lookup(sid)) {
    ++cost.context_cache_hits;
    if (__builtin_expect(c->negative != FaultReason::None, 0)) return negativeContextHit(*c, fault, fpd);
    return c;
  }
  const ContextLookup r = context_reader_.lookup(memory_, root_table_, sid, cost);
  if (r.fault != FaultReason::None) {
    fault = r.fault;
    fpd = r.fpd;
    if (config_.unit.caching_mode) cacheNegativeContext(sid, r.fault, r.fpd);
    return nullptr;
  }
  const auto filled = context_cache_.insert(sid, r.info);
  stats_.ctxt_cache_eviction += filled.evicted ? 1 : 0;
  if (filled.slot) {
    ++stats_.ctxt_cache_fill;
    return filled.slot;
  }
  scratch_context_ = r.info;  // cache disabled: use the entry just read
  return &scratch_context_;
}

void RemappingUnit::fault(const DmaRequest& req, FaultReason reason, bool fpd, Translation& t) {
  t.status = TranslationStatus::Fault;
  t.reason = reason;
  ++stats_.faults;
  ++stats_.fault_reason[uint8_t(reason)];
  if (fpd && isQualified(reason)) {
    ++stats_.faults_suppressed_fpd;
    return;
  }
  FaultInfo f;
  f.reason = reason;
  f.source = req.source;
  // FI holds the page address; bits at or above MGAW are not recorded (FS 7.2).
  f.fault_info = req.address & ~input_limit_mask_ & ~0xFFFull;
  f.kind = req.kind;
  f.at = req.at;
  f.pasid_present = req.pasid_present;
  f.pasid = req.pasid;
  f.privileged = req.privileged;
  f.execute = req.execute;
  switch (recorder_.record(f)) {
    case RecordOutcome::Recorded:
      t.fault_recorded = true;
      ++t.cost.fault_records;
      ++stats_.faults_recorded;
      break;
    case RecordOutcome::DroppedOverflow: ++stats_.faults_dropped_overflow; break;
    case RecordOutcome::Collapsed: ++stats_.faults_collapsed; break;
  }
}

// Lookups, hits and reads are counted once, from the Cost the request reports.
Translation RemappingUnit::translate(const DmaRequest& req) {
  Translation t;
  translateInto(req, t);
  const Cost& c = t.cost;
  ++stats_.dma_requests;
  stats_.dma_bytes += req.size;
  stats_.ctxt_cache_lookup += c.context_cache_lookups;
  stats_.ctxt_cache_hit += c.context_cache_hits;
  stats_.iotlb_lookup += c.iotlb_lookups;
  stats_.iotlb_hit += c.iotlb_hits;
  stats_.root_reads += c.root_reads;
  stats_.context_reads += c.context_reads;
  stats_.walk_reads += c.walk_reads;
  if (c.walk_reads) {  // an IOTLB miss: one walk (paging-structure lookups: walkOnMiss)
    ++stats_.walks;
    ++stats_.walk_reads_per_translation[c.walk_reads];
  }
  stats_.translations += t.translated ? 1 : 0;
  if (__builtin_expect(check_translations_, 0)) checkTranslation(req, t);
  return t;
}

void RemappingUnit::translateInto(const DmaRequest& req, Translation& t) {
  // Requests to the interrupt window are interrupt requests, never DMA, translated or not
  // (FS 8.1); a request kept inside one 4 KiB page is wholly in or out of the window.
  if (isInterruptAddress(req.address)) {
    if (req.at == AddressType::TranslationRequest) return translateInterruptWindow(req, t);
    t.status = TranslationStatus::Blocked;
    ++stats_.dma_interrupt_window;
    return;
  }
  // Remapping disabled: the request passes unchanged (a translation request gets the
  // identity, R=W=1: ats_translation.cpp).
  if (!(gsts() & reg::gsts::TES)) {
    ++stats_.dma_untranslated;
    t.output = req.address;
    t.permissions = kPermRW;
    return;
  }
  // An unusable TTM (FS 3.3: reserved, or a mode this unit lacks) faults every request;
  // only under legacy mode is a PASID the request's own mistake (0x31, FS 7.4).
  if (ttm_ != reg::rtaddr::kLegacy) return fault(req, FaultReason::RootTableModeInvalid, false, t);
  if (req.pasid_present) return fault(req, FaultReason::PasidInLegacyMode, false, t);

  FaultReason ctx_fault = FaultReason::None;
  bool fpd = false;
  const ContextInfo* ctx = context(req.source, ctx_fault, fpd, t.cost);
  if (!ctx) return fault(req, ctx_fault, fpd, t);

  // Translation and translated requests (ATS) need a TT=01 context (FS 4.2; ats_translation.cpp).
  if (req.at != AddressType::Untranslated) return translateAts(req, *ctx, t);
  if (ctx->tt == TranslationType::PassThrough) {
    ++stats_.dma_pass_through;
    t.output = req.address;
    t.permissions = kPermRW;
    return;
  }
  translateSecondLevel(req, *ctx, t);
}

// TT=00 and TT=01: input width, IOTLB, walk on a miss, permissions, interrupt-range output.
void RemappingUnit::translateSecondLevel(const DmaRequest& req, const ContextInfo& ctx,
                                         Translation& t) {
  if ((req.address & input_limit_mask_) || (req.address >> ctx.agaw_bits))  // LGN.1
    return fault(req, FaultReason::AddressBeyondWidth, ctx.fpd, t);

  ++t.cost.iotlb_lookups;
  t.cost.iotlb_did = ctx.did;
  IotlbEntry walked;
  const IotlbEntry* e = iotlb_.lookup(ctx.did, req.address, t.cost.iotlb_probes);
  if (e) {
    ++t.cost.iotlb_hits;  // a negative entry (CM=1) has no permissions: it fails the check below
  } else {
    const FaultReason f = walkOnMiss(req, ctx, t.cost, walked);
    if (f != FaultReason::None) return fault(req, f, ctx.fpd, t);
    e = &walked;
  }

  if (!(e->permissions & neededPermission(req))) return fault(req, deniedOrNegativeFault(*e, req.kind), ctx.fpd, t);
  t.output = e->output_page | (req.address & (pageBytes(e->size) - 1));
  if (isInterruptAddress(t.output)) return fault(req, FaultReason::InterruptRangeOutput, ctx.fpd, t);
  t.translated = true;
  t.permissions = e->permissions;
  t.page_size = e->size;
  t.snoop = e->snoop;
}

}  // namespace vtd
