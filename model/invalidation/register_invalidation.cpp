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
