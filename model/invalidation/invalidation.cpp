// The invalidation operations themselves (VT-d 3.x 6.5, FS 6.11), shared by the two
// interfaces that request them: register-based invalidation (CCMD_REG, IOTLB_REG) and
// queued invalidation descriptors. Each returns the granularity actually performed, which
// may be coarser than requested (always allowed), or kGranReserved for a reserved request.
// IOTLB invalidation also covers the paging-structure caches (VT-d 3.x 6.5.1.2, 6.5.2.3;
// FS 6.3): global and domain-selective clear them (all, or the domain's); page-selective
// clears the domain's entries at every level whose region overlaps the range unless IH=1
// (only leaves changed). Context-cache invalidation leaves both: software follows it with
// an IOTLB invalidation (VT-d 3.x 6.5.1.1).
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

unsigned RemappingUnit::invalidateContextCache(unsigned granularity, uint16_t did, SourceId sid, unsigned fm) {
  unsigned actual = granularity;
  uint32_t removed = 0;
  switch (granularity) {
    case kGranGlobal:
      removed = context_cache_.invalidateAll();
      ++stats_.inv_context_global;
      break;
    case kGranDomain:
      removed = context_cache_.invalidateDomain(did);
      ++stats_.inv_context_domain;
      break;
    case kGranSelective:
      removed = context_cache_.invalidateDevice(sid, fm);
      ++stats_.inv_context_device;
      break;
    default:
      actual = kGranReserved;
      ++stats_.inv_rejected;
  }
  stats_.ctxt_cache_entries_invalidated += removed;
  if (check_translations_ && actual != kGranReserved) {
    InvalidationRecord r;
    r.target = InvalidationRecord::Target::ContextCache;
    r.granularity = actual;
    r.did = did;
    r.source = sid;
    r.function_mask = fm;
    recordInvalidation(r);
  }
  return actual;
}

unsigned RemappingUnit::invalidateIotlb(const IotlbInvalidation& request) {
  unsigned actual = request.granularity;
  uint32_t removed = 0, psc_removed = 0;
  switch (request.granularity) {
    case kGranGlobal:
      removed = iotlb_.invalidateAll();
      psc_removed = psc_.invalidateAll();
      ++stats_.inv_iotlb_global;
      break;
    case kGranSelective:
      if (config_.unit.page_selective_invalidation && request.am <= config_.unit.max_address_mask) {
        // Address bits below the mask are ignored (the range is aligned to 2^AM pages).
        if (const uint64_t low = request.address & ((uint64_t(4096) << request.am) - 1)) reportUnalignedPsi(request, low);
        removed = iotlb_.invalidatePages(request.did, request.address, request.am);
        if (!request.invalidation_hint) psc_removed = psc_.invalidatePages(request.did, request.address, request.am);
        ++stats_.inv_iotlb_page;
        break;
      }
      ++stats_.inv_iotlb_page_as_domain;
      actual = kGranDomain;
      [[fallthrough]];
    case kGranDomain:
      removed = iotlb_.invalidateDomain(request.did);
      psc_removed = psc_.invalidateDomain(request.did);
      ++stats_.inv_iotlb_domain;
      break;
    default:
      actual = kGranReserved;
      ++stats_.inv_rejected;
  }
  stats_.iotlb_entries_invalidated += removed;
  stats_.psc_entries_invalidated += psc_removed;
  if (check_translations_ && actual != kGranReserved) {
    InvalidationRecord r;
    r.target = InvalidationRecord::Target::Iotlb;
    r.granularity = actual;
    r.did = request.did;
    r.address = request.address;
    r.am = request.am;
    r.invalidation_hint = request.invalidation_hint;
    recordInvalidation(r);
  }
  return actual;
}

}  // namespace vtd
