// InvalidationHandler: the invalidation operations a queued-invalidation descriptor asks the
// unit to perform (VT-d 3.x 6.5.2.1-6.5.2.4, FS 6.2-6.5). RemappingUnit implements it with
// the same operations register-based invalidation uses (invalidation/invalidation.cpp), so
// both interfaces act on the caches identically. The interrupt-entry-cache call is the seam
// for interrupt remapping: no interrupt-entry cache exists yet, and descriptors of type 4
// are refused as an invalid type while ECAP.IR = 0 (queued_invalidation.h).
#pragma once

#include <cstdint>

#include "model/common/types.h"

namespace vtd {

struct IotlbInvalidation;  // model/unit/remapping_unit.h

// One interrupt-entry-cache invalidation (descriptor type 4, FS 6.5).
struct IecInvalidation {
  bool index_selective = false;  // G: 0 global, 1 index-selective
  uint16_t index = 0;            // IIDX
  unsigned index_mask = 0;       // IM: 2^IM entries from IIDX (aligned)
};

class InvalidationHandler {
 public:
  virtual ~InvalidationHandler() = default;
  // Each returns the granularity performed (reg::Granularity), kGranReserved when refused.
  virtual unsigned invalidateContextCache(unsigned granularity, uint16_t did, SourceId sid,
                                          unsigned fm) = 0;
  virtual unsigned invalidateIotlb(const IotlbInvalidation& request) = 0;
  // Interrupt-entry cache (with ECAP.IR). Reached only when interrupt remapping is advertised.
  virtual void invalidateInterruptEntryCache(const IecInvalidation& request) = 0;
};

}  // namespace vtd
