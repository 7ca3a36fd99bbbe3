// The ordering check (checker.ordering): programming steps a driver took in an order the
// specification does not allow, or left out. Real hardware does something undefined or
// silently uses stale state; the model says which rule was broken and where.
// - GCMD.TE before any GCMD.SRTP: the unit translates with no root table (FS 3.1, 9.D).
// - GCMD.SRTP over non-empty caches, then DMA before a global context-cache and a global
//   IOTLB invalidation (FS 3.1, 9.C.5; VT-d 3.x 10.4.4 without CAP.ESRTPS).
// - A context-cache invalidation no IOTLB invalidation followed, then DMA from a source it
//   covered (VT-d 3.x 6.5.1.1: software follows it with a domain or global IOTLB flush).
// - GCMD.QIE set with IQT != 0: descriptors left from before run at once (FS 9.B.2: Linux
//   writes IQT = 0 first); QIE cleared with descriptors pending (FS 9.B.2).
// - A register-based invalidation while queued invalidation is on (VT-d 3.x 6.5.2).
// The interrupt-remapping rules (IRE before SIRTP; SIRTP without a global IEC
// invalidation) are in interrupt_check.cpp. The invalidation history the stale checks use
// is recorded here, for every cache.
#include <cstdio>

#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

void RemappingUnit::reportOrdering(DiagnosticKind kind, std::string text) {
  if (checker_.params.ordering) checker_.log.report(kind, stats_.dma_requests, std::move(text));
}

void RemappingUnit::recordInvalidation(InvalidationRecord r) {
  using Target = InvalidationRecord::Target;
  r.queued = gsts() & gsts::QIES;  // register commands are refused while QI is on
  r.sequence =
      r.target == Target::InterruptEntryCache ? stats_.interrupt_requests : stats_.dma_requests;
  checker_.history.record(r);
  switch (r.target) {
    case Target::ContextCache:
      checker_.srtp_context_flushed |= r.granularity == kGranGlobal;
      checker_.context_without_iotlb.push_back(r);
      break;
    case Target::Iotlb:
      checker_.srtp_iotlb_flushed |= r.granularity == kGranGlobal;
      // Linux follows a device-selective context flush with a domain flush of the domain
      // the device now belongs to (DID 0 was only the CM tag): any global or domain IOTLB
      // flush meets the obligation; a page-selective one does not.
      if (r.granularity == kGranGlobal || r.granularity == kGranDomain)
        checker_.context_without_iotlb.clear();
      break;
    case Target::InterruptEntryCache:
      if (r.granularity == kGranGlobal)
        checker_.sirtp_pending = false;  // FS 3.1: what SIRTP asks for
      return;
  }
  if (checker_.srtp_pending && checker_.srtp_context_flushed && checker_.srtp_iotlb_flushed)
    checker_.srtp_pending = false;
}

// VT-d 6.5.2.3 / 10.4.8.2: the range of a page-selective invalidation is the 2^AM pages
// aligned to 2^AM; the unit ignores ADDR's bits below that. A driver whose ADDR is the first
// page of an unaligned range, with AM only rounding its page count up (Linux 6.1's PSIs
// after VFIO unmaps), may mean pages past the window; those keep their cached entries.
// The unit cannot know the driver's page count, so the finding names the window and the
// pages beyond it that such a range could include; the stale check shows whether any was used.
void RemappingUnit::reportUnalignedPsi(const IotlbInvalidation& request, uint64_t low_bits) {
  if (!checker_.params.ordering) return;
  const uint64_t span = uint64_t(4096) << request.am;
  const uint64_t base = request.address - low_bits;
  char text[320];
  std::snprintf(text, sizeof text,
                "page-selective IOTLB invalidation DID %u ADDR 0x%llx AM %u: ADDR not aligned to 0x%llx; the unit "
                "invalidates 0x%llx-0x%llx, and pages the driver may have meant past it (up to 0x%llx) stay cached",
                unsigned(request.did), (unsigned long long)request.address, request.am, (unsigned long long)span,
                (unsigned long long)base, (unsigned long long)(base + span - 1),
                (unsigned long long)(request.address + span - 1));
  reportOrdering(DiagnosticKind::UnalignedPageInvalidation, text);
}

void RemappingUnit::noteRootTableLatched() {
  if (!checker_.params.ordering) return;
  if (context_cache_.validCount() + iotlb_.validCount() + psc_.validCount() == 0) return;
  checker_.srtp_pending = true;
  checker_.srtp_context_flushed = checker_.srtp_iotlb_flushed = false;
  checker_.srtp_sequence = stats_.dma_requests;
}

void RemappingUnit::noteQueueEnable(bool on) {
  const uint64_t head = regs_.get(R_IQH) & iq::kOffsetMask, tail = regs_.get(R_IQT) & iq::kOffsetMask;
  if (on && tail != 0)
    reportOrdering(DiagnosticKind::QueueEnabledNotEmpty,
                   "GCMD.QIE set with IQT = " + std::to_string(tail) +
                       " (bytes): the descriptors from offset 0 up to it run at once; write IQT = 0 before enabling");
  if (!on && head != tail)
    reportOrdering(DiagnosticKind::QueueDisabledNotEmpty,
                   "GCMD.QIE cleared with IQH = " + std::to_string(head) + " != IQT = " + std::to_string(tail) +
                       ": the pending descriptors are dropped; wait for IQH = IQT first");
}

void RemappingUnit::noteRegisterInvalidationWhileQueued(const char* which) {
  reportOrdering(DiagnosticKind::RegisterInvalidationWhileQueued,
                 std::string(which) + " command while queued invalidation is enabled: refused (granularity 0); "
                                      "use invalidation descriptors");
}

// At each DMA request while an obligation is open (checker.ordering).
void RemappingUnit::checkPendingOrdering(const DmaRequest& req) {
  if (checker_.srtp_pending) {
    checker_.srtp_pending = false;  // once per SRTP
    reportOrdering(DiagnosticKind::NoGlobalInvalidationAfterSrtp,
                   std::string("DMA request translated after GCMD.SRTP (after DMA request #") +
                       std::to_string(checker_.srtp_sequence) + ") replaced the root table while the caches held entries, "
                       "but before a global " + (checker_.srtp_context_flushed ? "IOTLB" : "context-cache") +
                       " invalidation: cached entries may describe the old tables");
  }
  auto& pending = checker_.context_without_iotlb;
  for (size_t i = 0; i < pending.size(); ++i) {
    const InvalidationRecord& r = pending[i];
    bool covers = r.granularity == kGranGlobal;
    if (r.granularity == kGranSelective) covers = sameSourceUnderMask(r.source, req.source, r.function_mask);
    if (r.granularity == kGranDomain) {
      const ContextInfo* held = context_cache_.peek(req.source);
      covers = held && held->did == r.did;
    }
    if (!covers) continue;
    reportOrdering(DiagnosticKind::ContextInvalidationWithoutIotlb,
                   "DMA request from " + sourceText(req.source) + " after " + r.describe() + " (after DMA request #" + std::to_string(r.sequence) +
                       ") with no IOTLB invalidation since: IOTLB entries of the old context may still be used");
    pending.erase(pending.begin() + long(i));
    --i;
  }
}

}  // namespace vtd
