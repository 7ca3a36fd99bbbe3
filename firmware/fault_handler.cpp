// Primary fault handling and the fault event registers (FS 7.1, 7.2, 7.5, 9.C.6).
#include "firmware/fault_handler.h"

#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

FaultRecord FaultHandler::decode(unsigned index, uint64_t lo, uint32_t dword2, uint32_t dword3) {
  FaultRecord r;
  r.index = index;
  r.raw_lo = lo;
  r.raw_hi = uint64_t(dword3) << 32 | dword2;
  r.address = frcd::FI.get(lo) << kPageShift;
  r.source_id = uint16_t(frcd::SID.get(dword2));
  r.pasid_present = (dword2 & frcd::PP) != 0;
  r.privileged = (dword2 & frcd::PRIV) != 0;
  r.execute = (dword2 & frcd::EXE) != 0;
  r.reason = uint8_t(frcd::FR.get(dword3));
  r.pasid = uint32_t(frcd::PV.get(dword3));
  r.address_type = uint8_t(frcd::AT.get(dword3));
  r.is_write = !r.isInterruptFault() && !(dword3 & frcd::T);  // T: 0 write, 1 read
  return r;
}

std::vector<FaultRecord> FaultHandler::handle() {
  std::vector<FaultRecord> records;
  const uint32_t status = io_.read32(FSTS_REG);
  if (status & fsts::PPF) {
    const unsigned count = caps_.fault_record_count;
    unsigned index = unsigned(fsts::FRI.get(status)) % count;
    // At most one pass over the ring, so a unit that never clears F cannot trap us here.
    for (unsigned n = 0; n < count; ++n) {
      const uint32_t base = caps_.fault_record_offset + index * kFrcdStride;
      const uint32_t dword3 = io_.read32(base + frcd::kDword3);
      if (!(dword3 & frcd::F)) break;
      const uint32_t dword2 = io_.read32(base + frcd::kDword2);
      const uint64_t lo = io_.read64(base + frcd::kLowQword);
      records.push_back(decode(index, lo, dword2, dword3));
      io_.write32(base + frcd::kDword3, frcd::F);  // RW1C: only F is written as 1
      ++stats_.faults_handled;
      index = (index + 1) % count;
    }
  }
  // PFO is RW1C; PPF is read-only and falls by itself once every F is clear. Writing both
  // as Linux does is harmless and also clears a PFO that was set without PPF.
  if (status & (fsts::PFO | fsts::PPF)) io_.write32(FSTS_REG, fsts::PFO | fsts::PPF);
  return records;
}

void FaultHandler::setInterrupt(uint64_t msi_address, uint32_t msi_data) {
  io_.write32(FEDATA_REG, msi_data);
  io_.write32(FEADDR_REG, uint32_t(msi_address) & ~feaddr::kReservedLow);
  // FEUADDR exists only with ECAP.EIM (FS 1.1); otherwise the location is reserved.
  if (caps_.eim) io_.write32(FEUADDR_REG, uint32_t(msi_address >> 32));
  setMasked(false);
}

// Linux reads FECTL back after writing it so the posted write reaches the unit (FS 7.5).
void FaultHandler::setMasked(bool masked) {
  io_.write32(FECTL_REG, masked ? fectl::IM : 0);
  (void)io_.read32(FECTL_REG);
}

}  // namespace vtd::fw
