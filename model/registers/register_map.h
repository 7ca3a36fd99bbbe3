// Register offsets and field positions of the VT-d register block (VT-d 3.x chapter 10;
// fact sheet sections 1-3, 6.11, 7). Constants only: the declarative table in
// register_table.cpp says how each register behaves.
#pragma once

#include <cstdint>

#include "model/common/bits.h"

namespace vtd::reg {

// Fixed offsets (fact sheet 1.1).
constexpr uint32_t VER = 0x000, CAP = 0x008, ECAP = 0x010, GCMD = 0x018, GSTS = 0x01C,
                   RTADDR = 0x020, CCMD = 0x028, FSTS = 0x034, FECTL = 0x038, FEDATA = 0x03C,
                   FEADDR = 0x040, FEUADDR = 0x044, AFLOG = 0x058, PMEN = 0x064,
                   PLMBASE = 0x068, PLMLIMIT = 0x06C, PHMBASE = 0x070, PHMLIMIT = 0x078,
                   IQH = 0x080, IQT = 0x088, IQA = 0x090, ICS = 0x09C, IECTL = 0x0A0,
                   IEDATA = 0x0A4, IEADDR = 0x0A8, IEUADDR = 0x0AC, IQERCD = 0x0B0,
                   IRTA = 0x0B8, PQH = 0x0C0, PQT = 0x0C8, PQA = 0x0D0, PRS = 0x0DC,
                   PECTL = 0x0E0, PEDATA = 0x0E4, PEADDR = 0x0E8, PEUADDR = 0x0EC;

// GCMD (command) and GSTS (status) bits share positions (fact sheet 3.1).
namespace gcmd {
constexpr uint32_t TE = 1u << 31, SRTP = 1u << 30, SFL = 1u << 29, EAFL = 1u << 28,
                   WBF = 1u << 27, QIE = 1u << 26, IRE = 1u << 25, SIRTP = 1u << 24,
                   CFI = 1u << 23;
constexpr uint32_t kPersistent = TE | EAFL | QIE | IRE | CFI;
constexpr uint32_t kOneShot = SRTP | SFL | WBF | SIRTP;
}  // namespace gcmd
namespace gsts {
constexpr uint32_t TES = 1u << 31, RTPS = 1u << 30, FLS = 1u << 29, AFLS = 1u << 28,
                   WBFS = 1u << 27, QIES = 1u << 26, IRES = 1u << 25, IRTPS = 1u << 24,
                   CFIS = 1u << 23;
}  // namespace gsts

// RTADDR (fact sheet 3.3): 63:12 root table address, 11:10 TTM.
namespace rtaddr {
constexpr unsigned kTtmLo = 10, kTtmHi = 11;
constexpr uint64_t kAddressMask = ~0xFFFull;
enum Ttm : uint8_t { kLegacy = 0, kScalable = 1, kReserved = 2, kAbortDma = 3 };
}  // namespace rtaddr

// CCMD (fact sheet 6.11).
namespace ccmd {
constexpr uint64_t ICC = bit(63);
constexpr unsigned kCirgLo = 61, kCirgHi = 62, kCaigLo = 59, kCaigHi = 60;
constexpr unsigned kFmLo = 32, kFmHi = 33, kSidLo = 16, kSidHi = 31, kDidLo = 0, kDidHi = 15;
}  // namespace ccmd

// IOTLB_REG at IRO*16+8 and IVA_REG at IRO*16 (fact sheet 1.2, 6.11).
namespace iotlb {
constexpr uint64_t IVT = bit(63);
constexpr unsigned kIirgLo = 60, kIirgHi = 61, kIaigLo = 57, kIaigHi = 58;
constexpr uint64_t DR = bit(49), DW = bit(48);
constexpr unsigned kDidLo = 32, kDidHi = 47;
}  // namespace iotlb
namespace iva {
constexpr unsigned kAmLo = 0, kAmHi = 5;
constexpr uint64_t IH = bit(6);
constexpr uint64_t kAddrMask = ~0xFFFull;
}  // namespace iva

// Granularity encodings shared by CCMD.CIRG/CAIG and IOTLB.IIRG/IAIG.
enum Granularity : uint8_t { kGranReserved = 0, kGranGlobal = 1, kGranDomain = 2, kGranSelective = 3 };

// FSTS (fact sheet 7.1).
namespace fsts {
constexpr uint32_t PFO = 1u << 0, PPF = 1u << 1, AFO = 1u << 2, APF = 1u << 3, IQE = 1u << 4,
                   ICE = 1u << 5, ITE = 1u << 6;
constexpr unsigned kFriLo = 8, kFriHi = 15;
// Status bits whose being set means a fault event is already outstanding.
constexpr uint32_t kEventSources = PFO | PPF | IQE | ICE | ITE;
}  // namespace fsts

// FECTL / IECTL / PECTL (fact sheet 7.5).
namespace ectl {
constexpr uint32_t IM = 1u << 31, IP = 1u << 30;
}

// FRCD high qword (fact sheet 7.2), bit positions within the upper 64 bits.
namespace frcd {
constexpr uint64_t F = bit(63), T = bit(62);
constexpr unsigned kAtLo = 60, kAtHi = 61, kPvLo = 40, kPvHi = 59, kFrLo = 32, kFrHi = 39;
constexpr uint64_t PP = bit(31), EXE = bit(30), PRIV = bit(29);
constexpr unsigned kSidLo = 0, kSidHi = 15;
}  // namespace frcd

// PMEN (fact sheet 1.1).
namespace pmen {
constexpr uint32_t EPM = 1u << 31, PRS = 1u << 0;
}

// Invalidation queue (fact sheet 1.1, 6.1, 7.3): IQH/IQT byte offsets in 18:4; IQA base
// 63:12, DW 11, QS 2:0; ICS.IWC; IQERCD.IQEI 3:0.
namespace iq {
constexpr uint64_t kOffsetMask = 0x7FFF0ull;
}
namespace iqa {
constexpr uint64_t kBaseMask = ~0xFFFull, DW = bit(11), kQsMask = 0x7;
}
namespace ics {
constexpr uint64_t IWC = bit(0);
}
namespace iqercd {
constexpr unsigned kIqeiLo = 0, kIqeiHi = 3, kItesidLo = 32, kItesidHi = 47;
}

}  // namespace vtd::reg
