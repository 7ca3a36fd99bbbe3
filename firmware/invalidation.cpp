// Register-based invalidation flows (FS 6.11, Linux's order).
#include "firmware/invalidation.h"

#include <string>

#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

Status RegisterInvalidator::checkActual(unsigned requested, unsigned actual, const char* reg,
                                        const char* field, const char* what) {
  if (actual == kGranError)
    return Status::failure(std::string(what) + ": hardware rejected the request (" + reg + "." +
                           field + " = 0)");
  // Granularity codes grow finer: 1 global, 2 domain, 3 device/page.
  if (actual > requested)
    return Status::failure(std::string(what) + ": " + reg + "." + field + " = " +
                           std::to_string(actual) + " is finer than the requested " +
                           std::to_string(requested));
  if (actual < requested) ++stats_.inv_coarser;
  return Status::success();
}

// One 64-bit write with ICC set; hardware clears ICC when done (FS 6.11).
Status RegisterInvalidator::context(unsigned granularity, uint64_t fields, const char* what) {
  const uint64_t command = ccmd::ICC | ccmd::CIRG.make(granularity) | fields;
  io_.write64(CCMD_REG, command);
  uint64_t done = 0;
  VTD_FW_TRY(io_.poll64(CCMD_REG, ccmd::ICC, 0, std::string("CCMD.ICC = 0 after ") + what, &done));
  return checkActual(granularity, unsigned(ccmd::CAIG.get(done)), "CCMD", "CAIG", what);
}

Status RegisterInvalidator::contextGlobal() {
  ++stats_.inv_context_global;
  return context(kGranGlobal, 0, "global context invalidation");
}

Status RegisterInvalidator::contextDomain(uint16_t did) {
  ++stats_.inv_context_domain;
  return context(kGranDomain, ccmd::DID.make(did), "domain context invalidation");
}

Status RegisterInvalidator::contextDevice(uint16_t sid, unsigned fm, uint16_t did) {
  ++stats_.inv_context_device;
  const uint64_t fields = ccmd::DID.make(did) | ccmd::SID.make(sid) | ccmd::FM.make(fm);
  return context(kGranDevice, fields, "device context invalidation");
}

// IVA (for page-selective) was written by the caller; then IOTLB_REG with IVT, poll IVT=0.
// DW/DR ask the hardware to drain DMA first, only where CAP.DWD/DRD say it can (FS 2.1).
Status RegisterInvalidator::iotlb(unsigned granularity, uint16_t did, const char* what) {
  uint64_t command = iotlb::IVT | iotlb::IIRG.make(granularity) | iotlb::DID.make(did);
  if (caps_.dwd) command |= iotlb::DW;
  if (caps_.drd) command |= iotlb::DR;
  const uint32_t offset = caps_.iotlb_reg_offset + kIotlbFromIro;
  io_.write64(offset, command);
  uint64_t done = 0;
  VTD_FW_TRY(io_.poll64(offset, iotlb::IVT, 0, std::string("IOTLB_REG.IVT = 0 after ") + what, &done));
  return checkActual(granularity, unsigned(iotlb::IAIG.get(done)), "IOTLB_REG", "IAIG", what);
}

Status RegisterInvalidator::iotlbGlobal() {
  ++stats_.inv_iotlb_global;
  return iotlb(kGranGlobal, 0, "global IOTLB invalidation");
}

Status RegisterInvalidator::iotlbDomain(uint16_t did) {
  ++stats_.inv_iotlb_domain;
  return iotlb(kGranDomain, did, "domain IOTLB invalidation");
}

Status RegisterInvalidator::iotlbPages(uint16_t did, uint64_t address, unsigned am, bool ih) {
  if (am > iva::AM.get(~0ull)) return Status::failure("page IOTLB invalidation: AM " + std::to_string(am) + " does not fit IVA.AM");
  const uint64_t span = 1ull << (12 + am);
  if (address & (span - 1))
    return Status::failure("page IOTLB invalidation: address is not aligned to 2^AM pages");
  // Without PSI, or beyond MAMV, the hardware would reject the request: flush the domain.
  if (!caps_.psi || am > caps_.mamv) return iotlbDomain(did);
  ++stats_.inv_iotlb_page;
  io_.write64(caps_.iotlb_reg_offset + kIvaFromIro,
              (address & iva::ADDR.mask()) | (ih ? iva::IH : 0) | iva::AM.make(am));
  return iotlb(kGranPage, did, "page IOTLB invalidation");
}

unsigned RegisterInvalidator::addressMaskFor(uint64_t address, uint64_t bytes) {
  const uint64_t first = address >> 12;
  const uint64_t last = (address + (bytes ? bytes : 1) - 1) >> 12;
  unsigned am = 0;
  while (am < 52 && (first >> am) != (last >> am)) ++am;
  return am;
}

}  // namespace vtd::fw
