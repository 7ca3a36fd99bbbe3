// Decoding of VER/CAP/ECAP (FS 1.1, 2.1, 2.2) with the driver's own field definitions.
#include "firmware/capabilities.h"

#include <algorithm>

#include "firmware/text_format.h"
#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

namespace {
bool has(uint64_t value, uint64_t flag) { return (value & flag) != 0; }
}  // namespace

Capabilities Capabilities::decode(uint32_t ver, uint64_t cap_value, uint64_t ecap_value) {
  Capabilities c;
  c.ver_raw = ver;
  c.cap_raw = cap_value;
  c.ecap_raw = ecap_value;
  c.version_major = unsigned(ver::MAJOR.get(ver));
  c.version_minor = unsigned(ver::MINOR.get(ver));

  c.nd = unsigned(cap::ND.get(cap_value));
  c.domain_count = c.nd == cap::kNdReserved ? 0 : 1u << (4 + 2 * c.nd);
  c.afl = has(cap_value, cap::AFL);
  c.rwbf = has(cap_value, cap::RWBF);
  c.plmr = has(cap_value, cap::PLMR);
  c.phmr = has(cap_value, cap::PHMR);
  c.cm = has(cap_value, cap::CM);
  c.sagaw = unsigned(cap::SAGAW.get(cap_value));
  for (unsigned aw = 0; aw < 5; ++aw)
    if (c.sagaw & (1u << aw)) c.sagaw_widths.push_back(awToWidth(aw));
  c.mgaw_bits = unsigned(cap::MGAW.get(cap_value)) + 1;
  c.zlr = has(cap_value, cap::ZLR);
  c.fro = unsigned(cap::FRO.get(cap_value));
  c.fault_record_offset = c.fro * 16;
  c.sllps = unsigned(cap::SLLPS.get(cap_value));
  c.sllps_2m = (c.sllps & cap::kSllps2M) != 0;
  c.sllps_1g = (c.sllps & cap::kSllps1G) != 0;
  c.psi = has(cap_value, cap::PSI);
  c.nfr = unsigned(cap::NFR.get(cap_value));
  c.fault_record_count = c.nfr + 1;
  c.mamv = unsigned(cap::MAMV.get(cap_value));
  c.dwd = has(cap_value, cap::DWD);
  c.drd = has(cap_value, cap::DRD);
  c.fl1gp = has(cap_value, cap::FL1GP);
  c.pi = has(cap_value, cap::PI);
  c.fl5lp = has(cap_value, cap::FL5LP);
  c.ecmds = has(cap_value, cap::ECMDS);
  c.esirtps = has(cap_value, cap::ESIRTPS);
  c.esrtps = has(cap_value, cap::ESRTPS);

  c.coherent = has(ecap_value, ecap::C);
  c.qi = has(ecap_value, ecap::QI);
  c.dt = has(ecap_value, ecap::DT);
  c.ir = has(ecap_value, ecap::IR);
  c.eim = has(ecap_value, ecap::EIM);
  c.pt = has(ecap_value, ecap::PT);
  c.sc = has(ecap_value, ecap::SC);
  c.iro = unsigned(ecap::IRO.get(ecap_value));
  c.iotlb_reg_offset = c.iro * 16;
  c.mhmv = unsigned(ecap::MHMV.get(ecap_value));
  c.mts = has(ecap_value, ecap::MTS);
  c.nest = has(ecap_value, ecap::NEST);
  c.prs = has(ecap_value, ecap::PRS);
  c.pasid = has(ecap_value, ecap::PASID);
  c.pss = unsigned(ecap::PSS.get(ecap_value));
  c.smts = has(ecap_value, ecap::SMTS);
  return c;
}

bool Capabilities::supportsWidth(unsigned width_bits) const {
  return std::find(sagaw_widths.begin(), sagaw_widths.end(), width_bits) != sagaw_widths.end();
}

unsigned Capabilities::smallestWidthCovering(unsigned width_bits) const {
  for (unsigned w : sagaw_widths)  // ascending
    if (w >= width_bits) return w;
  return 0;
}

unsigned Capabilities::largestWidth() const {
  return sagaw_widths.empty() ? 0 : sagaw_widths.back();
}

unsigned Capabilities::defaultDomainWidth() const {
  unsigned best = 0;
  for (unsigned w : sagaw_widths)
    if (w <= 57) best = w;
  return best;
}

uint32_t Capabilities::registerWindowBytes() const {
  uint32_t end = 0x1000;
  end = std::max(end, fault_record_offset + 16 * fault_record_count);
  end = std::max(end, iotlb_reg_offset + 16);
  return (end + 0xFFF) & ~0xFFFu;
}

// What would make the driver unable to run this unit. 64-bit (6-level) tables are
// reserved in practice and the driver builds at most 5 levels (FS 2.1 SAGAW).
std::vector<std::string> Capabilities::problems() const {
  std::vector<std::string> out;
  if (nd == cap::kNdReserved) out.push_back("CAP.ND holds the reserved value 7");
  if (sagaw_widths.empty() || defaultDomainWidth() == 0)
    out.push_back("CAP.SAGAW " + hexText(sagaw) + " advertises no usable table width (30..57 bits)");
  if (fro == 0) out.push_back("CAP.FRO is 0: fault recording registers overlap VER_REG");
  if (iro == 0) out.push_back("ECAP.IRO is 0: IOTLB registers overlap VER_REG");
  if (!hasRegisterInvalidation())
    out.push_back("VER " + std::to_string(version_major) + "." + std::to_string(version_minor) +
                  " has no register-based invalidation and queued invalidation is not "
                  "implemented by this driver yet");
  return out;
}

}  // namespace vtd::fw
