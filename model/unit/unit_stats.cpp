// UnitStats registration: names, units and descriptions; derived ratios.
#include "model/unit/unit_stats.h"

#include <cstdio>

#include "model/common/stat_registry.h"
#include "model/faults/fault_reason.h"

namespace vtd {

void UnitStats::describe(StatRegistry& r, const std::string& p) const {
  auto c = [&](const char* name, const uint64_t& v, const char* unit, const char* text) {
    r.addCounter(p + name, v, unit, text);
  };
  c("dma_requests", dma_requests, "requests", "DMA requests presented to the unit (per 4 KiB-bounded chunk)");
  c("dma_bytes", dma_bytes, "bytes", "bytes of those requests");
  c("dma_untranslated", dma_untranslated, "requests", "requests passed unchanged because translation is disabled (TES=0)");
  c("dma_pass_through", dma_pass_through, "requests", "requests through a pass-through context (TT=10)");
  c("dma_interrupt_window", dma_interrupt_window, "requests", "DMA requests into the interrupt window 0xFEEx_xxxx (not DMA: blocked, nothing recorded)");
  c("translations", translations, "requests", "successful second-level translations");
  c("ats_translation_requests", ats_translation_requests, "requests", "ATS translation requests (AT=01) while remapping is on (with TES=0 they count as dma_untranslated and complete with the identity, R=W=1)");
  c("ats_completions_no_access", ats_completions_no_access, "requests", "translation requests completed with R=W=0 (page not mapped for it; no fault recorded)");
  c("ats_completions_untranslated_only", ats_completions_untranslated_only, "requests", "translation requests for the interrupt window, completed with W=1, U=1 (untranslated access only)");
  c("ats_completions_ur", ats_completions_ur, "requests", "translation requests completed with Unsupported Request (root/context not present, TT other than 01)");
  c("ats_completions_ca", ats_completions_ca, "requests", "translation requests completed with Completer Abort (read errors, reserved bits, invalid context)");
  c("ats_translated_requests", ats_translated_requests, "requests", "translated requests (AT=10) passed unchanged through a TT=01 context");
  c("iotlb_lookup", iotlb_lookup, "lookups", "IOTLB lookups (one per translated request)");
  c("iotlb_hit", iotlb_hit, "lookups", "IOTLB hits");
  c("iotlb_fill", iotlb_fill, "entries", "IOTLB fills after a walk");
  c("iotlb_eviction", iotlb_eviction, "entries", "valid IOTLB entries replaced by a fill");
  c("ctxt_cache_lookup", ctxt_cache_lookup, "lookups", "context-cache lookups");
  c("ctxt_cache_hit", ctxt_cache_hit, "lookups", "context-cache hits");
  c("ctxt_cache_fill", ctxt_cache_fill, "entries", "context-cache fills");
  c("ctxt_cache_eviction", ctxt_cache_eviction, "entries", "valid context-cache entries replaced by a fill");
  static const char* const kSize[3][2] = {{"4k", "4 KiB"}, {"2m", "2 MiB"}, {"1g", "1 GiB"}};
  for (unsigned sz = 0; sz < 3; ++sz)
    r.addCounter(p + "iotlb_eviction_" + kSize[sz][0], iotlb_eviction_size[sz], "entries",
                 std::string("valid IOTLB entries of ") + kSize[sz][1] + " pages replaced by a fill (split organisation: that array's evictions)");
  static const char* const kLevel[6][2] = {{"", ""}, {"", ""}, {"pde", "PDE"}, {"pdpe", "PDPE"}, {"pml4e", "PML4E"}, {"pml5e", "PML5E"}};
  for (unsigned lvl = 5; lvl >= 2; --lvl) {
    const std::string l = kLevel[lvl][0], cache = std::string(kLevel[lvl][1]) + " cache";
    r.addCounter(p + "ss_nonleaf_lookup_" + l, ss_nonleaf_lookup[lvl], "lookups", cache + ": lookups (IOTLB misses probe from the PDE level up, stopping at a hit)");
    r.addCounter(p + "ss_nonleaf_hit_" + l, ss_nonleaf_hit[lvl], "lookups", cache + ": hits (the walk starts in the table below)");
    r.addCounter(p + "psc_fill_" + l, psc_fill[lvl], "entries", cache + ": fills by walks");
    r.addCounter(p + "psc_eviction_" + l, psc_eviction[lvl], "entries", cache + ": valid entries replaced by a fill");
  }
  c("iotlb_negative_fill", iotlb_negative_fill, "entries", "CAP.CM: not-present or reserved-bit paging entries cached in the IOTLB");
  c("iotlb_negative_hit", iotlb_negative_hit, "lookups", "CAP.CM: IOTLB hits on a negative entry (the request faults without a walk)");
  c("ctxt_cache_negative_fill", ctxt_cache_negative_fill, "entries", "CAP.CM: not-present or erroneous root/context entries cached (DID 0)");
  c("ctxt_cache_negative_hit", ctxt_cache_negative_hit, "lookups", "CAP.CM: context-cache hits on a negative entry (the request faults without a read)");
  c("walks", walks, "walks", "second-level page walks (IOTLB misses that reached the tables)");
  c("walk_reads", walk_reads, "reads", "8-byte paging-entry reads by walks");
  c("root_reads", root_reads, "reads", "root-entry reads");
  c("context_reads", context_reads, "reads", "context-entry reads");
  r.addHistogram(p + "walk_reads_per_translation", walk_reads_per_translation.size(), [this] {
    std::vector<uint64_t> b(walk_reads_per_translation.begin(), walk_reads_per_translation.end());
    b[0] = iotlb_hit;  // an IOTLB hit reads nothing; a miss always reads at least the leaf
    return b; }, "translations",
    "paging-entry reads per IOTLB lookup (0 = IOTLB hit; fewer than the table's levels after a paging-structure cache hit); value = mean");
  c("faults", faults, "faults", "requests blocked by a fault condition");
  c("faults_recorded", faults_recorded, "faults", "faults written to a fault recording register");
  c("faults_suppressed_fpd", faults_suppressed_fpd, "faults", "qualified faults not recorded because FPD=1");
  c("faults_dropped_overflow", faults_dropped_overflow, "faults", "faults dropped because of primary fault overflow (PFO)");
  c("faults_collapsed", faults_collapsed, "faults", "faults dropped while a record from the same source was pending");
  for (unsigned fr = 1; fr < 256; ++fr) {
    const char* name = faultReasonName(FaultReason(fr));
    if (std::string(name) == "unknown") continue;
    char key[32];
    std::snprintf(key, sizeof key, "fault_reason_0x%02x", fr);
    r.addCounter(p + key, fault_reason[fr], "faults", std::string("faults with reason: ") + name);
  }
  c("inv_context_global", inv_context_global, "invalidations", "global context-cache invalidations performed");
  c("inv_context_domain", inv_context_domain, "invalidations", "domain-selective context-cache invalidations performed");
  c("inv_context_device", inv_context_device, "invalidations", "device-selective context-cache invalidations performed");
  c("inv_iotlb_global", inv_iotlb_global, "invalidations", "global IOTLB invalidations performed");
  c("inv_iotlb_domain", inv_iotlb_domain, "invalidations", "domain-selective IOTLB invalidations performed");
  c("inv_iotlb_page", inv_iotlb_page, "invalidations", "page-selective IOTLB invalidations performed");
  c("inv_iotlb_page_as_domain", inv_iotlb_page_as_domain, "invalidations", "page-selective requests performed as domain-selective (no PSI, or AM > MAMV)");
  c("inv_rejected", inv_rejected, "invalidations", "invalidation requests with a reserved granularity (reported as 0)");
  c("ctxt_cache_entries_invalidated", ctxt_cache_entries_invalidated, "entries", "context-cache entries removed by invalidations");
  c("iotlb_entries_invalidated", iotlb_entries_invalidated, "entries", "IOTLB entries removed by invalidations");
  c("psc_entries_invalidated", psc_entries_invalidated, "entries", "paging-structure cache entries removed by IOTLB invalidations (all levels)");
  c("inv_desc_context_global", inv_desc_context_global, "descriptors", "context-cache invalidate descriptors, global");
  c("inv_desc_context_domain", inv_desc_context_domain, "descriptors", "context-cache invalidate descriptors, domain-selective");
  c("inv_desc_context_device", inv_desc_context_device, "descriptors", "context-cache invalidate descriptors, device-selective");
  c("inv_desc_iotlb_global", inv_desc_iotlb_global, "descriptors", "IOTLB invalidate descriptors, global");
  c("inv_desc_iotlb_domain", inv_desc_iotlb_domain, "descriptors", "IOTLB invalidate descriptors, domain-selective");
  c("inv_desc_iotlb_page", inv_desc_iotlb_page, "descriptors", "IOTLB invalidate descriptors, page-selective");
  c("inv_desc_iec", inv_desc_iec, "descriptors", "interrupt-entry-cache invalidate descriptors (with interrupt remapping)");
  c("inv_desc_device_tlb", inv_desc_device_tlb, "descriptors", "device-TLB invalidate descriptors (with ECAP.DT)");
  c("inv_desc_wait", inv_desc_wait, "descriptors", "invalidation wait descriptors");
  c("inv_desc_wait_sw", inv_desc_wait_sw, "descriptors", "invalidation waits with a status write (SW)");
  c("inv_desc_wait_if", inv_desc_wait_if, "descriptors", "invalidation waits with the interrupt flag (IF)");
  c("inv_desc_wait_fence", inv_desc_wait_fence, "descriptors", "invalidation waits with the fence flag (FN)");
  c("inv_queue_fetches", inv_queue_fetches, "reads", "16-byte descriptor reads from the invalidation queue");
  c("inv_queue_status_writes", inv_queue_status_writes, "writes", "4-byte status writes of invalidation waits");
  c("inv_queue_status_write_failed", inv_queue_status_write_failed, "writes", "status writes that memory refused (the wait still completes)");
  c("inv_queue_errors", inv_queue_errors, "errors", "invalidation queue errors (FSTS.IQE set; the queue stops)");
  c("inv_queue_error_tail", inv_queue_error[1], "errors", "queue errors: tail beyond the queue (IQEI 1)");
  c("inv_queue_error_fetch", inv_queue_error[2], "errors", "queue errors: descriptor fetch failed (IQEI 2)");
  c("inv_queue_error_type", inv_queue_error[3], "errors", "queue errors: invalid or unsupported descriptor type (IQEI 3)");
  c("inv_queue_error_reserved", inv_queue_error[4], "errors", "queue errors: reserved field set (IQEI 4)");
  c("inv_queue_error_width", inv_queue_error[5], "errors", "queue errors: descriptor width not supported, IQA.DW=1 (IQEI 5)");
  c("inv_queue_tail_while_disabled", inv_queue_tail_while_disabled, "writes", "IQT writes while queued invalidation is disabled (fetched once QIE is set)");
  c("inv_queue_disabled_nonempty", inv_queue_disabled_nonempty, "events", "QIE cleared with descriptors left in the queue (they are dropped)");
  c("inv_register_while_qi", inv_register_while_qi, "commands", "CCMD/IOTLB_REG commands while queued invalidation is enabled (ignored, CAIG/IAIG=0)");
  c("inv_device_tlb", inv_device_tlb, "invalidations", "device-TLB invalidate requests a device completed");
  c("inv_device_tlb_all", inv_device_tlb_all, "invalidations", "of those, for the whole address space (S=1, ADDR bits 62:12 all set)");
  c("inv_device_tlb_timeouts", inv_device_tlb_timeouts, "invalidations", "device-TLB invalidate requests no device completed: invalidation time-out (FSTS.ITE)");
  c("inv_device_tlb_waits_aborted", inv_device_tlb_waits_aborted, "descriptors", "invalidation waits aborted by a device-TLB time-out (no status write, no interrupt)");
  c("device_tlb_entries_invalidated", device_tlb_entries_invalidated, "entries", "device-TLB entries the devices reported dropping");
  c("interrupt_requests", interrupt_requests, "requests", "interrupt requests (DWORD writes into 0xFEEx_xxxx from devices)");
  c("interrupts_not_remapped", interrupts_not_remapped, "requests", "delivered as written: interrupt remapping not enabled (IRES = 0)");
  c("interrupts_compatibility", interrupts_compatibility, "requests", "compatibility-format requests passed unchanged (CFIS = 1)");
  c("interrupts_remapped", interrupts_remapped, "requests", "remapped through a remapped-format IRTE");
  c("interrupts_posted", interrupts_posted, "requests", "posted through a posted-format IRTE (descriptor updated)");
  c("interrupts_faulted", interrupts_faulted, "requests", "blocked with an interrupt-remapping fault (0x20-0x27)");
  c("post_notifications", post_notifications, "events", "posted-interrupt notification events sent (ON was 0, not suppressed)");
  c("post_suppressed", post_suppressed, "requests", "posted with SN = 1 and URG = 0: PIR set, no notification");
  c("post_already_pending", post_already_pending, "requests", "posted while ON = 1: PIR set, notification already outstanding");
  c("post_urgent", post_urgent, "requests", "posted through an IRTE with URG = 1");
  c("int_cache_lookup", int_cache_lookup, "lookups", "interrupt-entry-cache lookups");
  c("int_cache_hit_posted", int_cache_hit_posted, "hits", "interrupt-entry-cache hits on posted-format entries");
  c("int_cache_hit_nonposted", int_cache_hit_nonposted, "hits", "interrupt-entry-cache hits on remapped-format entries");
  c("irte_reads", irte_reads, "reads", "16-byte IRTE reads from the interrupt-remapping table");
  c("inv_iec_global", inv_iec_global, "invalidations", "interrupt-entry-cache invalidations, global");
  c("inv_iec_index", inv_iec_index, "invalidations", "interrupt-entry-cache invalidations, index-selective (2^IM entries)");
  c("iec_entries_invalidated", iec_entries_invalidated, "entries", "interrupt-entry-cache entries removed by invalidations");
  c("mmio_reads", mmio_reads, "accesses", "register reads");
  c("mmio_writes", mmio_writes, "accesses", "register writes");
  c("gcmd_writes", gcmd_writes, "writes", "GCMD_REG writes");
  c("gcmd_multiple_commands", gcmd_multiple_commands, "writes", "GCMD writes that changed more than one control (the spec allows one)");
  c("te_enabled_without_root", te_enabled_without_root, "events", "translation enabled before any root table was latched (SRTP)");
  c("write_buffer_flushes", write_buffer_flushes, "commands", "write-buffer flushes (GCMD.WBF)");
  r.addDerived(p + "iotlb_hit_rate", [this] { return ratio(iotlb_hit, iotlb_lookup); }, "ratio", "IOTLB hits per lookup");
  r.addDerived(p + "ctxt_cache_hit_rate", [this] { return ratio(ctxt_cache_hit, ctxt_cache_lookup); }, "ratio", "context-cache hits per lookup");
  r.addDerived(p + "walk_reads_per_walk", [this] { return ratio(walk_reads, walks); }, "reads", "paging-entry reads per walk");
  r.addDerived(p + "iotlb_misses_per_mib", [this] {
    return dma_bytes ? double(iotlb_lookup - iotlb_hit) * double(1 << 20) / double(dma_bytes) : 0.0; },
    "misses/MiB", "IOTLB misses per MiB of DMA");
  r.addDerived(p + "memory_reads_per_4k", [this] {
    return dma_bytes ? double(walk_reads + root_reads + context_reads) * 4096.0 / double(dma_bytes) : 0.0; },
    "reads/4KiB", "unit memory reads (root, context, paging entries) per 4 KiB of DMA");
}

}  // namespace vtd
