// The driver checker on the interrupt-remapping path.
// checker.stale: after an interrupt request that used an interrupt-entry-cache hit, the
// unit reads the IRTE again from the table SIRTP latched — through GuestMemory::peek, so
// without cost, statistics or cache changes — and decodes it with the remapper's rules:
// present (0x22), reserved bits (0x24), source id (0x26), then the remapped interrupt or
// the posting (FS 8.3, 8.4). A different outcome means software rewrote the IRTE, or moved
// the table with SIRTP, and did not invalidate the IEC (FS 6.5, 8.4: Linux invalidates the
// index after every IRTE change). Compared: the fault (and FPD, which decides whether a
// qualified one is recorded), the format, and per format the delivered interrupt
// (destination, DM, RH, TM, DLM, vector) or the posting (PDA, vector, URG). Not compared:
// the posted-interrupt descriptor itself (it is read on every posting, never cached) and
// SID/SQ/SVT beyond their verdict for the requester at hand. IEC invalidations go into the
// invalidation history, numbered by interrupt request, for the reports to name.
// checker.ordering: GCMD.IRE before any SIRTP (FS 3.1, 9.B.4-6, 9.G.3-5); SIRTP over a
// non-empty IEC, then an interrupt remapped before a global IEC invalidation (FS 3.1:
// unless CAP.ESIRTPS, which the model does not advertise).
#include <cstdio>

#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

namespace {

// What one IRTE makes of one request, up to (not including) the posted-descriptor access.
struct IrteOutcome {
  FaultReason fault = FaultReason::None;
  bool fpd = false;
  bool posted = false;
  ApicInterrupt interrupt;  // remapped format
  uint64_t descriptor = 0;  // posted format: PDA, VV, URG
  uint8_t vector = 0;
  bool urgent = false;

  bool operator==(const IrteOutcome& o) const {
    if (fault != FaultReason::None || o.fault != FaultReason::None)
      return fault == o.fault && (!isQualifiedInterruptFault(fault) || fpd == o.fpd);
    if (posted != o.posted) return false;
    if (!posted) return interrupt == o.interrupt;
    return descriptor == o.descriptor && vector == o.vector && urgent == o.urgent;
  }
};

// The outcome the unit produced from its cached IRTE. An IEC hit can still fault on the
// source id (0x26) or on the descriptor access (0x27); the latter is the posting's, not
// the entry's, so it counts as the posting the entry asked for.
IrteOutcome cachedOutcome(const InterruptRemapResult& r) {
  IrteOutcome o;
  o.fpd = r.fpd;
  if (r.disposition == InterruptDisposition::Fault && r.reason != kIrPostedDescriptorError) {
    o.fault = r.reason;
  } else if (r.posted_entry) {
    o.posted = true;
    o.descriptor = r.descriptor;
    o.vector = r.posted_vector;
    o.urgent = r.urgent;
  } else {
    o.interrupt = r.interrupt;
  }
  return o;
}

// The outcome of the IRTE in memory now, checked in the remapper's order (FS 8.3).
IrteOutcome memoryOutcome(GuestMemory& memory, const InterruptRemapState& state, uint32_t index,
                          SourceId source) {
  IrteOutcome o;
  uint64_t qw[2];
  if (!memory.peek(state.table + uint64_t(index) * 16, qw, sizeof qw)) {
    o.fault = FaultReason::IrEntryReadError;
    return o;
  }
  const IrteRaw raw{qw[0], qw[1]};
  const Irte e = decodeIrte(raw, state.eime);
  o.fpd = e.fpd;
  if (!e.present) {
    o.fault = FaultReason::IrEntryNotPresent;
  } else if (irteReservedViolation(raw, state.eime, state.posted_supported)) {
    o.fault = FaultReason::IrEntryReserved;
  } else if (!irteSourceValid(e, source)) {
    o.fault = FaultReason::IrSourceCheckFailed;
  } else if (e.posted) {
    o.posted = true;
    o.descriptor = e.descriptor;
    o.vector = e.vector;
    o.urgent = e.urgent;
  } else {  // FS 8.3: every attribute of the interrupt comes from the IRTE
    o.interrupt.destination = e.destination;
    o.interrupt.x2apic = state.eime;
    o.interrupt.dm = e.dm;
    o.interrupt.rh = e.rh;
    o.interrupt.tm = e.tm;
    o.interrupt.dlm = e.dlm;
    o.interrupt.vector = e.vector;
  }
  return o;
}

std::string describe(const IrteOutcome& o) {
  char b[160];
  if (o.fault != FaultReason::None) {
    std::snprintf(b, sizeof b, "fault 0x%x (%s)%s", unsigned(o.fault), faultReasonName(o.fault),
                  isQualifiedInterruptFault(o.fault) && o.fpd ? " with FPD: not recorded" : "");
  } else if (o.posted) {
    std::snprintf(b, sizeof b, "posted vector 0x%02x%s into descriptor 0x%llx", o.vector,
                  o.urgent ? " (urgent)" : "", static_cast<unsigned long long>(o.descriptor));
  } else {
    static const char* const kDlm[] = {"fixed", "lowest priority", "SMI",   "DLM 011", "NMI",
                                       "INIT",  "DLM 110",         "ExtINT"};
    const ApicInterrupt& i = o.interrupt;
    std::snprintf(b, sizeof b, "vector 0x%02x to %s 0x%x (%s, %s, %s, RH %u)", i.vector,
                  i.x2apic ? "x2APIC" : "APIC", i.destination, i.dm ? "logical" : "physical",
                  kDlm[i.dlm & 7], i.tm ? "level" : "edge", unsigned(i.rh));
  }
  return b;
}

}  // namespace

// After every interrupt request (checker.stale or checker.ordering).
void RemappingUnit::checkInterrupt(const MsiRequest& req, const InterruptRemapResult& r) {
  if (checker_.params.ordering && checker_.sirtp_pending && ir_.enabled) {
    checker_.sirtp_pending = false;  // once per SIRTP
    reportOrdering(
        DiagnosticKind::NoGlobalIecInvalidationAfterSirtp,
        "interrupt from " + sourceText(req.source) +
            " remapped after GCMD.SIRTP (after interrupt request #" +
            std::to_string(checker_.sirtp_sequence) +
            ") replaced the table while the interrupt-entry cache held entries, but before a "
            "global interrupt-entry-cache invalidation: cached IRTEs may come from the old table");
  }
  if (!checker_.params.stale) return;
  if (r.iec_hit) {
    checkStaleInterrupt(req, r);
  } else if (r.cost.irte_reads && iec_.enabled() && r.reason != FaultReason::IrEntryReadError &&
             r.reason != FaultReason::IrEntryNotPresent &&
             r.reason != FaultReason::IrEntryReserved) {
    checker_.iec_filled[r.index] = stats_.interrupt_requests;  // the remapper cached what it read
  }
}

void RemappingUnit::checkStaleInterrupt(const MsiRequest& req, const InterruptRemapResult& r) {
  const IrteOutcome cached = cachedOutcome(r);
  const IrteOutcome in_memory = memoryOutcome(memory_, ir_, r.index, req.source);
  if (cached == in_memory) return;

  const InterruptRequestFields f = decodeInterruptRequest(req.address, req.data);
  char index[80];
  if (f.shv)
    std::snprintf(index, sizeof index, "index 0x%x (handle 0x%x + subhandle 0x%x)", r.index,
                  f.handle, f.subhandle);
  else
    std::snprintf(index, sizeof index, "index 0x%x (handle 0x%x)", r.index, f.handle);
  std::string text = std::string("stale interrupt-entry-cache entry for ") + index + " from " +
                     sourceText(req.source) + ": cached " + describe(cached) + ", memory " +
                     describe(in_memory) + "; ";

  // Every covering invalidation came before the fill (one after it would have dropped the
  // entry): say so, with the request that filled it.
  const auto covering = checker_.history.lastCoveringInterruptEntry(r.index);
  const auto filled = checker_.iec_filled.find(r.index);
  const std::string cached_at =
      filled == checker_.iec_filled.end()
          ? ""
          : "the entry was cached at interrupt request #" + std::to_string(filled->second);
  if (covering) {
    text += "last covering invalidation: " + covering->describe() + " after interrupt request #" +
            std::to_string(covering->sequence) +
            (cached_at.empty() ? "" : ", none since " + cached_at);
  } else {
    text += checker_.history.truncated()
                ? "no covering invalidation in the retained history (older records were dropped)"
                : "no invalidation has covered it since reset";
    if (!cached_at.empty()) text += "; " + cached_at;
  }
  checker_.log.report(DiagnosticKind::StaleInterruptEntry, stats_.interrupt_requests,
                      std::move(text));
}

void RemappingUnit::noteIecInvalidation(const IecInvalidation& request) {
  InvalidationRecord rec;
  rec.target = InvalidationRecord::Target::InterruptEntryCache;
  rec.granularity = request.index_selective ? reg::kGranSelective : reg::kGranGlobal;
  rec.interrupt_index = request.index;
  rec.index_mask = request.index_mask;
  recordInvalidation(rec);
}

// GCMD.SIRTP: with entries in the IEC, a global IEC invalidation is owed (FS 3.1).
void RemappingUnit::noteInterruptTableLatched() {
  if (!checker_.params.ordering || iec_.validCount() == 0) return;
  checker_.sirtp_pending = true;
  checker_.sirtp_sequence = stats_.interrupt_requests;
}

// GCMD.IRE set: software latches the table first (FS 9.B.4-6; Xen the same, 9.G.3-5).
void RemappingUnit::noteInterruptRemappingEnable() {
  if (!checker_.params.ordering || (gsts() & reg::gsts::IRTPS)) return;
  reportOrdering(DiagnosticKind::InterruptRemappingWithoutTable,
                 "GCMD.IRE set before GCMD.SIRTP latched an interrupt-remapping table: remappable "
                 "interrupts are looked up in the 2-entry table at address 0 latched at reset; "
                 "write IRTA, then SIRTP, then a global interrupt-entry-cache invalidation, then "
                 "IRE");
}

}  // namespace vtd
