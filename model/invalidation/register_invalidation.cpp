// Register-based invalidation (VT-d 3.x 6.5.1 and 10.4.7-10.4.8, FS 6.11): CCMD_REG for
// the context cache, IOTLB_REG with IVA_REG for the IOTLB. A command runs when the write
// covers the upper dword with ICC/IVT set (the trigger bit is bit 63, FS 1.3); hardware
// clears ICC/IVT when done and reports the granularity it actually performed in CAIG/IAIG
// (0 for a reserved request). Page-selective requests become domain-selective when PSI is
// not supported or AM exceeds MAMV (coarser is always allowed).
//
// While queued invalidation is enabled (GSTS.QIES = 1) software must use the queue only
// (VT-d 3.x 6.5.2; FS 6.11: "used only while QI is disabled"); what hardware does with a
// register command then is not specified. This unit refuses it the way it refuses any
// request it cannot perform: nothing is invalidated, ICC/IVT clear (a polling driver never
// hangs) and CAIG/IAIG read 0, which software reads as an error (FS 6.11). Counted in
// inv_register_while_qi.
#include "model/common/bits.h"
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

void RemappingUnit::onCcmdWrite(const RegisterFile::Write& w) {
  if (!w.upperWritten() || !(w.new_value & ccmd::ICC)) return;
  const uint64_t cmd = w.new_value;
  if (gsts() & gsts::QIES) {
    ++stats_.inv_register_while_qi;
    noteRegisterInvalidationWhileQueued("CCMD_REG context-cache invalidation");
    regs_.set(R_CCMD, setBits(cmd & ~ccmd::ICC, ccmd::kCaigHi, ccmd::kCaigLo, kGranReserved));
    return;
  }
  const unsigned actual = invalidateContextCache(
      unsigned(getBits(cmd, ccmd::kCirgHi, ccmd::kCirgLo)), uint16_t(getBits(cmd, ccmd::kDidHi, ccmd::kDidLo)),
      SourceId{uint16_t(getBits(cmd, ccmd::kSidHi, ccmd::kSidLo))}, unsigned(getBits(cmd, ccmd::kFmHi, ccmd::kFmLo)));
  uint64_t done = cmd & ~ccmd::ICC;
  done = setBits(done, ccmd::kCaigHi, ccmd::kCaigLo, actual);
  regs_.set(R_CCMD, done);
}

void RemappingUnit::onIotlbWrite(const RegisterFile::Write& w) {
  if (!w.upperWritten() || !(w.new_value & iotlb::IVT)) return;
  const uint64_t cmd = w.new_value;
  if (gsts() & gsts::QIES) {
    ++stats_.inv_register_while_qi;
    noteRegisterInvalidationWhileQueued("IOTLB_REG invalidation");
    regs_.set(R_IOTLB, setBits(cmd & ~iotlb::IVT, iotlb::kIaigHi, iotlb::kIaigLo, kGranReserved));
    return;
  }
  const uint64_t iva = regs_.get(R_IVA);
  IotlbInvalidation request;
  request.granularity = unsigned(getBits(cmd, iotlb::kIirgHi, iotlb::kIirgLo));
  request.did = uint16_t(getBits(cmd, iotlb::kDidHi, iotlb::kDidLo));
  request.address = iva & iva::kAddrMask;
  request.am = unsigned(getBits(iva, iva::kAmHi, iva::kAmLo));
  request.invalidation_hint = (iva >> 6) & 1;  // IVA.IH
  const unsigned actual = invalidateIotlb(request);
  uint64_t done = cmd & ~iotlb::IVT;
  done = setBits(done, iotlb::kIaigHi, iotlb::kIaigLo, actual);
  regs_.set(R_IOTLB, done);
}

}  // namespace vtd
