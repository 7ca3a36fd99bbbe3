// UnitStats: the remapping unit's counters. Plain members incremented on the hot path;
// describe() registers each under its member name with unit and description (names follow
// the VT-d perfmon events where one exists: iotlb_lookup, iotlb_hit, ctxt_cache_lookup …).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace vtd {

class StatRegistry;

struct UnitStats {
  // DMA requests
  uint64_t dma_requests = 0;
  uint64_t dma_bytes = 0;
  uint64_t dma_untranslated = 0;  // remapping disabled (TES = 0): passed unchanged
  uint64_t dma_pass_through = 0;  // context TT = pass-through
  uint64_t dma_interrupt_window = 0;  // requests into 0xFEEx_xxxx: not DMA, blocked
  uint64_t translations = 0;      // successful second-level translations
  // ATS (ECAP.DT): translation requests (AT=01) by completion, translated requests (AT=10)
  uint64_t ats_translation_requests = 0;
  uint64_t ats_completions_no_access = 0;          // Success with R=W=0, nothing recorded
  uint64_t ats_completions_untranslated_only = 0;  // the interrupt window: W=1, U=1
  uint64_t ats_completions_ur = 0;
  uint64_t ats_completions_ca = 0;
  uint64_t ats_translated_requests = 0;  // passed unchanged (TT=01)
  // caches
  uint64_t iotlb_lookup = 0;
  uint64_t iotlb_hit = 0;
  uint64_t iotlb_fill = 0;
  uint64_t iotlb_eviction = 0;
  uint64_t ctxt_cache_lookup = 0;
  uint64_t ctxt_cache_hit = 0;
  uint64_t ctxt_cache_fill = 0;
  uint64_t ctxt_cache_eviction = 0;
  std::array<uint64_t, 3> iotlb_eviction_size{};  // by the replaced entry's page size
  // paging-structure caches, by level (index 2 PDE .. 5 PML5E; VT-d perfmon ss_nonleaf_*)
  std::array<uint64_t, 6> ss_nonleaf_lookup{};
  std::array<uint64_t, 6> ss_nonleaf_hit{};
  std::array<uint64_t, 6> psc_fill{};
  std::array<uint64_t, 6> psc_eviction{};
  // caching mode (CAP.CM): negative entries
  uint64_t iotlb_negative_fill = 0;
  uint64_t iotlb_negative_hit = 0;
  uint64_t ctxt_cache_negative_fill = 0;
  uint64_t ctxt_cache_negative_hit = 0;
  // walks
  uint64_t walks = 0;
  uint64_t walk_reads = 0;
  uint64_t root_reads = 0;
  uint64_t context_reads = 0;
  std::array<uint64_t, 6> walk_reads_per_translation{};  // misses by walk reads, 1..5 ([0]: hits, at dump)
  // faults
  uint64_t faults = 0;
  uint64_t faults_recorded = 0;
  uint64_t faults_suppressed_fpd = 0;
  uint64_t faults_dropped_overflow = 0;
  uint64_t faults_collapsed = 0;
  std::array<uint64_t, 256> fault_reason{};
  // invalidations performed (register-based and queued)
  uint64_t inv_context_global = 0;
  uint64_t inv_context_domain = 0;
  uint64_t inv_context_device = 0;
  uint64_t inv_iotlb_global = 0;
  uint64_t inv_iotlb_domain = 0;
  uint64_t inv_iotlb_page = 0;
  uint64_t inv_iotlb_page_as_domain = 0;  // page-selective performed as domain-selective
  uint64_t inv_rejected = 0;              // reserved granularity: CAIG/IAIG = 0
  uint64_t ctxt_cache_entries_invalidated = 0;
  uint64_t iotlb_entries_invalidated = 0;
  uint64_t psc_entries_invalidated = 0;
  // queued invalidation (descriptors by type and requested granularity)
  uint64_t inv_desc_context_global = 0;
  uint64_t inv_desc_context_domain = 0;
  uint64_t inv_desc_context_device = 0;
  uint64_t inv_desc_iotlb_global = 0;
  uint64_t inv_desc_iotlb_domain = 0;
  uint64_t inv_desc_iotlb_page = 0;
  uint64_t inv_desc_iec = 0;
  uint64_t inv_desc_device_tlb = 0;
  uint64_t inv_desc_wait = 0;
  uint64_t inv_desc_wait_sw = 0;     // with a status write
  uint64_t inv_desc_wait_if = 0;     // with the interrupt flag
  uint64_t inv_desc_wait_fence = 0;  // with FN
  uint64_t inv_queue_fetches = 0;    // 16-byte descriptor reads
  uint64_t inv_queue_status_writes = 0;
  uint64_t inv_queue_status_write_failed = 0;
  uint64_t inv_queue_errors = 0;              // FSTS.IQE set
  std::array<uint64_t, 8> inv_queue_error{};  // by IQERCD.IQEI
  uint64_t inv_queue_tail_while_disabled = 0;
  uint64_t inv_queue_disabled_nonempty = 0;
  uint64_t inv_register_while_qi = 0;  // CCMD/IOTLB_REG command while QIES = 1: ignored
  // device-TLB invalidation (ECAP.DT): invalidate requests forwarded to devices
  uint64_t inv_device_tlb = 0;                  // answered with a completion
  uint64_t inv_device_tlb_all = 0;              // of those, whole-address-space ones
  uint64_t inv_device_tlb_timeouts = 0;         // never answered: FSTS.ITE
  uint64_t inv_device_tlb_waits_aborted = 0;    // waits behind a time-out: no SW, no IF
  uint64_t device_tlb_entries_invalidated = 0;  // device-TLB entries the devices dropped
  // interrupt requests (VT-d perfmon int_cache_*; with interrupt remapping)
  uint64_t interrupt_requests = 0;
  uint64_t interrupts_not_remapped = 0;  // IRES = 0: delivered as written
  uint64_t interrupts_compatibility = 0; // compatibility format passed (CFIS = 1)
  uint64_t interrupts_remapped = 0;      // remapped-format IRTE
  uint64_t interrupts_posted = 0;        // posted-format IRTE: descriptor updated
  uint64_t interrupts_faulted = 0;
  uint64_t post_notifications = 0;       // notification events sent (ON was 0)
  uint64_t post_suppressed = 0;          // SN = 1, URG = 0: no notification
  uint64_t post_already_pending = 0;     // ON = 1: no notification
  uint64_t post_urgent = 0;              // posted with URG = 1
  uint64_t int_cache_lookup = 0;
  uint64_t int_cache_hit_posted = 0;
  uint64_t int_cache_hit_nonposted = 0;
  uint64_t irte_reads = 0;
  uint64_t inv_iec_global = 0;
  uint64_t inv_iec_index = 0;
  uint64_t iec_entries_invalidated = 0;
  // registers
  uint64_t mmio_reads = 0;
  uint64_t mmio_writes = 0;
  uint64_t gcmd_writes = 0;
  uint64_t gcmd_multiple_commands = 0;  // a write changing more than one control (FS 3.2)
  uint64_t te_enabled_without_root = 0; // TE set before any SRTP
  uint64_t write_buffer_flushes = 0;

  void describe(StatRegistry& r, const std::string& prefix) const;
};

}  // namespace vtd
