// DriverStats: what the driver did to the hardware, counted on the side of the software
// (register traffic, global commands, polls, invalidations by kind, mappings, page-table
// memory, faults handled, interrupt-remapping entries). Plain counters; visit() lists each
// with its name, unit and a one-line description so the platform can report them next to
// the model's statistics.
#pragma once

#include <array>
#include <cstdint>

#include "firmware/mapping_types.h"

namespace vtd::fw {

struct DriverStats {
  // register traffic
  uint64_t reg_reads = 0;
  uint64_t reg_writes = 0;
  uint64_t gcmd_commands = 0;
  uint64_t polls = 0;
  uint64_t poll_iterations = 0;
  uint64_t poll_timeouts = 0;
  uint64_t write_buffer_flushes = 0;
  // register-based invalidation, by requested granularity (FS 6.11)
  uint64_t inv_context_global = 0;
  uint64_t inv_context_domain = 0;
  uint64_t inv_context_device = 0;
  uint64_t inv_iotlb_global = 0;
  uint64_t inv_iotlb_domain = 0;
  uint64_t inv_iotlb_page = 0;
  uint64_t inv_coarser = 0;  // hardware reported a coarser actual granularity (accepted)
  // queued invalidation (with DriverOptions::queued_invalidation; the counts above then
  // count descriptors) and device-TLB flushes for ATS devices (FS 6.4, 6.6, 6.12)
  uint64_t inv_device_tlb = 0;
  uint64_t inv_queue_waits = 0;
  uint64_t inv_queue_errors = 0;    // IQE seen, slot repaired
  uint64_t inv_queue_timeouts = 0;  // ITE seen (a device did not answer)
  // interrupt remapping (FS 6.5, 8)
  uint64_t inv_iec_global = 0;
  uint64_t inv_iec_index = 0;
  uint64_t irte_writes = 0;   // IRTEs written (set, changed or cleared)
  uint64_t irtes_in_use = 0;  // table entries currently allocated
  // mappings
  uint64_t maps = 0;
  uint64_t unmaps = 0;
  std::array<uint64_t, kLeafSizeCount> leaves_mapped{};    // by LeafSize, cumulative
  std::array<uint64_t, kLeafSizeCount> leaves_unmapped{};  // by LeafSize, cumulative
  uint64_t page_table_pages = 0;  // currently allocated second-level table pages
  uint64_t context_tables = 0;    // currently allocated context tables
  uint64_t cache_flushes = 0;     // clflush ranges issued because ECAP.C = 0
  // faults
  uint64_t faults_handled = 0;
  uint64_t stale_faults_drained = 0;  // records found while enabling

  template <class F>
  void visit(F f) const {
    f("reg_reads", reg_reads, "accesses", "register reads issued by the driver");
    f("reg_writes", reg_writes, "accesses", "register writes issued by the driver");
    f("gcmd_commands", gcmd_commands, "commands", "GCMD writes (one command each)");
    f("polls", polls, "polls", "status polls started");
    f("poll_iterations", poll_iterations, "reads", "status reads made while polling");
    f("poll_timeouts", poll_timeouts, "polls", "polls that timed out");
    f("write_buffer_flushes", write_buffer_flushes, "commands", "GCMD.WBF issued (CAP.RWBF)");
    f("inv_context_global", inv_context_global, "commands", "global context-cache invalidations");
    f("inv_context_domain", inv_context_domain, "commands", "domain-selective context-cache invalidations");
    f("inv_context_device", inv_context_device, "commands", "device-selective context-cache invalidations");
    f("inv_iotlb_global", inv_iotlb_global, "commands", "global IOTLB invalidations");
    f("inv_iotlb_domain", inv_iotlb_domain, "commands", "domain-selective IOTLB invalidations");
    f("inv_iotlb_page", inv_iotlb_page, "commands", "page-selective IOTLB invalidations");
    f("inv_coarser", inv_coarser, "commands", "invalidations performed coarser than requested");
    f("inv_device_tlb", inv_device_tlb, "descriptors",
      "device-TLB invalidate descriptors for ATS devices (after the IOTLB's)");
    f("inv_queue_waits", inv_queue_waits, "descriptors",
      "invalidation waits submitted (one per queued call)");
    f("inv_queue_errors", inv_queue_errors, "errors", "invalidation queue errors met (FSTS.IQE)");
    f("inv_queue_timeouts", inv_queue_timeouts, "errors",
      "device-TLB invalidation time-outs met (FSTS.ITE)");
    f("inv_iec_global", inv_iec_global, "descriptors",
      "global interrupt-entry-cache invalidations");
    f("inv_iec_index", inv_iec_index, "descriptors",
      "index-selective interrupt-entry-cache invalidations (one per IRTE change)");
    f("irte_writes", irte_writes, "entries", "interrupt-remapping table entries written");
    f("irtes_in_use", irtes_in_use, "entries", "interrupt-remapping table entries allocated");
    f("maps", maps, "calls", "successful map calls");
    f("unmaps", unmaps, "calls", "successful unmap calls");
    f("leaves_mapped_4k", leaves_mapped[0], "entries", "4 KiB leaves written");
    f("leaves_mapped_2m", leaves_mapped[1], "entries", "2 MiB leaves written");
    f("leaves_mapped_1g", leaves_mapped[2], "entries", "1 GiB leaves written");
    f("leaves_unmapped_4k", leaves_unmapped[0], "entries", "4 KiB leaves cleared");
    f("leaves_unmapped_2m", leaves_unmapped[1], "entries", "2 MiB leaves cleared");
    f("leaves_unmapped_1g", leaves_unmapped[2], "entries", "1 GiB leaves cleared");
    f("page_table_pages", page_table_pages, "pages", "second-level table pages in use");
    f("context_tables", context_tables, "pages", "context tables in use");
    f("cache_flushes", cache_flushes, "ranges", "CPU cache flushes for a non-coherent walker");
    f("faults_handled", faults_handled, "records", "fault records read and cleared");
    f("stale_faults_drained", stale_faults_drained, "records", "records cleared during enable");
  }
};

}  // namespace vtd::fw
