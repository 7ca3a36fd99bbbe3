// Register-based invalidation (VT-d 3.x 6.5.1 and 10.4.7-10.4.8, FS 6.11): CCMD_REG for
// the context cache, IOTLB_REG with IVA_REG for the IOTLB. A command runs when the write
// covers the upper dword with ICC/IVT set (the trigger bit is bit 63, FS 1.3); hardware
// clears ICC/IVT when done and reports the granularity it actually performed in CAIG/IAIG
// (0 for a reserved request). Page-selective requests become domain-selective when PSI is
// not supported or AM exceeds MAMV (coarser is always allowed).
#include "model/common/bits.h"
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

void RemappingUnit::onCcmdWrite(const RegisterFile::Write& w) {
  if (!w.upperWritten() || !(w.new_value & ccmd::ICC)) return;
  const uint64_t cmd = w.new_value;
  const unsigned requested = unsigned(getBits(cmd, ccmd::kCirgHi, ccmd::kCirgLo));
  const uint16_t did = uint16_t(getBits(cmd, ccmd::kDidHi, ccmd::kDidLo));
  const SourceId sid{uint16_t(getBits(cmd, ccmd::kSidHi, ccmd::kSidLo))};
  const unsigned fm = unsigned(getBits(cmd, ccmd::kFmHi, ccmd::kFmLo));
  unsigned actual = requested;
  uint32_t removed = 0;
  switch (requested) {
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
  uint64_t done = cmd & ~ccmd::ICC;
  done = setBits(done, ccmd::kCaigHi, ccmd::kCaigLo, actual);
  regs_.set(R_CCMD, done);
}

void RemappingUnit::onIotlbWrite(const RegisterFile::Write& w) {
  if (!w.upperWritten() || !(w.new_value & iotlb::IVT)) return;
  const uint64_t cmd = w.new_value;
  const unsigned requested = unsigned(getBits(cmd, iotlb::kIirgHi, iotlb::kIirgLo));
  const uint16_t did = uint16_t(getBits(cmd, iotlb::kDidHi, iotlb::kDidLo));
  const uint64_t iva = regs_.get(R_IVA);
  const unsigned am = unsigned(getBits(iva, iva::kAmHi, iva::kAmLo));
  unsigned actual = requested;
  uint32_t removed = 0;
  switch (requested) {
    case kGranGlobal:
      removed = iotlb_.invalidateAll();
      ++stats_.inv_iotlb_global;
      break;
    case kGranSelective:
      if (config_.unit.page_selective_invalidation && am <= config_.unit.max_address_mask) {
        // IVA.ADDR bits below the mask are ignored (the range is aligned to 2^AM pages).
        removed = iotlb_.invalidatePages(did, iva & iva::kAddrMask, am);
        ++stats_.inv_iotlb_page;
        break;
      }
      ++stats_.inv_iotlb_page_as_domain;
      actual = kGranDomain;
      [[fallthrough]];
    case kGranDomain:
      removed = iotlb_.invalidateDomain(did);
      ++stats_.inv_iotlb_domain;
      break;
    default:
      actual = kGranReserved;
      ++stats_.inv_rejected;
  }
  stats_.iotlb_entries_invalidated += removed;
  uint64_t done = cmd & ~iotlb::IVT;
  done = setBits(done, iotlb::kIaigHi, iotlb::kIaigLo, actual);
  regs_.set(R_IOTLB, done);
}

}  // namespace vtd
