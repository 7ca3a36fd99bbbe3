// Capabilities: VER_REG, CAP_REG and ECAP_REG decoded into named fields (FS 1.1, 2.1,
// 2.2), plus the few derived choices a driver makes from them (domain-id count, address
// widths, register placement). Decoding only; nothing here touches hardware. 2.x-only
// bits that 3.x retired are not decoded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd::fw {

struct Capabilities {
  // Raw values as read.
  uint32_t ver_raw = 0;
  uint64_t cap_raw = 0;
  uint64_t ecap_raw = 0;

  // VER_REG
  unsigned version_major = 0;
  unsigned version_minor = 0;

  // CAP_REG (FS 2.1)
  unsigned nd = 0;                  // CAP.ND
  uint32_t domain_count = 0;        // 2^(4+2*ND); 0 when ND is the reserved value 7
  bool afl = false;                 // advanced fault logging
  bool rwbf = false;                // write-buffer flush required
  bool plmr = false;                // protected low-memory region
  bool phmr = false;                // protected high-memory region
  bool cm = false;                  // caching mode
  unsigned sagaw = 0;               // CAP.SAGAW bit mask (bit n: AW code n)
  std::vector<unsigned> sagaw_widths;  // supported table widths, ascending (30/39/48/57/64)
  unsigned mgaw_bits = 0;           // CAP.MGAW + 1
  bool zlr = false;
  unsigned fro = 0;                 // CAP.FRO (16-byte units)
  uint32_t fault_record_offset = 0; // FRO * 16
  unsigned sllps = 0;               // CAP.SLLPS bit mask
  bool sllps_2m = false;            // 2 MiB second-level leaves
  bool sllps_1g = false;            // 1 GiB second-level leaves
  bool psi = false;                 // page-selective IOTLB invalidation
  unsigned nfr = 0;                 // CAP.NFR
  unsigned fault_record_count = 0;  // NFR + 1
  unsigned mamv = 0;                // largest IVA.AM
  bool dwd = false;                 // drain writes
  bool drd = false;                 // drain reads
  bool fl1gp = false;
  bool pi = false;
  bool fl5lp = false;
  bool ecmds = false;
  bool esirtps = false;
  bool esrtps = false;              // SRTP also invalidates all DMA-remapping caches

  // ECAP_REG (FS 2.2)
  bool coherent = false;            // ECAP.C: walks snoop CPU caches
  bool qi = false;                  // queued invalidation
  bool dt = false;                  // device TLB (ATS)
  bool ir = false;                  // interrupt remapping
  bool eim = false;                 // extended interrupt mode (FEUADDR exists)
  bool pt = false;                  // pass-through contexts
  bool sc = false;                  // snoop control
  unsigned iro = 0;                 // ECAP.IRO (16-byte units)
  uint32_t iotlb_reg_offset = 0;    // IRO * 16: IVA_REG; IOTLB_REG at +8
  unsigned mhmv = 0;
  bool mts = false;
  bool nest = false;
  bool prs = false;
  bool pasid = false;
  unsigned pss = 0;
  bool smts = false;

  static Capabilities decode(uint32_t ver, uint64_t cap, uint64_t ecap);

  bool supportsWidth(unsigned width_bits) const;
  // Smallest supported width >= width_bits, or 0 when there is none.
  unsigned smallestWidthCovering(unsigned width_bits) const;
  // Largest supported width; pass-through contexts must use it (FS 4.2).
  unsigned largestWidth() const;
  // The width Linux gives its domains: the largest supported width <= 57 (FS 9.A.2).
  unsigned defaultDomainWidth() const;
  // Register-based invalidation exists below major version 6 (FS 6.11).
  bool hasRegisterInvalidation() const { return version_major < 6; }
  // Bytes the register window must span to reach every FRCD and IOTLB register (FS 9.A.1).
  uint32_t registerWindowBytes() const;
  // Empty when usable by this driver; otherwise one message per problem.
  std::vector<std::string> problems() const;
};

}  // namespace vtd::fw
