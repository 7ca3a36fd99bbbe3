// FakeUnit: a hand-written stand-in for a remapping unit's register block, for driver
// paths the model cannot (or should not) produce: status bits that never settle (poll
// timeouts), refused or coarser invalidations, capabilities the model refuses to
// advertise (ESRTPS, ESIRTPS, EIM, PLMR, version 6). Registers are plain storage except
// GCMD (updates GSTS: TE, QIE, IRE, CFI, SRTP, SIRTP, WBF), CCMD and IOTLB_REG (complete
// at once with a chosen actual granularity) and PMEN. Every access is logged. CAP/ECAP
// values are typed from the fact sheet.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "firmware/hal.h"

namespace vtd::test {

class FakeUnit final : public fw::MmioPort {
 public:
  struct Access {
    bool write;
    uint32_t offset;
    uint64_t value;
  };

  // ND=2 (256 DIDs), SAGAW 39|48, MGAW 48, FRO 0x40 (FRCD at 0x400), SLLPS 2M|1G, PSI,
  // NFR 7, MAMV 18, DWD, DRD.
  static constexpr uint64_t kDefaultCap = 2ull | 0x6ull << 8 | 47ull << 16 | 0x40ull << 24 |
                                          0x3ull << 34 | 1ull << 39 | 7ull << 40 | 18ull << 48 |
                                          1ull << 54 | 1ull << 55;
  // C, PT, SC, IRO 0x50 (IVA at 0x500).
  static constexpr uint64_t kDefaultEcap = 1ull | 1ull << 6 | 1ull << 7 | 0x50ull << 8;
  static constexpr uint32_t kIotlbReg = 0x508;

  uint32_t ver = 0x10;
  uint64_t cap = kDefaultCap;
  uint64_t ecap = kDefaultEcap;
  uint32_t gsts = 0;
  uint32_t never_set = 0;      // GSTS bits that never reach 1 (TES, RTPS)
  bool wbf_stuck = false;      // WBFS stays 1
  bool icc_stuck = false;      // CCMD.ICC never clears
  bool ivt_stuck = false;      // IOTLB_REG.IVT never clears
  int caig = -1;               // actual granularity reported; -1: as requested
  int iaig = -1;
  std::map<uint32_t, uint64_t> regs;  // everything else
  std::vector<Access> log;

  uint32_t read32(uint32_t o) override { return uint32_t(read(o)); }
  uint64_t read64(uint32_t o) override { return read(o); }
  void write32(uint32_t o, uint32_t v) override { write(o, v); }
  void write64(uint32_t o, uint64_t v) override { write(o, v); }

  std::vector<uint64_t> writesTo(uint32_t offset) const {
    std::vector<uint64_t> out;
    for (const auto& a : log)
      if (a.write && a.offset == offset) out.push_back(a.value);
    return out;
  }

 private:
  uint64_t read(uint32_t o) {
    uint64_t v = 0;
    switch (o) {
      case 0x00: v = ver; break;
      case 0x08: v = cap; break;
      case 0x10: v = ecap; break;
      case 0x1C: v = gsts; break;
      default: v = regs[o];
    }
    log.push_back({false, o, v});
    return v;
  }

  void write(uint32_t o, uint64_t v) {
    log.push_back({true, o, v});
    if (o == 0x18) return gcmd(uint32_t(v));
    if (o == 0x28) return command(o, v, icc_stuck, caig, 61, 59);
    if (o == kIotlbReg) return command(o, v, ivt_stuck, iaig, 60, 57);
    if (o == 0x64) {  // PMEN: PRS follows EPM at once
      regs[o] = (v & (1u << 31)) ? (v | 1) : (v & ~1ull);
      return;
    }
    regs[o] = v;
  }

  void gcmd(uint32_t v) {
    constexpr uint32_t kTe = 1u << 31, kSrtp = 1u << 30, kWbf = 1u << 27, kQie = 1u << 26,
                       kIre = 1u << 25, kSirtp = 1u << 24, kCfi = 1u << 23;
    constexpr uint32_t kPersistent = kTe | kQie | kIre | kCfi;  // the controls implemented
    gsts = (gsts & ~kPersistent) | (v & kPersistent & ~never_set);
    if (v & kSrtp) gsts = (gsts & ~kSrtp) | (kSrtp & ~never_set);
    if (v & kSirtp) gsts = (gsts & ~kSirtp) | (kSirtp & ~never_set);
    if (v & kWbf) gsts = wbf_stuck ? (gsts | kWbf) : (gsts & ~kWbf);
  }

  // Bit 63 starts the command; the 2-bit request field at `req_lo` is echoed into the
  // actual field at `act_lo` unless an override is set.
  void command(uint32_t o, uint64_t v, bool stuck, int actual, unsigned req_lo, unsigned act_lo) {
    if (!(v >> 63) || stuck) {
      regs[o] = v;
      return;
    }
    const uint64_t req = (v >> req_lo) & 3;
    const uint64_t act = actual < 0 ? req : uint64_t(actual);
    regs[o] = (v & ~(1ull << 63) & ~(3ull << act_lo)) | act << act_lo;
  }
};

}  // namespace vtd::test
