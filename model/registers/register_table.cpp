// The register table (fact sheet "FS" sections 1.1-1.3, 3, 6.11, 7; VT-d 3.x chapter 10). Masks follow the field tables;
// each row cites where its behaviour comes from. Rows of features this unit does not
// advertise keep their offset but read 0 and have no writable bits.
#include "model/registers/register_table.h"

#include <string>

#include "model/common/bits.h"
#include "model/registers/capability.h"
#include "model/registers/register_map.h"
#include "model/unit/unit_params.h"

namespace vtd {
namespace {

constexpr uint64_t kAll32 = 0xFFFF'FFFFull;

// A row whose feature is absent behaves as a reserved location: reads 0, ignores writes.
RegisterSpec gated(bool present, RegisterSpec r) {
  if (!present) {
    r.reset = r.rw = r.w1c = r.wo = 0;
    r.hook = RegHook::None;
  }
  return r;
}

}  // namespace

std::vector<RegisterSpec> buildRegisterTable(const UnitParams& p) {
  using namespace reg;
  const bool qi = p.queued_invalidation, ir = p.interrupt_remapping,
             eim = p.extended_interrupt_mode, dt = p.device_tlb;
  const bool prs = false, afl = false, plmr = false, phmr = false;  // not modelled: CAP/ECAP = 0
  const uint64_t haw = addressMask(p.haw_bits);

  uint32_t gcmd_rw = gcmd::TE | gcmd::SRTP;
  if (p.write_buffer_flush) gcmd_rw |= gcmd::WBF;
  if (qi) gcmd_rw |= gcmd::QIE;
  if (ir) gcmd_rw |= gcmd::IRE | gcmd::SIRTP | gcmd::CFI;
  if (afl) gcmd_rw |= gcmd::SFL | gcmd::EAFL;

  // IVT, IIRG, DID; DR/DW only where CAP.DRD/DWD say draining exists.
  uint64_t iotlb_rw = 0xB000'FFFF'0000'0000ull;
  if (p.drain_reads) iotlb_rw |= iotlb::DR;
  if (p.drain_writes) iotlb_rw |= iotlb::DW;

  uint32_t fsts_w1c = fsts::PFO;
  if (afl) fsts_w1c |= fsts::AFO | fsts::APF;
  if (qi) fsts_w1c |= fsts::IQE;
  if (dt) fsts_w1c |= fsts::ICE | fsts::ITE;

  std::vector<RegisterSpec> t = {
      {"VER_REG", VER, 4, encodeVersion(p), 0, 0, 0, RegHook::None, "FS 1.1", "architecture version"},
      {"CAP_REG", CAP, 8, encodeCap(p), 0, 0, 0, RegHook::None, "FS 2.1", "capabilities"},
      {"ECAP_REG", ECAP, 8, encodeEcap(p), 0, 0, 0, RegHook::None, "FS 2.2", "extended capabilities"},
      {"GCMD_REG", GCMD, 4, 0, gcmd_rw, 0, gcmd_rw, RegHook::Gcmd, "FS 3.1-3.2", "global command (write-only, one command per write)"},
      {"GSTS_REG", GSTS, 4, 0, 0, 0, 0, RegHook::None, "FS 3.1", "global status"},
      {"RTADDR_REG", RTADDR, 8, 0, ~0x3FFull, 0, 0, RegHook::None, "FS 1.1, 3.3", "root table address and TTM, latched by SRTP"},
      {"CCMD_REG", CCMD, 8, 0, 0xE000'0003'FFFF'FFFFull, 0, 0, RegHook::Ccmd, "FS 6.11", "register-based context-cache invalidation"},
      {"FSTS_REG", FSTS, 4, 0, 0, fsts_w1c, 0, RegHook::Fsts, "FS 7.1", "fault status"},
      {"FECTL_REG", FECTL, 4, ectl::IM, ectl::IM, 0, 0, RegHook::Fectl, "FS 7.5", "fault event control (IM set at reset)"},
      {"FEDATA_REG", FEDATA, 4, 0, 0xFFFF, 0, 0, RegHook::None, "FS 1.1, 7.5", "fault event message data"},
      {"FEADDR_REG", FEADDR, 4, 0, 0xFFFF'FFFC, 0, 0, RegHook::None, "FS 1.1, 7.5", "fault event message address"},
      gated(eim, {"FEUADDR_REG", FEUADDR, 4, 0, kAll32, 0, 0, RegHook::None, "FS 1.1", "fault event upper address (with EIM)"}),
      gated(afl, {"AFLOG_REG", AFLOG, 8, 0, ~0x1FFull, 0, 0, RegHook::None, "FS 1.1", "advanced fault log (with AFL)"}),
      gated(plmr || phmr, {"PMEN_REG", PMEN, 4, 0, pmen::EPM, 0, 0, RegHook::None, "FS 1.1", "protected memory enable (with PLMR/PHMR)"}),
      gated(plmr, {"PLMBASE_REG", PLMBASE, 4, 0, 0xFFF0'0000, 0, 0, RegHook::None, "FS 1.1", "protected low-memory base"}),
      gated(plmr, {"PLMLIMIT_REG", PLMLIMIT, 4, 0, 0xFFF0'0000, 0, 0, RegHook::None, "FS 1.1", "protected low-memory limit"}),
      gated(phmr, {"PHMBASE_REG", PHMBASE, 8, 0, haw & ~0xFFFFFull, 0, 0, RegHook::None, "FS 1.1", "protected high-memory base"}),
      gated(phmr, {"PHMLIMIT_REG", PHMLIMIT, 8, 0, haw & ~0xFFFFFull, 0, 0, RegHook::None, "FS 1.1", "protected high-memory limit"}),
      gated(qi, {"IQH_REG", IQH, 8, 0, 0, 0, 0, RegHook::None, "FS 1.1, 6.1", "invalidation queue head: byte offset of the next descriptor (advanced by hardware, 0 when QI is disabled)"}),
      gated(qi, {"IQT_REG", IQT, 8, 0, iq::kOffsetMask, 0, 0, RegHook::Iqt, "FS 1.1, 6.1", "invalidation queue tail: a write makes the descriptors up to it available"}),
      gated(qi, {"IQA_REG", IQA, 8, 0, iqa::kBaseMask | iqa::DW | iqa::kQsMask, 0, 0, RegHook::None, "FS 1.1, 6.1", "invalidation queue address, descriptor width (DW), size (QS)"}),
      gated(qi, {"ICS_REG", ICS, 4, 0, 0, ics::IWC, 0, RegHook::Ics, "FS 1.1, 6.6", "invalidation completion status (IWC, write-1-to-clear)"}),
      gated(qi, {"IECTL_REG", IECTL, 4, ectl::IM, ectl::IM, 0, 0, RegHook::Iectl, "FS 1.1, 7.5", "invalidation event control (IM set at reset)"}),
      gated(qi, {"IEDATA_REG", IEDATA, 4, 0, 0xFFFF, 0, 0, RegHook::None, "FS 1.1, 7.5", "invalidation event message data"}),
      gated(qi, {"IEADDR_REG", IEADDR, 4, 0, 0xFFFF'FFFC, 0, 0, RegHook::None, "FS 1.1, 7.5", "invalidation event message address"}),
      gated(qi && eim, {"IEUADDR_REG", IEUADDR, 4, 0, kAll32, 0, 0, RegHook::None, "FS 1.1", "invalidation event upper address (with EIM)"}),
      gated(qi, {"IQERCD_REG", IQERCD, 8, 0, 0, 0, 0, RegHook::None, "FS 1.1, 7.3", "invalidation queue error record (IQEI; ITESID/ICESID need a device-TLB)"}),
      gated(ir, {"IRTA_REG", IRTA, 8, 0, 0xFFFF'FFFF'FFFF'F00Full | (eim ? bit(11) : 0), 0, 0, RegHook::None, "FS 1.1", "interrupt remapping table address"}),
      gated(prs, {"PQH_REG", PQH, 8, 0, 0x7FFE0, 0, 0, RegHook::None, "FS 1.1", "page request queue head"}),
      gated(prs, {"PQT_REG", PQT, 8, 0, 0x7FFE0, 0, 0, RegHook::None, "FS 1.1", "page request queue tail"}),
      gated(prs, {"PQA_REG", PQA, 8, 0, 0xFFFF'FFFF'FFFF'F007ull, 0, 0, RegHook::None, "FS 1.1", "page request queue address"}),
      gated(prs, {"PRS_REG", PRS, 4, 0, 0, 0x3, 0, RegHook::None, "FS 1.1", "page request status"}),
      gated(prs, {"PECTL_REG", PECTL, 4, ectl::IM, ectl::IM, 0, 0, RegHook::None, "FS 1.1", "page request event control"}),
      gated(prs, {"PEDATA_REG", PEDATA, 4, 0, 0xFFFF, 0, 0, RegHook::None, "FS 1.1", "page request event data"}),
      gated(prs, {"PEADDR_REG", PEADDR, 4, 0, 0xFFFF'FFFC, 0, 0, RegHook::None, "FS 1.1", "page request event address"}),
      gated(prs && eim, {"PEUADDR_REG", PEUADDR, 4, 0, kAll32, 0, 0, RegHook::None, "FS 1.1", "page request event upper address"}),
      {"IVA_REG", p.iotlb_reg_offset, 8, 0, 0xFFFF'FFFF'FFFF'F07Full, 0, 0xFFFF'FFFF'FFFF'F07Full, RegHook::None, "FS 1.2, 6.11", "invalidate address for page-selective IOTLB invalidation (write-only)"},
      {"IOTLB_REG", p.iotlb_reg_offset + 8, 8, 0, iotlb_rw, 0, 0, RegHook::IotlbInvalidate, "FS 1.2, 6.11", "register-based IOTLB invalidation"},
  };
  for (unsigned i = 0; i < p.fault_records; ++i) {
    uint32_t base = p.fault_record_offset + 16 * i;
    t.push_back({"FRCD_REG[" + std::to_string(i) + "].lo", base, 8, 0, 0, 0, 0, RegHook::None, "FS 7.2", "fault info (page address)"});
    t.push_back({"FRCD_REG[" + std::to_string(i) + "].hi", base + 8, 8, 0, 0, frcd::F, 0, RegHook::FrcdHigh, "FS 7.2", "fault source, reason, type; F is write-1-to-clear"});
  }
  return t;
}

}  // namespace vtd
