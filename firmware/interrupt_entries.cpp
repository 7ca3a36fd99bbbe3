// IRTE, remappable MSI and remappable RTE encodings (FS 8.1, 8.3, 8.4).
#include "firmware/interrupt_entries.h"

#include "firmware/interrupt_regs.h"
#include "firmware/text_format.h"

namespace vtd::fw {

using namespace regs;

bool Irte::present() const {
  return (lo & irte::P) != 0;
}
bool Irte::posted() const {
  return (lo & irte::IM) != 0;
}

std::string remappedProblem(const RemappedEntry& e, bool x2apic) {
  const unsigned dlm = unsigned(e.delivery);
  if (dlm == 3 || dlm == 6 || dlm > 7) return "reserved delivery mode " + std::to_string(dlm);
  if (!x2apic && e.destination > 0xFF)
    return "destination " + hexText(e.destination) +
           " needs x2APIC mode (IRTA.EIME = 0 holds an 8-bit xAPIC ID)";
  if (e.source.svt > 2) return "reserved source-validation type 3";
  return {};
}

std::string postedProblem(const PostedEntry& e) {
  if (e.descriptor == 0 || e.descriptor % pid::kBytes != 0)
    return "posted-interrupt descriptor " + hexText(e.descriptor) + " is not 64-byte aligned";
  if (e.source.svt > 2) return "reserved source-validation type 3";
  return {};
}

namespace {
uint64_t sourceBits(const SourceCheck& s) {
  return irte::SID.make(s.sid) | irte::SQ.make(s.sq) | irte::SVT.make(s.svt);
}

// EIME = 1: the 32-bit ID in 63:32. EIME = 0: the 8-bit ID in 47:40, the rest of 63:32
// reserved (FS 8.3; Linux's IRTE_DEST shifts the ID left by 8).
uint64_t destinationBits(uint32_t destination, bool x2apic) {
  return x2apic ? irte::DST.make(destination) : irte::DST_XAPIC.make(destination);
}
}  // namespace

Irte encodeRemapped(const RemappedEntry& e, bool x2apic) {
  Irte r;
  r.lo = irte::P | (e.fpd ? irte::FPD : 0) | (e.logical ? irte::DM : 0) |
         (e.redirection_hint ? irte::RH : 0) | (e.level ? irte::TM : 0) |
         irte::DLM.make(uint64_t(e.delivery)) | irte::V.make(e.vector) |
         destinationBits(e.destination, x2apic);
  r.hi = sourceBits(e.source);
  return r;
}

// PDA bits 31:6 go to 63:38 and bits 63:32 to 127:96 (FS 8.4).
Irte encodePosted(const PostedEntry& e) {
  Irte r;
  r.lo = irte::P | (e.fpd ? irte::FPD : 0) | (e.urgent ? irte::URG : 0) | irte::IM |
         irte::V.make(e.vector) | irte::PDA_L.make(e.descriptor >> 6);
  r.hi = sourceBits(e.source) | irte::PDA_H.make(e.descriptor >> 32);
  return r;
}

Irte retargeted(const Irte& e, uint8_t vector, uint32_t destination, bool x2apic) {
  Irte r = e;
  r.lo = irte::V.with(r.lo, vector);
  r.lo = (r.lo & ~irte::DST.mask()) | destinationBits(destination, x2apic);
  return r;
}

MsiMessage remappableMsi(uint16_t handle, bool shv, uint16_t subhandle) {
  MsiMessage m;
  m.address = msi::kBase | msi::FORMAT | msi::HANDLE_14_0.make(handle & 0x7FFF) |
              ((handle & 0x8000) ? msi::HANDLE_15 : 0) | (shv ? msi::SHV : 0);
  m.data = shv ? uint32_t(msi::SUBHANDLE.make(subhandle)) : 0;  // Linux writes 0 without SHV
  return m;
}

// Bits 10:8 must be 0 and 47:17 are reserved; 12 and 14 are read-only status (FS 8.1).
uint64_t remappableIoapicRte(uint16_t index, const IoapicPin& pin) {
  return ioapic_rte::VECTOR.make(pin.vector) | ((index & 0x8000) ? ioapic_rte::INDEX_15 : 0) |
         (pin.active_low ? ioapic_rte::POLARITY_LOW : 0) |
         (pin.level ? ioapic_rte::TRIGGER_LEVEL : 0) | (pin.masked ? ioapic_rte::MASK : 0) |
         ioapic_rte::FORMAT | ioapic_rte::INDEX_14_0.make(index & 0x7FFF);
}

}  // namespace vtd::fw
