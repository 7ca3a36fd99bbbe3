// What one model operation touched: cache probes, memory reads per table level, records
// written. The core reports *what* it did; tlm/ turns this into time (LatencyParams).
// Nothing here knows about clocks.
#pragma once

#include <cstdint>

namespace vtd {

struct Cost {
  uint8_t context_cache_lookups = 0;
  uint8_t context_cache_hits = 0;
  uint8_t iotlb_lookups = 0;  // one per translation, however many page sizes were probed
  uint8_t iotlb_hits = 0;
  uint8_t iotlb_probes = 0;   // page-size probes of the unified IOTLB array (for timing)
  uint8_t root_reads = 0;     // 16-byte root-entry reads
  uint8_t context_reads = 0;  // 16-byte context-entry reads
  uint8_t walk_reads = 0;     // 8-byte paging-entry reads, all levels
  uint8_t psc_probed = 0;     // bit L set: the level-L paging-structure cache was probed
  uint8_t psc_hit_level = 0;  // level of the paging-structure cache hit the walk began under
  uint8_t fault_records = 0;  // FRCD writes
  // Interrupt requests (remapInterrupt) only.
  uint8_t iec_lookups = 0;          // interrupt-entry-cache lookups
  uint8_t iec_hits = 0;
  uint8_t irte_reads = 0;           // 16-byte IRTE reads
  uint8_t descriptor_accesses = 0;  // 64-byte posted-descriptor reads and writes
  // The domain the IOTLB lookup was tagged with (valid when iotlb_lookups): not a cost, but
  // what the timing layer keys walks in flight by (miss merging, tlm/resource_timelines.h).
  uint16_t iotlb_did = 0;

  uint32_t memoryReads() const { return uint32_t(root_reads) + context_reads + walk_reads; }
};

}  // namespace vtd
