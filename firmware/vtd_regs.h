// The driver's own view of the VT-d register block and in-memory structures: register
// offsets, register fields, legacy root/context entry fields and second-level paging-entry
// fields, decoded from the fact sheet (FS 1-5, 6.11, 7) and nothing else. The model keeps
// its own definitions; a driver written independently of them is how encoding mistakes on
// either side show up. Interrupt-remapping structures (IRTE, remappable MSI and RTE, posted
// descriptor, IEC descriptor) are in interrupt_regs.h. Not covered: scalable-mode entries;
// the other queued-invalidation descriptors live next to their only user
// (queued_invalidator.cpp).
#pragma once

#include <cstdint>

namespace vtd::fw::regs {

// A bit field hi:lo inside a 64-bit (or narrower) value.
struct Field {
  unsigned hi;
  unsigned lo;
  constexpr uint64_t mask() const {
    return (hi - lo + 1 >= 64 ? ~0ull : (1ull << (hi - lo + 1)) - 1) << lo;
  }
  constexpr uint64_t get(uint64_t value) const { return (value & mask()) >> lo; }
  // The field value moved into place (bits outside the field are dropped).
  constexpr uint64_t make(uint64_t field_value) const { return (field_value << lo) & mask(); }
  constexpr uint64_t with(uint64_t value, uint64_t field_value) const {
    return (value & ~mask()) | make(field_value);
  }
};
constexpr uint64_t bit(unsigned n) { return 1ull << n; }

// --- Fixed register offsets (FS 1.1) ---
constexpr uint32_t VER_REG = 0x000;      // 32-bit
constexpr uint32_t CAP_REG = 0x008;      // 64-bit
constexpr uint32_t ECAP_REG = 0x010;     // 64-bit
constexpr uint32_t GCMD_REG = 0x018;     // 32-bit, write-only
constexpr uint32_t GSTS_REG = 0x01C;     // 32-bit
constexpr uint32_t RTADDR_REG = 0x020;   // 64-bit
constexpr uint32_t CCMD_REG = 0x028;     // 64-bit
constexpr uint32_t FSTS_REG = 0x034;     // 32-bit
constexpr uint32_t FECTL_REG = 0x038;    // 32-bit
constexpr uint32_t FEDATA_REG = 0x03C;   // 32-bit
constexpr uint32_t FEADDR_REG = 0x040;   // 32-bit
constexpr uint32_t FEUADDR_REG = 0x044;  // 32-bit, only with ECAP.EIM
constexpr uint32_t PMEN_REG = 0x064;     // 32-bit, only with CAP.PLMR/PHMR
constexpr uint32_t IQH_REG = 0x080;      // 64-bit, only with ECAP.QI
constexpr uint32_t IQT_REG = 0x088;      // 64-bit, only with ECAP.QI
constexpr uint32_t IQA_REG = 0x090;      // 64-bit, only with ECAP.QI
constexpr uint32_t IQERCD_REG = 0x0B0;   // 64-bit, only with ECAP.QI
constexpr uint32_t IRTA_REG = 0x0B8;     // 64-bit, only with ECAP.IR

// --- VER_REG (FS 1.1) ---
namespace ver {
constexpr Field MAJOR{7, 4};
constexpr Field MINOR{3, 0};
}  // namespace ver

// --- CAP_REG (FS 2.1) ---
namespace cap {
constexpr Field ND{2, 0};
constexpr uint64_t AFL = bit(3);
constexpr uint64_t RWBF = bit(4);
constexpr uint64_t PLMR = bit(5);
constexpr uint64_t PHMR = bit(6);
constexpr uint64_t CM = bit(7);
constexpr Field SAGAW{12, 8};
constexpr Field MGAW{21, 16};
constexpr uint64_t ZLR = bit(22);
constexpr Field FRO{33, 24};    // 10 bits (FS 10 #6)
constexpr Field SLLPS{37, 34};  // bit 0 of the field: 2 MiB, bit 1: 1 GiB
constexpr uint64_t PSI = bit(39);
constexpr Field NFR{47, 40};
constexpr Field MAMV{53, 48};
constexpr uint64_t DWD = bit(54);
constexpr uint64_t DRD = bit(55);
constexpr uint64_t FL1GP = bit(56);
constexpr uint64_t PI = bit(59);
constexpr uint64_t FL5LP = bit(60);
constexpr uint64_t ECMDS = bit(61);
constexpr uint64_t ESIRTPS = bit(62);
constexpr uint64_t ESRTPS = bit(63);
constexpr unsigned kNdReserved = 7;
constexpr unsigned kSllps2M = 1u << 0;
constexpr unsigned kSllps1G = 1u << 1;
}  // namespace cap

// --- ECAP_REG (FS 2.2) ---
namespace ecap {
constexpr uint64_t C = bit(0);
constexpr uint64_t QI = bit(1);
constexpr uint64_t DT = bit(2);
constexpr uint64_t IR = bit(3);
constexpr uint64_t EIM = bit(4);
constexpr uint64_t PT = bit(6);
constexpr uint64_t SC = bit(7);
constexpr Field IRO{17, 8};  // 10 bits
constexpr Field MHMV{23, 20};
constexpr uint64_t MTS = bit(25);
constexpr uint64_t NEST = bit(26);
constexpr uint64_t PRS = bit(29);
constexpr uint64_t ERS = bit(30);
constexpr uint64_t SRS = bit(31);
constexpr Field PSS{39, 35};
constexpr uint64_t PASID = bit(40);
constexpr uint64_t SMTS = bit(43);
constexpr uint64_t SLADS = bit(45);
constexpr uint64_t ADMS = bit(52);
}  // namespace ecap

// --- GCMD_REG / GSTS_REG: command and status share bit positions (FS 3.1) ---
namespace gcmd {
constexpr uint32_t TE = 1u << 31;
constexpr uint32_t SRTP = 1u << 30;
constexpr uint32_t SFL = 1u << 29;
constexpr uint32_t EAFL = 1u << 28;
constexpr uint32_t WBF = 1u << 27;
constexpr uint32_t QIE = 1u << 26;
constexpr uint32_t IRE = 1u << 25;
constexpr uint32_t SIRTP = 1u << 24;
constexpr uint32_t CFI = 1u << 23;
// The controls that stay set (FS 3.2: the DS recipe keeps exactly these, mask 0x96FF_FFFF
// minus reserved bits).
constexpr uint32_t kPersistent = TE | EAFL | QIE | IRE | CFI;
}  // namespace gcmd
namespace gsts {
constexpr uint32_t TES = 1u << 31;
constexpr uint32_t RTPS = 1u << 30;
constexpr uint32_t FLS = 1u << 29;
constexpr uint32_t AFLS = 1u << 28;
constexpr uint32_t WBFS = 1u << 27;  // inverted: 1 while the flush runs
constexpr uint32_t QIES = 1u << 26;
constexpr uint32_t IRES = 1u << 25;
constexpr uint32_t IRTPS = 1u << 24;
constexpr uint32_t CFIS = 1u << 23;
}  // namespace gsts

// --- RTADDR_REG (FS 1.1, 3.3) ---
namespace rtaddr {
constexpr Field RTA{63, 12};
constexpr Field TTM{11, 10};
constexpr uint64_t kTtmLegacy = 0;
}  // namespace rtaddr

// --- Register-based invalidation (FS 6.11) ---
// Granularity codes shared by CIRG/CAIG and IIRG/IAIG; 0 in an "actual" field is an error.
constexpr unsigned kGranError = 0;
constexpr unsigned kGranGlobal = 1;
constexpr unsigned kGranDomain = 2;
constexpr unsigned kGranDevice = 3;  // CCMD: device-selective
constexpr unsigned kGranPage = 3;    // IOTLB: page-selective

namespace ccmd {
constexpr Field DID{15, 0};
constexpr Field SID{31, 16};
constexpr Field FM{33, 32};
constexpr Field CAIG{60, 59};
constexpr Field CIRG{62, 61};
constexpr uint64_t ICC = bit(63);
}  // namespace ccmd

// IVA_REG is at ECAP.IRO*16 and IOTLB_REG at +8 (FS 1.2).
constexpr uint32_t kIvaFromIro = 0;
constexpr uint32_t kIotlbFromIro = 8;
namespace iva {
constexpr Field AM{5, 0};
constexpr uint64_t IH = bit(6);
constexpr Field ADDR{63, 12};
}  // namespace iva
namespace iotlb {
constexpr Field DID{47, 32};
constexpr uint64_t DW = bit(48);
constexpr uint64_t DR = bit(49);
constexpr Field IAIG{58, 57};
constexpr Field IIRG{61, 60};
constexpr uint64_t IVT = bit(63);
}  // namespace iotlb

// --- IQH_REG / IQT_REG: byte offsets of queue head and tail (FS 1.1, 6.1) ---
namespace iq {
constexpr Field QH{18, 4};
constexpr Field QT{18, 4};
}  // namespace iq

// --- FSTS_REG (FS 7.1) ---
namespace fsts {
constexpr uint32_t PFO = 1u << 0;  // RW1C
constexpr uint32_t PPF = 1u << 1;  // RO: OR of all FRCD.F
constexpr uint32_t AFO = 1u << 2;
constexpr uint32_t APF = 1u << 3;
constexpr uint32_t IQE = 1u << 4;
constexpr uint32_t ICE = 1u << 5;
constexpr uint32_t ITE = 1u << 6;
constexpr Field FRI{15, 8};
}  // namespace fsts

// --- FECTL_REG (FS 1.1, 7.5) ---
namespace fectl {
constexpr uint32_t IM = 1u << 31;
constexpr uint32_t IP = 1u << 30;
}  // namespace fectl
namespace feaddr {
constexpr uint32_t kReservedLow = 0x3;  // bits 1:0
}

// --- PMEN_REG (FS 1.1, 9.D.2) ---
namespace pmen {
constexpr uint32_t EPM = 1u << 31;
constexpr uint32_t PRS = 1u << 0;
}  // namespace pmen

// --- FRCD_REG[i] at CAP.FRO*16 + 16*i, 128 bits (FS 7.2) ---
// Read as Linux does: the low qword (FI), the dword at +8 (SID, PP, EXE, PRIV) and the
// dword at +12 (FR, PV, AT, T, F). Fields below are positions within those pieces.
constexpr uint32_t kFrcdStride = 16;
namespace frcd {
constexpr uint32_t kLowQword = 0;
constexpr uint32_t kDword2 = 8;
constexpr uint32_t kDword3 = 12;
constexpr Field FI{63, 12};  // low qword
// dword at +8 (absolute bits 95:64)
constexpr Field SID{15, 0};
constexpr uint32_t T2 = 1u << 28;
constexpr uint32_t PRIV = 1u << 29;
constexpr uint32_t EXE = 1u << 30;
constexpr uint32_t PP = 1u << 31;
// dword at +12 (absolute bits 127:96)
constexpr Field FR{7, 0};
constexpr Field PV{27, 8};
constexpr Field AT{29, 28};
constexpr uint32_t T = 1u << 30;  // 0 = write, 1 = read/AtomicOp
constexpr uint32_t F = 1u << 31;  // RW1C
}  // namespace frcd

// --- Legacy root entry, 128-bit; index = bus (FS 4.1) ---
namespace root {
constexpr uint64_t P = bit(0);
constexpr Field CTP{63, 12};
constexpr uint32_t kEntryBytes = 16;
}  // namespace root

// --- Legacy context entry, 128-bit; index = devfn (FS 4.2) ---
namespace context {
// low qword
constexpr uint64_t P = bit(0);
constexpr uint64_t FPD = bit(1);
constexpr Field TT{3, 2};
constexpr Field SLPTPTR{63, 12};
// high qword
constexpr Field AW{2, 0};
constexpr Field AVAIL{6, 3};
constexpr Field DID{23, 8};
constexpr uint32_t kEntryBytes = 16;
constexpr unsigned kTtTranslate = 0;     // untranslated requests through the SL tables
constexpr unsigned kTtDeviceTlb = 1;     // as 0 plus ATS (needs ECAP.DT)
constexpr unsigned kTtPassThrough = 2;   // output = input (needs ECAP.PT)
}  // namespace context

// --- Second-level paging entry, 64-bit (FS 5.1) ---
namespace slpte {
constexpr uint64_t R = bit(0);
constexpr uint64_t W = bit(1);
constexpr uint64_t X = bit(2);
constexpr uint64_t PS = bit(7);  // leaf at PDE (2 MiB) / PDPE (1 GiB)
constexpr uint64_t A = bit(8);
constexpr uint64_t D = bit(9);
constexpr uint64_t SNP = bit(11);
constexpr Field ADDR{51, 12};
constexpr uint64_t TM = bit(62);
constexpr unsigned kEntries = 512;
constexpr unsigned kIndexBits = 9;
}  // namespace slpte

// --- Sizes shared by all tables (FS 4, 5.1) ---
constexpr uint64_t kPageShift = 12;
constexpr uint64_t kPageBytes = 1ull << kPageShift;
constexpr unsigned kTableEntries = 256;  // root and legacy context tables

// Address width of an AW/SAGAW code: 30 + 9*aw bits; levels = aw + 2 (FS 4.2, 5.1).
constexpr unsigned awToWidth(unsigned aw) { return 30 + 9 * aw; }
constexpr unsigned awToLevels(unsigned aw) { return aw + 2; }
constexpr unsigned widthToAw(unsigned width) { return (width - 30) / 9; }

}  // namespace vtd::fw::regs
