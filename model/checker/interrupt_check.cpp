// The driver checker on the interrupt-remapping path: interrupt-entry-cache invalidations
// (descriptor type 4, FS 6.5: global, or the 2^IM aligned indexes from IIDX) go into the
// invalidation history, numbered by interrupt request, so that reports can name the last
// one that covered an interrupt index.
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

void RemappingUnit::noteIecInvalidation(const IecInvalidation& request) {
  InvalidationRecord rec;
  rec.target = InvalidationRecord::Target::InterruptEntryCache;
  rec.granularity = request.index_selective ? reg::kGranSelective : reg::kGranGlobal;
  rec.interrupt_index = request.index;
  rec.index_mask = request.index_mask;
  recordInvalidation(rec);
}

}  // namespace vtd
