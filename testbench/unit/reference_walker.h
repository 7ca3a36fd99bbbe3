// ReferenceWalker: an independent reading of legacy-mode (RTADDR.TTM=00) DMA remapping,
// written from the fact sheet (FS 3.3, 4.1, 4.2, 5.1, 7.4, 7.5) and NOT from the model's
// translation code, so the randomized robustness test can compare the model against it.
// Given guest memory, the latched RTADDR value and the unit parameters it says what the
// spec requires for one request: an output address and page size, or a fault reason and
// whether FPD suppresses its recording. It has no caches: callers compare only when the
// model's caches are known to be coherent with memory (after invalidation).
// describeWalk() dumps the raw entries on a request's path, for failure messages.
// Not modelled: scalable mode, ATS beyond "blocked", requests whose input address is in the
// interrupt range (they are interrupt requests, FS 8.1; callers must not ask).
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>

#include "model/common/flat_memory.h"
#include "model/common/types.h"
#include "model/unit/unit_params.h"

namespace vtd::test {

// Qualified faults (FS 7.4 "Qualified" column) may be silenced by the context entry's FPD.
constexpr bool refQualified(FaultReason r) {
  const unsigned c = unsigned(r);
  return c == 0x2 || c == 0x3 || c == 0x4 || c == 0x5 || c == 0x6 || c == 0x7 || c == 0xC ||
         c == 0xD || c == 0xE;
}

// The decoded context a request used, so callers can tell when two contexts share a DID
// while pointing at different tables (the IOTLB is tagged by DID, so that is a software
// error whose outcome the spec leaves to the caches).
struct RefContext {
  bool valid = false;
  unsigned tt = 0;
  unsigned aw = 0;
  uint16_t did = 0;
  uint64_t slptptr = 0;
};

struct RefOutcome {
  bool ok = false;
  FaultReason reason = FaultReason::None;
  bool fpd = false;         // FPD of the context entry that governs the request
  bool translated = false;  // false: pass-through (output = input)
  uint64_t output = 0;
  unsigned page_shift = 12;
  uint8_t perms = 0;        // AND of R (bit 0) and W (bit 1) over all levels
  RefContext context;

  bool recordExpected() const { return !ok && !(fpd && refQualified(reason)); }
};

class ReferenceWalker {
 public:
  ReferenceWalker(const UnitParams& p, const FlatMemory& m) : p_(p), mem_(m) {}

  // `rtaddr` is the RTADDR value latched by the last GCMD.SRTP.
  RefOutcome translate(uint64_t rtaddr, const DmaRequest& r) const {
    RefOutcome o;
    const unsigned ttm = unsigned(rtaddr >> 10) & 3;
    // FS 3.3: TTM 01 needs ECAP.SMTS, 11 needs ADMS, 10 is reserved; none is advertised, so
    // every request meets an invalid root-table mode (0x30, RTA.1). Only with TTM=00 can a
    // request carrying a PASID give 0x31 (FS 7.4 RTA.2: "PASID while TTM=00").
    if (ttm != 0) return fault(o, 0x30);
    if (r.pasid_present) return fault(o, 0x31);
    // FS 1.1: RTA bits at or above HAW are ignored.
    const uint64_t rta = rtaddr & ~0xFFFull & lowMask(p_.haw_bits);

    uint64_t re_lo, re_hi;  // FS 4.1 root entry, indexed by bus
    if (!read(rta + 16ull * r.source.bus(), re_lo, re_hi)) return fault(o, 0x8);
    if (!(re_lo & 1)) return fault(o, 0x1);
    if ((re_lo & (0xFFEull | aboveHaw64())) || re_hi) return fault(o, 0xA);

    uint64_t ce_lo, ce_hi;  // FS 4.2 context entry, indexed by devfn
    if (!read((re_lo & ~0xFFFull) + 16ull * r.source.devfn(), ce_lo, ce_hi)) return fault(o, 0x9);
    o.fpd = (ce_lo >> 1) & 1;  // honoured even for a non-present entry (model's choice)
    if (!(ce_lo & 1)) return fault(o, 0x2);
    const unsigned tt = unsigned(ce_lo >> 2) & 3, aw = unsigned(ce_hi & 7);
    uint64_t lo_rsvd = 0xFF0;
    if (tt != 2) lo_rsvd |= aboveHaw64();  // SLPTPTR is ignored for pass-through
    uint64_t hi_rsvd = (1ull << 7) | ~lowMask(24);  // bit 71 and bits 127:88
    hi_rsvd |= ((0xFFFFull << p_.domain_id_bits) & 0xFFFF) << 8;  // DID bits above CAP.ND
    if ((ce_lo & lo_rsvd) || (ce_hi & hi_rsvd)) return fault(o, 0xB);
    const bool tt_ok = tt == 0 || (tt == 1 && p_.device_tlb) || (tt == 2 && p_.pass_through);
    if (!tt_ok || aw > 4 || !sagaw(30 + 9 * aw)) return fault(o, 0x3);
    o.context = {true, tt, aw, uint16_t(ce_hi >> 8), ce_lo & ~0xFFFull};
    if (r.at != AddressType::Untranslated && !(tt == 1 && p_.device_tlb)) return fault(o, 0xD);

    if (tt == 2) {  // pass-through: output = input (FS 4.2)
      // No width check: FS 5.1 ties 0x4 to second-level tables, and QEMU and VirtualBox
      // check none for TT=10. FS 2.1's "DMA addresses above MGAW fault" could be read to
      // cover pass-through too; the model agrees with this reading.
      o.ok = true;
      o.output = r.address;
      o.perms = 3;
      return o;
    }
    return walk(o, ce_lo & ~0xFFFull, aw, r);
  }

 private:
  static constexpr uint64_t lowMask(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }
  uint64_t aboveHaw64() const { return ~lowMask(p_.haw_bits); }
  // Paging entries carry addresses in 51:12 only; 61:52 and 63 are ignored (FS 5.1).
  uint64_t aboveHaw52() const { return lowMask(52) & ~lowMask(p_.haw_bits); }
  bool sagaw(unsigned w) const {
    return std::find(p_.sagaw_bits.begin(), p_.sagaw_bits.end(), w) != p_.sagaw_bits.end();
  }
  bool read(uint64_t a, uint64_t& lo, uint64_t& hi) const {
    if (!mem_.contains(a, 16)) return false;
    lo = mem_.read64(a);
    hi = mem_.read64(a + 8);
    return true;
  }
  static RefOutcome& fault(RefOutcome& o, unsigned code) {
    o.ok = false;
    o.reason = FaultReason(code);
    return o;
  }

  // FS 5.1 second-level walk with the model's documented ordering: not present (R=W=0)
  // ends the walk with 5/6, reserved bits give 0xC, permissions are ANDed over the levels
  // and checked after the leaf, then the interrupt-range output check (0xE).
  RefOutcome& walk(RefOutcome& o, uint64_t table, unsigned aw, const DmaRequest& r) const {
    const unsigned levels = aw + 2;
    const bool write = r.kind == AccessKind::Write;
    if (r.address & ~lowMask(std::min(30 + 9 * aw, p_.mgaw_bits))) return fault(o, 0x4);
    unsigned perms = 3;
    for (int level = int(levels); level >= 1; --level) {
      const unsigned shift = 12 + 9 * unsigned(level - 1);
      const uint64_t at = table + 8 * ((r.address >> shift) & 0x1FF);
      if (!mem_.contains(at, 8)) return fault(o, 0x7);
      const uint64_t e = mem_.read64(at);
      if (!(e & 3)) return fault(o, write ? 0x5 : 0x6);
      const bool ps = (e >> 7) & 1;
      const bool ps_allowed = (level == 2 && p_.superpage_2m) || (level == 3 && p_.superpage_1g);
      const bool leaf = level == 1 || (ps && ps_allowed);
      uint64_t rsvd = aboveHaw52() | (1ull << 62);  // bit 62: TM, reserved without DT
      if (!leaf) {
        rsvd |= 1ull << 11;                    // SNP position, reserved in non-leaf entries
        if (level >= 2 && ps) rsvd |= 1ull << 7;  // PS where no large page is supported
      } else {
        if (!p_.snoop_control) rsvd |= 1ull << 11;
        if (level > 1) rsvd |= lowMask(shift) & ~0xFFFull;  // frame bits below the page
      }
      if (e & rsvd) return fault(o, 0xC);
      perms &= unsigned(e & 3);
      if (!leaf) {
        table = e & lowMask(52) & ~0xFFFull;
        continue;
      }
      if (!(perms & (write ? 2 : 1))) return fault(o, write ? 0x5 : 0x6);
      o.output = (e & lowMask(52) & ~lowMask(shift)) | (r.address & lowMask(shift));
      if ((o.output >> 20) == 0xFEE) return fault(o, 0xE);  // FS 5.1: interrupt range
      o.ok = true;
      o.translated = true;
      o.page_shift = shift;
      o.perms = uint8_t(perms);
      return o;
    }
    return o;  // not reached: level 1 is always a leaf
  }

  const UnitParams& p_;
  const FlatMemory& mem_;
};

// The raw entries a legacy walk for `r` reads (root, context, paging levels), for messages.
inline std::string describeWalk(const FlatMemory& m, const UnitParams& p, uint64_t rtaddr,
                                const DmaRequest& r) {
  const uint64_t page = ~0xFFFull & ((1ull << 52) - 1);
  std::ostringstream s;
  s << "  unit: mgaw=" << p.mgaw_bits << " haw=" << p.haw_bits << " sagaw=";
  for (auto w : p.sagaw_bits) s << w << ",";
  s << " sp2m=" << p.superpage_2m << " sp1g=" << p.superpage_1g << " pt=" << p.pass_through
    << " sc=" << p.snoop_control << " did_bits=" << p.domain_id_bits << std::hex
    << "\n  request: sid=0x" << r.source.value << " addr=0x" << r.address
    << (r.kind == AccessKind::Write ? " write" : " read") << " at=" << unsigned(r.at)
    << " pasid=" << r.pasid_present << " rtaddr=0x" << rtaddr << "\n";
  const uint64_t re_at = (rtaddr & page & ((1ull << p.haw_bits) - 1)) + 16 * r.source.bus(),
                 re = m.read64(re_at), ce_at = (re & page) + 16 * r.source.devfn(),
                 ce = m.read64(ce_at), ce_hi = m.read64(ce_at + 8);
  s << "  root[0x" << re_at << "] = 0x" << m.read64(re_at + 8) << "_" << re << "\n  context[0x"
    << ce_at << "] = 0x" << ce_hi << "_" << ce << "\n";
  uint64_t table = ce & page;
  for (int level = int(ce_hi & 7) + 2; level >= 1 && level <= 6; --level) {
    const uint64_t at = table + 8 * ((r.address >> (12 + 9 * (level - 1))) & 0x1FF);
    if (!m.contains(at, 8)) break;
    const uint64_t e = m.read64(at);
    s << "  L" << level << "[0x" << at << "] = 0x" << e << "\n";
    if (!(e & 3) || (e & 0x80)) break;
    table = e & page;
  }
  return s.str();
}

}  // namespace vtd::test
