// The unit's side of interrupt remapping (VT-d 3.x ch. 5, 9.9-9.12; FS 7.2, 7.4, 8): an
// interrupt request goes through the InterruptRemapper with the state SIRTP/IRE/CFI
// latched; the result is sent (the interrupt, or a posting's notification event), or a
// fault that is recorded in the fault recording registers with the interrupt index in
// FI[63:48] (FPD of the IRTE honoured for the qualified reasons). Interrupt-entry-cache
// invalidation (descriptor type 4) drops cached IRTEs. With checker.* on, both are shown
// to the driver checker (checker/interrupt_check.cpp).
#include "model/unit/remapping_unit.h"

namespace vtd {

InterruptResult RemappingUnit::remapInterrupt(const MsiRequest& req) {
  ++stats_.interrupt_requests;
  const InterruptRemapResult r = remapper_.remap(ir_, req);
  if (__builtin_expect(check_translations_, 0)) checkInterrupt(req, r);
  InterruptResult out;
  out.cost.iec_lookups = r.cost.iec_lookups;
  out.cost.iec_hits = r.cost.iec_hits;
  out.cost.irte_reads = r.cost.irte_reads;
  out.cost.descriptor_accesses = uint8_t(r.cost.descriptor_reads + r.cost.descriptor_writes);
  stats_.int_cache_lookup += r.cost.iec_lookups;
  stats_.irte_reads += r.cost.irte_reads;
  if (r.iec_hit) {
    if (r.posted_entry) ++stats_.int_cache_hit_posted;
    else ++stats_.int_cache_hit_nonposted;
  }
  out.send = r.send;
  out.address = r.message.address;
  out.data = r.message.data;
  switch (r.disposition) {
    case InterruptDisposition::Passthrough: ++stats_.interrupts_not_remapped; break;
    case InterruptDisposition::Compatibility: ++stats_.interrupts_compatibility; break;
    case InterruptDisposition::Remapped: ++stats_.interrupts_remapped; break;
    case InterruptDisposition::Posted:
      ++stats_.interrupts_posted;
      out.posted = true;
      stats_.post_urgent += r.urgent ? 1 : 0;
      switch (r.post.outcome) {
        case PostOutcome::Notified: ++stats_.post_notifications; break;
        case PostOutcome::Suppressed: ++stats_.post_suppressed; break;
        case PostOutcome::AlreadyPending: ++stats_.post_already_pending; break;
        default: break;
      }
      break;
    case InterruptDisposition::Fault: {
      ++stats_.interrupts_faulted;
      ++stats_.faults;
      ++stats_.fault_reason[uint8_t(r.reason)];
      out.ok = false;
      out.send = false;
      out.reason = r.reason;
      if (!r.record) {
        ++stats_.faults_suppressed_fpd;
        break;
      }
      FaultInfo f;
      f.reason = r.reason;
      f.source = req.source;
      f.fault_info = r.fault_info;
      f.interrupt = true;
      switch (recorder_.record(f)) {
        case RecordOutcome::Recorded:
          out.fault_recorded = true;
          ++out.cost.fault_records;
          ++stats_.faults_recorded;
          break;
        case RecordOutcome::DroppedOverflow: ++stats_.faults_dropped_overflow; break;
        case RecordOutcome::Collapsed: ++stats_.faults_collapsed; break;
      }
      break;
    }
  }
  return out;
}

// Descriptor type 4 (FS 6.5): global, or the aligned block of 2^IM indexes holding IIDX.
void RemappingUnit::invalidateInterruptEntryCache(const IecInvalidation& request) {
  if (request.index_selective) ++stats_.inv_iec_index;
  else ++stats_.inv_iec_global;
  stats_.iec_entries_invalidated += remapper_.invalidate(request);
  if (check_translations_) noteIecInvalidation(request);
}

}  // namespace vtd
