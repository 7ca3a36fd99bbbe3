// DiagnosticLog: counters, the kept findings, the sink.
#include "model/checker/diagnostics.h"

#include <iterator>

#include "model/common/stat_registry.h"

namespace vtd {

const char* diagnosticName(DiagnosticKind k) {
  switch (k) {
    case DiagnosticKind::StaleIotlbEntry: return "stale_iotlb_entry";
    case DiagnosticKind::StaleContextEntry: return "stale_context_entry";
    case DiagnosticKind::StalePagingStructureEntry: return "stale_paging_structure_entry";
    case DiagnosticKind::StaleInterruptEntry:
      return "stale_interrupt_entry";
    case DiagnosticKind::TranslationEnabledWithoutRootTable: return "te_without_root_table";
    case DiagnosticKind::NoGlobalInvalidationAfterSrtp: return "srtp_without_global_invalidation";
    case DiagnosticKind::InterruptRemappingWithoutTable:
      return "ire_without_interrupt_table";
    case DiagnosticKind::NoGlobalIecInvalidationAfterSirtp:
      return "sirtp_without_global_iec_invalidation";
    case DiagnosticKind::ContextInvalidationWithoutIotlb: return "context_invalidation_without_iotlb";
    case DiagnosticKind::QueueEnabledNotEmpty: return "qie_with_nonempty_queue";
    case DiagnosticKind::QueueDisabledNotEmpty: return "qi_disabled_with_pending_descriptors";
    case DiagnosticKind::RegisterInvalidationWhileQueued: return "register_invalidation_while_qi";
    case DiagnosticKind::UnalignedPageInvalidation: return "psi_address_not_aligned";
    case DiagnosticKind::kCount: break;
  }
  return "unknown";
}

void DiagnosticLog::report(DiagnosticKind kind, uint64_t sequence, std::string text) {
  ++counts_[size_t(kind)];
  Diagnostic d{kind, sequence, std::move(text)};
  if (sink_ && forwarded_ <= forward_) {
    if (forwarded_ == forward_) {
      Diagnostic note{kind, sequence, "report limit reached (checker.max_reports): later findings are only counted"};
      sink_(note);
    } else {
      sink_(d);
    }
    ++forwarded_;
  }
  if (kept_.size() < keep_) kept_.push_back(std::move(d));
}

uint64_t DiagnosticLog::total() const {
  uint64_t n = 0;
  for (auto c : counts_) n += c;
  return n;
}

void DiagnosticLog::clear() {
  counts_ = {};
  kept_.clear();
  forwarded_ = 0;
}

void DiagnosticLog::describeStats(StatRegistry& r, const std::string& p) const {
  static const char* const kWhat[] = {
      "IOTLB hits whose cached translation differs from the tables in memory (missed invalidation)",
      "context-cache hits whose cached entry differs from the context entry in memory",
      "paging-structure-cache hits whose cached entry differs from memory",
      "interrupt-entry-cache hits whose cached IRTE gives another interrupt than the IRTE in "
      "memory (missed IEC invalidation)",
      "GCMD.TE set before any root table was latched with SRTP",
      "DMA translated after GCMD.SRTP replaced the root table of non-empty caches, before global "
      "context-cache and IOTLB invalidations",
      "GCMD.IRE set before any interrupt-remapping table was latched with SIRTP",
      "interrupt remapped after GCMD.SIRTP replaced the table of a non-empty interrupt-entry "
      "cache, before a global IEC invalidation",
      "DMA translated after a context-cache invalidation that no IOTLB invalidation followed (VT-d "
      "6.5.1.1 asks for one)",
      "GCMD.QIE set while IQT is not 0",
      "queued invalidation disabled with descriptors not yet fetched",
      "register-based invalidation requested while queued invalidation is enabled",
      "page-selective IOTLB invalidations whose ADDR is not aligned to 2^AM pages (the unit "
      "invalidates the aligned window; pages the driver meant past it stay cached)",
  };
  static_assert(std::size(kWhat) == size_t(DiagnosticKind::kCount), "one description per kind");
  for (size_t k = 0; k < size_t(DiagnosticKind::kCount); ++k)
    r.addCounter(p + diagnosticName(DiagnosticKind(k)), counts_[k], "findings", kWhat[k]);
}

}  // namespace vtd
