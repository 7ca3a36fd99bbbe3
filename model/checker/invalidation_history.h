// InvalidationHistory: the recent invalidations the unit performed (register-based or
// queued; interrupt-entry-cache ones are always queued), so a stale-entry report can name
// the last one that covered the stale entry's scope, and whether it came before or after
// the entry was filled. A bounded ring: old records fall out, which the report then says.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "model/common/types.h"

namespace vtd {

// "bb:dd.f", as lspci prints a PCI requester id.
std::string sourceText(SourceId s);

struct InvalidationRecord {
  enum class Target : uint8_t { ContextCache, Iotlb, InterruptEntryCache };
  Target target = Target::Iotlb;
  unsigned granularity = 0;  // as performed: 1 global, 2 domain, 3 device/page/index
  bool queued = false;       // from a queued-invalidation descriptor
  uint16_t did = 0;
  SourceId source;           // device-selective context invalidation
  unsigned function_mask = 0;
  uint64_t address = 0;      // page-selective IOTLB invalidation
  unsigned am = 0;
  bool invalidation_hint = false;
  uint32_t interrupt_index = 0;  // index-selective IEC invalidation: IIDX ...
  unsigned index_mask = 0;       // ... and IM (2^IM aligned indexes)
  // The unit's operation counter when performed: DMA requests, or interrupt requests for
  // an interrupt-entry-cache record.
  uint64_t sequence = 0;

  std::string describe() const;
};

class InvalidationHistory {
 public:
  explicit InvalidationHistory(size_t capacity = 1024) : capacity_(capacity) {}

  void record(const InvalidationRecord& r);
  // The most recent record whose scope covers an IOTLB entry of `did` for the page at
  // `iova` of `page_bytes` (for a paging-structure-cache entry: the region it maps, and
  // page-selective records with IH=1 do not count), or a context entry of `source` in `did`.
  std::optional<InvalidationRecord> lastCoveringIotlb(uint16_t did, uint64_t iova, uint64_t page_bytes,
                                                      bool paging_structure = false) const;
  std::optional<InvalidationRecord> lastCoveringContext(SourceId source, uint16_t did) const;
  // The most recent interrupt-entry-cache record that covers interrupt index `index`.
  std::optional<InvalidationRecord> lastCoveringInterruptEntry(uint32_t index) const;
  bool truncated() const { return dropped_ > 0; }
  void clear();

 private:
  size_t capacity_;
  std::deque<InvalidationRecord> records_;
  uint64_t dropped_ = 0;
};

}  // namespace vtd
