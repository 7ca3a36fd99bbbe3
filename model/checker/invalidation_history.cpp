// InvalidationHistory: recording and the covering queries (VT-d 3.x 6.5: which entries
// each granularity removes; FS 6.5 for the interrupt-entry cache).
#include "model/checker/invalidation_history.h"

#include <cstdio>

namespace vtd {

std::string sourceText(SourceId s) {
  char b[16];
  std::snprintf(b, sizeof b, "%02x:%02x.%x", s.bus(), s.devfn() >> 3, s.devfn() & 7);
  return b;
}

std::string InvalidationRecord::describe() const {
  char b[192];
  const char* how = queued ? "queued" : "register";
  if (target == Target::ContextCache) {
    switch (granularity) {
      case 1: std::snprintf(b, sizeof b, "context-cache global (%s)", how); break;
      case 2: std::snprintf(b, sizeof b, "context-cache domain DID %u (%s)", did, how); break;
      default:
        std::snprintf(b, sizeof b, "context-cache device %s FM %u (%s)", sourceText(source).c_str(),
                      function_mask, how);
    }
  } else if (target == Target::InterruptEntryCache) {
    if (granularity == 1)
      std::snprintf(b, sizeof b, "interrupt-entry-cache global (%s)", how);
    else
      std::snprintf(b, sizeof b, "interrupt-entry-cache index 0x%x IM %u (%s)", interrupt_index,
                    index_mask, how);
  } else {
    switch (granularity) {
      case 1: std::snprintf(b, sizeof b, "IOTLB global (%s)", how); break;
      case 2: std::snprintf(b, sizeof b, "IOTLB domain DID %u (%s)", did, how); break;
      default:
        std::snprintf(b, sizeof b, "IOTLB page-selective DID %u 0x%llx AM %u%s (%s)", did,
                      static_cast<unsigned long long>(address), am, invalidation_hint ? " IH" : "", how);
    }
  }
  return b;
}

void InvalidationHistory::record(const InvalidationRecord& r) {
  if (capacity_ == 0) return;
  if (records_.size() == capacity_) {
    records_.pop_front();
    ++dropped_;
  }
  records_.push_back(r);
}

std::optional<InvalidationRecord> InvalidationHistory::lastCoveringIotlb(uint16_t did, uint64_t iova,
                                                                         uint64_t page_bytes,
                                                                         bool paging_structure) const {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    const InvalidationRecord& r = *it;
    if (r.target != InvalidationRecord::Target::Iotlb) continue;
    if (r.granularity == 1) return r;
    if (r.did != did) continue;
    if (r.granularity == 2) return r;
    if (paging_structure && r.invalidation_hint) continue;  // IH=1 keeps non-leaf entries
    // Page-selective: the entry's page overlaps [address, address + 2^(12+am)).
    const uint64_t span = 1ull << (12 + r.am);
    const uint64_t base = r.address & ~(span - 1);
    const uint64_t page = iova & ~(page_bytes - 1);
    if (page < base + span && base < page + page_bytes) return r;
  }
  return std::nullopt;
}

std::optional<InvalidationRecord> InvalidationHistory::lastCoveringContext(SourceId source, uint16_t did) const {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    const InvalidationRecord& r = *it;
    if (r.target != InvalidationRecord::Target::ContextCache) continue;
    if (r.granularity == 1) return r;
    if (r.granularity == 2 && r.did == did) return r;
    if (r.granularity == 3 && sameSourceUnderMask(r.source, source, r.function_mask)) return r;
  }
  return std::nullopt;
}

// FS 6.5: index-selective covers the naturally aligned block of 2^IM indexes holding IIDX.
std::optional<InvalidationRecord> InvalidationHistory::lastCoveringInterruptEntry(
    uint32_t index) const {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    const InvalidationRecord& r = *it;
    if (r.target != InvalidationRecord::Target::InterruptEntryCache) continue;
    if (r.granularity == 1) return r;
    const uint64_t keep = r.index_mask >= 32 ? 0 : ~((uint64_t(1) << r.index_mask) - 1);
    if ((index & keep) == (r.interrupt_index & keep)) return r;
  }
  return std::nullopt;
}

void InvalidationHistory::clear() {
  records_.clear();
  dropped_ = 0;
}

}  // namespace vtd
