// ATS requests in legacy mode (VT-d 3.x 4.1-4.2.3, 3.4.3 context TT; FS 4.2, 7.4 LCT.5):
// - a translation request (AT=01) from a TT=01 context is translated like an untranslated
//   request (IOTLB, then the walk on a miss; the entry it fills is the one later requests
//   use) but checked for no particular access: the completion carries the rights the
//   tables give (R, W), the range (the leaf's page size: S), and N (the leaf's SNP with
//   ECAP.SC); what it becomes is model/translation/ats.h (completionOf, atsOutcome);
// - a translated request (AT=10) from a TT=01 context passes with its address unchanged
//   (the device translated it from its device-TLB), with no lookup and no check;
// - from a TT=00 or TT=10 context both are blocked with fault 0xD (LCT.5), recorded
//   unless FPD (qualified), and the translation request completes with UR.
// Requests into the interrupt window and requests while remapping is off are decided in
// dma_translation.cpp before the context: with TES=0 nothing is remapped (FS 3.1), so a
// translation request passes like any request and its completion is the identity with
// R=W=1 for the 4 KiB page (docs/compliance.md); the interrupt-window helper is here.
// Not modelled: the No-Write flag (ECAP.NWFS = 0: ignored), page requests (ECAP.PRS = 0),
// PASIDs on ATS requests (legacy mode faults them 0x31 before this point), and multiple
// translations per request (one entry is returned; PCIe lets the TA return fewer).
#include "model/translation/ats.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

AtsCompletion completionOf(const Translation& t) {
  AtsCompletion c;
  if (t.status != TranslationStatus::Ok) {
    // Blocked (not DMA) cannot happen for AT=01 (the interrupt window completes W, U).
    switch (t.status == TranslationStatus::Fault ? atsOutcome(t.reason)
                                                 : AtsOutcome::UnsupportedRequest) {
      case AtsOutcome::NoAccess:
        break;  // Success, R=W=0
      case AtsOutcome::UnsupportedRequest:
        c.status = AtsStatus::UnsupportedRequest;
        break;
      case AtsOutcome::CompleterAbort:
        c.status = AtsStatus::CompleterAbort;
        break;
    }
    return c;
  }
  c.range_bytes = pageBytes(t.page_size);
  c.translated_address = t.output & ~(c.range_bytes - 1);
  c.read = t.permissions & kPermRead;
  c.write = t.permissions & kPermWrite;
  c.untranslated_only = t.untranslated_only;
  c.non_snooped = t.snoop && (c.read || c.write);
  return c;
}

void RemappingUnit::translateAts(const DmaRequest& req, const ContextInfo& ctx, Translation& t) {
  if (ctx.tt != TranslationType::DeviceTlb) {
    if (req.at == AddressType::TranslationRequest) ++stats_.ats_completions_ur;
    return fault(req, FaultReason::TranslationTypeBlocked, ctx.fpd, t);
  }
  if (req.at == AddressType::Translated) {
    ++stats_.ats_translated_requests;
    t.output = req.address;
    t.permissions = kPermRW;
    return;
  }
  translationRequest(req, ctx, t);
}

// One 4 KiB-aligned input page; a fault that is "no access" for ATS becomes an R=W=0
// success without a record, the others are recorded and complete with UR or CA.
void RemappingUnit::translationRequest(const DmaRequest& req, const ContextInfo& ctx,
                                       Translation& t) {
  ++stats_.ats_translation_requests;
  auto noAccess = [&]() {
    ++stats_.ats_completions_no_access;
    t.output = req.address & ~0xFFFull;
    t.permissions = kPermNone;
  };
  if ((req.address & input_limit_mask_) || (req.address >> ctx.agaw_bits)) return noAccess();
  ++t.cost.iotlb_lookups;
  t.cost.iotlb_did = ctx.did;
  IotlbEntry walked;
  const IotlbEntry* e = iotlb_.lookup(ctx.did, req.address, t.cost.iotlb_probes);
  if (e) {
    ++t.cost.iotlb_hits;
    if (e->negative != FaultReason::None) {  // CM=1: a cached not-present/reserved entry
      ++stats_.iotlb_negative_hit;
      if (e->negative != FaultReason::PagingEntryReserved) return noAccess();
      ++stats_.ats_completions_ca;
      return fault(req, e->negative, ctx.fpd, t);
    }
  } else {
    const FaultReason f = walkOnMiss(req, ctx, t.cost, walked);
    if (f != FaultReason::None) {
      if (atsOutcome(f) == AtsOutcome::NoAccess) return noAccess();
      ++stats_.ats_completions_ca;  // read error or reserved bits in a paging entry
      return fault(req, f, ctx.fpd, t);
    }
    e = &walked;
  }
  if (isInterruptAddress(e->output_page)) return noAccess();  // LGN.4: never handed out
  t.output = e->output_page | (req.address & (pageBytes(e->size) - 1) & ~0xFFFull);
  t.translated = true;
  t.permissions = e->permissions;
  t.page_size = e->size;
  t.snoop = e->snoop;
  if (t.permissions == kPermNone) ++stats_.ats_completions_no_access;
}

// A translation request for the interrupt window: the device must send its interrupt
// requests untranslated, so the completion is W=1, U=1 for the page (VT-d 3.x 4.2.3;
// docs/compliance.md).
void RemappingUnit::translateInterruptWindow(const DmaRequest& req, Translation& t) {
  ++stats_.ats_translation_requests;
  ++stats_.ats_completions_untranslated_only;
  t.output = req.address & ~0xFFFull;
  t.permissions = kPermWrite;
  t.untranslated_only = true;
}

}  // namespace vtd
