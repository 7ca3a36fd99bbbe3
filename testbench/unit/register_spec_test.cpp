// Hand-typed VT-d register expectations, written from the fact sheet
// (/work/shared/reference/VTD-REFERENCE.md, "FS" below) and NOT from the model's register
// table. STYLE.md item 5: the table-driven invariants (register_table_test.cpp) can only check
// that the model agrees with itself; this file is the independent list that catches a wrong
// mask, offset, reset value or side effect. Every offset, mask and expected value below is
// typed from the fact sheet; nothing is taken from model/registers/.
//
// The model is driven only through RemappingUnit's public interface: mmioRead/mmioWrite,
// translate() to provoke faults, and stats() to see whether an invalidation ran.
//
// Not covered here: scalable mode, interrupt remapping and the other features the model
// does not advertise beyond "their registers are reserved". Queued invalidation: the
// register rows here, the behaviour in queued_invalidation*_test.cpp.

#include "testbench/unit/register_spec.h"

namespace {
using namespace register_spec;

// ---------------------------------------------------------------------------------------
// Reset values and access types of the key registers, default UnitParams.
// ---------------------------------------------------------------------------------------

// One hand-typed row: what reads back at reset, after writing all ones, and after writing
// all zeros (each on a fresh unit, with an access of the register's own width).
// `dont_care` marks bits the fact sheet leaves to the implementation.
struct Expect {
  const char* name;
  uint32_t offset;
  unsigned width;
  uint64_t reset;
  uint64_t after_ones;
  uint64_t after_zeros;
  uint64_t dont_care;
  const char* section;
};

// Default CAP, assembled by hand from the default UnitParams (FS 2.1):
// ND=6 (16-bit DID) | SAGAW 39+48 (0x6<<8) | MGAW 47 (0x2F<<16) | FRO 0x40 (0x400/16) <<24 |
// SLLPS 2M+1G (bits 34,35) | PSI (39) | NFR 7 (<<40) | MAMV 18 (<<48) | DWD (54) | DRD (55).
constexpr uint64_t kDefaultCap = 0x00D2078C402F0606ull;
// Default ECAP (FS 2.2): C (0) | QI (1) | PT (6) | SC (7) | IRO 0x50 (0x500/16) << 8.
constexpr uint64_t kDefaultEcap = 0x00000000000050C3ull;
// ECAP.MHMV (23:20) only means something with interrupt remapping, which is not advertised.
constexpr uint64_t kEcapMhmv = 0x0000000000F00000ull;
// RTADDR: bits at or above HAW (46 by default) are "ignored" (stored or not is open) and TTM
// (11:10) is "RW" in 1.1 but outside QEMU's writable mask in 1.3; neither is pinned down.
constexpr uint64_t kRtaddrOpen = 0xFFFFC00000000C00ull;

const std::vector<Expect>& keyRegisters() {
  static const std::vector<Expect> rows = {
      // FS 1.1: VER 3.0 = 0x30, RO.
      {"VER", kVer, 4, 0x30, 0x30, 0x30, 0, "FS 1.1"},
      {"CAP", kCap, 8, kDefaultCap, kDefaultCap, kDefaultCap, 0, "FS 2.1"},
      {"ECAP", kEcap, 8, kDefaultEcap, kDefaultEcap, kDefaultEcap, kEcapMhmv, "FS 2.2"},
      // GSTS is RO; writing it commands nothing.
      {"GSTS", kGsts, 4, 0, 0, 0, 0, "FS 3.1"},
      // RTADDR: 63:12 RW (up to HAW), 9:0 reserved.
      {"RTADDR", kRtaddr, 8, 0, 0x00003FFFFFFFF000ull, 0, kRtaddrOpen, "FS 1.1, 3.3"},
      // CCMD all ones: DID, SID, FM stored, reserved 58:34 read 0, CIRG=11 -> device-selective
      // invalidation runs, ICC reads 0, CAIG=11.
      {"CCMD", kCcmd, 8, 0, 0x7800000300000000ull | 0xFFFFFFFFull, 0, 0, "FS 6.11"},
      // FSTS: RW1C bits cannot be set by software, PPF and FRI are RO.
      {"FSTS", kFsts, 4, 0, 0, 0, 0, "FS 7.1"},
      // FECTL: IM RW and 1 at reset, IP RO, 29:0 reserved.
      {"FECTL", kFectl, 4, 0x80000000, 0x80000000, 0, 0, "FS 1.1, 7.5"},
      // FEDATA: 15:0 RW; 31:16 reserved (3.x) or RO EIMD (older) - never software-writable.
      {"FEDATA", kFedata, 4, 0, 0x0000FFFF, 0, 0, "FS 1.1"},
      // FEADDR: 31:2 RW, 1:0 reserved.
      {"FEADDR", kFeaddr, 4, 0, 0xFFFFFFFC, 0, 0, "FS 1.1"},
      // FEUADDR exists only with ECAP.EIM, which is not advertised: reserved.
      {"FEUADDR", kFeuaddr, 4, 0, 0, 0, 0, "FS 1.1"},
      // IVA is write-only (QEMU's mask covers every field as WO): reads 0.
      {"IVA", kDefaultIva, 8, 0, 0, 0, 0, "FS 1.2, 1.3"},
      // IOTLB all ones: DID, DW, DR, IIRG stored; reserved 31:0, 56:50, 59, 62 read 0; IIRG=11
      // with IVA.AM=0 <= MAMV and PSI -> page-selective, IAIG=11, IVT reads 0.
      {"IOTLB_REG", kDefaultIotlb, 8, 0, 0x3603FFFF00000000ull, 0, 0, "FS 1.2, 6.11"},
      // FRCD: everything RO except F (RW1C), so nothing can be set by software.
      {"FRCD0.lo", kDefaultFrcd, 8, 0, 0, 0, 0, "FS 7.2"},
      {"FRCD0.hi", kDefaultFrcd + 8, 8, 0, 0, 0, 0, "FS 7.2"},
      {"FRCD7.lo", kDefaultFrcd + 0x70, 8, 0, 0, 0, 0, "FS 7.2"},
      {"FRCD7.hi", kDefaultFrcd + 0x78, 8, 0, 0, 0, 0, "FS 7.2"},
      // Queued invalidation (on by default). IQH: RO, advanced by hardware.
      {"IQH", kIqh, 8, 0, 0, 0, 0, "FS 1.1"},
      // IQT: 18:4 RW (QI is off, so nothing is fetched).
      {"IQT", kIqt, 8, 0, 0x7FFF0, 0, 0, "FS 1.1"},
      // IQA: 63:12 base, 11 DW, 2:0 QS RW; 10:3 reserved.
      {"IQA", kIqa, 8, 0, 0xFFFFFFFFFFFFF807ull, 0, 0, "FS 1.1"},
      // ICS: IWC is RW1C, so software cannot set it; 31:1 reserved.
      {"ICS", kIcs, 4, 0, 0, 0, 0, "FS 1.1"},
      // IECTL: IM RW and 1 at reset, IP RO.
      {"IECTL", kIectl, 4, 0x80000000, 0x80000000, 0, 0, "FS 1.1, 7.5"},
      // IEDATA/IEADDR: same layout as FEDATA/FEADDR.
      {"IEDATA", kIedata, 4, 0, 0x0000FFFF, 0, 0, "FS 1.1"},
      {"IEADDR", kIeaddr, 4, 0, 0xFFFFFFFC, 0, 0, "FS 1.1"},
      // IEUADDR, like FEUADDR, exists only with ECAP.EIM: reserved.
      {"IEUADDR", kIeuaddr, 4, 0, 0, 0, 0, "FS 1.1"},
      // IQERCD: RO-V, set by hardware only.
      {"IQERCD", kIqercd, 8, 0, 0, 0, 0, "FS 1.1, 7.3"},
  };
  return rows;
}

uint64_t widthOnes(unsigned width) { return width == 8 ? kOnes64 : kOnes32; }

// FS 1.1, 2.x, 3.1, 6.11, 7.1, 7.2: reset values.
TEST(RegisterSpecReset, KeyRegistersReadTheirResetValue) {
  Bench b;
  for (const Expect& e : keyRegisters()) {
    SCOPED_TRACE(std::string(e.name) + " (" + e.section + ")");
    EXPECT_EQ(b.unit.mmioRead(e.offset, e.width) & ~e.dont_care, e.reset & ~e.dont_care);
  }
  // FS 3.1: GCMD is write-only; QEMU (and this model) read it as 0.
  EXPECT_EQ(b.r32(kGcmd), 0u);
}

// FS 1.1 access types: write all ones, read back, compare with the hand-typed result.
TEST(RegisterSpecAccess, AllOnesPatternLeavesOnlyWritableBits) {
  for (const Expect& e : keyRegisters()) {
    SCOPED_TRACE(std::string(e.name) + " (" + e.section + ")");
    Bench b;
    b.unit.mmioWrite(e.offset, e.width, widthOnes(e.width));
    EXPECT_EQ(b.unit.mmioRead(e.offset, e.width) & ~e.dont_care, e.after_ones & ~e.dont_care);
  }
}

TEST(RegisterSpecAccess, AllZerosPatternClearsWritableBits) {
  for (const Expect& e : keyRegisters()) {
    SCOPED_TRACE(std::string(e.name) + " (" + e.section + ")");
    Bench b;
    b.unit.mmioWrite(e.offset, e.width, 0);
    EXPECT_EQ(b.unit.mmioRead(e.offset, e.width) & ~e.dont_care, e.after_zeros & ~e.dont_care);
  }
}

// FS 1.3: a 64-bit register may be written as two 32-bit halves, low half first, and read
// the same way; the result must equal the 64-bit access. For CCMD and IOTLB_REG the command
// fires on the upper-half write, which then sees the complete value.
TEST(RegisterSpecAccess, SixtyFourBitRegistersThroughThirtyTwoBitHalves) {
  for (const Expect& e : keyRegisters()) {
    if (e.width != 8) continue;
    SCOPED_TRACE(std::string(e.name) + " (" + e.section + ", FS 1.3)");
    Bench b;
    const uint64_t reset = uint64_t(b.r32(e.offset + 4)) << 32 | b.r32(e.offset);
    EXPECT_EQ(reset & ~e.dont_care, e.reset & ~e.dont_care);
    b.w32(e.offset, kOnes32);
    b.w32(e.offset + 4, kOnes32);
    const uint64_t lo = b.r32(e.offset), hi = b.r32(e.offset + 4);
    EXPECT_EQ((hi << 32 | lo) & ~e.dont_care, e.after_ones & ~e.dont_care);
    EXPECT_EQ(b.r64(e.offset), hi << 32 | lo);
  }
}

// FS 1.3: each half of a 64-bit register is reachable on its own without disturbing the
// other half.
TEST(RegisterSpecAccess, RtaddrHalvesAreIndependent) {
  Bench b;
  b.w32(kRtaddr + 4, 0x00001234);  // address bits 44:34, below HAW 46
  EXPECT_EQ(b.r64(kRtaddr), 0x0000123400000000ull);
  b.w32(kRtaddr, 0xABCDE3FF);  // 9:0 are reserved and must read 0 (FS 1.1)
  EXPECT_EQ(b.r64(kRtaddr) & ~kRtaddrOpen, 0x00001234ABCDE000ull);
  b.w32(kRtaddr + 4, 0);
  EXPECT_EQ(b.r64(kRtaddr) & ~kRtaddrOpen, 0x00000000ABCDE000ull);
  EXPECT_EQ(b.r32(kRtaddr + 4), 0u);
}

// FS 1.3: CAP/ECAP read as halves give the same bits as the 64-bit read (QEMU names CAP's
// upper half at 0x00C).
TEST(RegisterSpecAccess, CapabilityHalvesMatchTheSixtyFourBitRead) {
  Bench b;
  for (uint32_t off : {kCap, kEcap}) {
    const uint64_t whole = b.r64(off);
    EXPECT_EQ(b.r32(off), uint32_t(whole));
    EXPECT_EQ(b.r32(off + 4), uint32_t(whole >> 32));
  }
}

// FS 1.3 ("software uses aligned 32-bit and 64-bit accesses"): an aligned 64-bit access over
// two 32-bit registers reaches both, low dword first.
TEST(RegisterSpecAccess, SixtyFourBitAccessOverTwoThirtyTwoBitRegisters) {
  Bench b;
  b.w64(kFectl, 0x0000432100000000ull);  // FECTL = 0 (unmask), FEDATA = 0x4321
  EXPECT_EQ(b.r32(kFectl), 0u);
  EXPECT_EQ(b.r32(kFedata), 0x4321u);
  EXPECT_EQ(b.r64(kFectl), 0x0000432100000000ull);
  b.w64(kFeaddr, 0xFFFFFFFFFEE0100Full);  // FEUADDR reserved without EIM; FEADDR 1:0 reserved
  EXPECT_EQ(b.r64(kFeaddr), 0x00000000FEE0100Cull);
  b.gcmdSet(kSrtp);
  EXPECT_EQ(b.r64(kGcmd), uint64_t(kSrtp) << 32);  // GCMD reads 0, GSTS above it
}

// Model choice (documented in register_file.h, consistent with VirtualBox, FS 1.3): only
// aligned 4- and 8-byte accesses exist; anything else reads 0 and is ignored.
TEST(RegisterSpecAccess, OtherSizesAndMisalignedAccessesAreIgnored) {
  Bench b;
  b.w32(kFedata, 0x1234);
  for (unsigned size : {1u, 2u, 3u, 16u}) {
    SCOPED_TRACE(size);
    EXPECT_EQ(b.unit.mmioRead(kFectl, size), 0u);
    EXPECT_EQ(b.unit.mmioRead(kFedata, size), 0u);
    b.unit.mmioWrite(kFectl, size, 0);        // would unmask if it were accepted
    b.unit.mmioWrite(kFedata, size, 0xFFFF);  // would change FEDATA
  }
  EXPECT_EQ(b.unit.mmioRead(kFectl + 1, 4), 0u);  // misaligned dword
  b.unit.mmioWrite(kFectl + 2, 4, 0);
  EXPECT_EQ(b.unit.mmioRead(kFedata, 8), 0u);  // 8 bytes at a 4-aligned, not 8-aligned offset
  b.unit.mmioWrite(kFedata, 8, 0);
  EXPECT_EQ(b.unit.mmioRead(kCap + 4, 8), 0u);
  EXPECT_EQ(b.r32(kFectl), 0x80000000u);
  EXPECT_EQ(b.r32(kFedata), 0x1234u);
}

// FS 1.1: "Offsets 0x030, 0x048-0x057, 0x060, 0x098 and 0x0D8 have no register ... reading 0
// and ignoring writes."
TEST(RegisterSpecAccess, ReservedOffsetsReadZeroAndIgnoreWrites) {
  Bench b;
  const uint32_t reserved[] = {0x030, 0x048, 0x04C, 0x050, 0x054, 0x060, 0x098, 0x0D8};
  for (uint32_t off : reserved) {
    SCOPED_TRACE(off);
    EXPECT_EQ(b.r32(off), 0u);
    b.w32(off, kOnes32);
    EXPECT_EQ(b.r32(off), 0u);
  }
  // 8-byte accesses over the wholly reserved 0x048-0x057.
  for (uint32_t off : {0x048u, 0x050u}) {
    b.w64(off, kOnes64);
    EXPECT_EQ(b.r64(off), 0u);
  }
  // Neighbours were not disturbed by the writes next to them.
  EXPECT_EQ(b.r32(kFsts), 0u);
  EXPECT_EQ(b.r32(kFectl), 0x80000000u);
  EXPECT_EQ(b.r32(kFeuaddr), 0u);
  // Beyond the fixed registers and below the capability-placed ones nothing is mapped either
  // (MTRRs need ECAP.MTS, FS 1.1), nor past the end of the block.
  for (uint32_t off : {0x100u, 0x0F8u, 0x3F8u, 0xFF8u}) {
    b.w64(off, kOnes64);
    EXPECT_EQ(b.r64(off), 0u);
  }
}

// Model choice (brief + FS 1.1 "only with ..."): registers of features that CAP/ECAP do not
// advertise (AFL, PLMR/PHMR, IR, EIM, PRS) are reserved: they keep their reset value and
// ignore writes. IECTL's and PECTL's reset value may carry IM=1 (FS 1.1); everything else 0.
TEST(RegisterSpecAccess, RegistersOfUnadvertisedFeaturesIgnoreWrites) {
  struct Reserved {
    const char* name;
    uint32_t offset;
    unsigned width;
    uint64_t allowed_reset;
  };
  const Reserved regs[] = {
      {"AFLOG", 0x058, 8, 0},    {"PMEN", 0x064, 4, 0},     {"PLMBASE", 0x068, 4, 0},
      {"PLMLIMIT", 0x06C, 4, 0}, {"PHMBASE", 0x070, 8, 0},  {"PHMLIMIT", 0x078, 8, 0},
      {"IEUADDR", 0x0AC, 4, 0},  {"IRTA", 0x0B8, 8, 0},     {"PQH", 0x0C0, 8, 0},      {"PQT", 0x0C8, 8, 0},
      {"PQA", 0x0D0, 8, 0},      {"PRS", 0x0DC, 4, 0},      {"PECTL", 0x0E0, 4, kIm},
      {"PEDATA", 0x0E4, 4, 0},   {"PEADDR", 0x0E8, 4, 0},   {"PEUADDR", 0x0EC, 4, 0},
      {"FEUADDR", kFeuaddr, 4, 0},
  };
  Bench b;
  for (const Reserved& r : regs) {
    SCOPED_TRACE(r.name);
    const uint64_t before = b.unit.mmioRead(r.offset, r.width);
    EXPECT_EQ(before & ~r.allowed_reset, 0u);
    b.unit.mmioWrite(r.offset, r.width, widthOnes(r.width));
    EXPECT_EQ(b.unit.mmioRead(r.offset, r.width), before);
    b.unit.mmioWrite(r.offset, r.width, 0);
    EXPECT_EQ(b.unit.mmioRead(r.offset, r.width), before);
    if (r.width == 8) {
      b.w32(r.offset + 4, kOnes32);
      EXPECT_EQ(b.unit.mmioRead(r.offset, 8), before);
    }
  }
  // Writing PMEN.EPM must not raise PRS either (no PLMR/PHMR).
  EXPECT_EQ(b.r32(0x064), 0u);
  EXPECT_EQ(b.r32(kGsts), 0u);  // and none of it started anything
}

// ---------------------------------------------------------------------------------------
// CAP / ECAP / VER for hand-chosen parameters (FS 1.1, 2.1, 2.2).
// ---------------------------------------------------------------------------------------

struct CapCase {
  const char* name;
  vtd::UnitParams p;
};

std::vector<CapCase> capCases() {
  std::vector<CapCase> cases;
  cases.push_back({"defaults", vtd::UnitParams{}});

  vtd::UnitParams small;  // a small, old-style unit: every optional capability off
  small.version_major = 1;
  small.version_minor = 0;
  small.domain_id_bits = 8;
  small.sagaw_bits = {39};
  small.mgaw_bits = 39;
  small.haw_bits = 39;
  small.fault_records = 1;
  small.fault_record_offset = 0x200;
  small.iotlb_reg_offset = 0x100;
  small.superpage_2m = true;
  small.superpage_1g = false;
  small.page_selective_invalidation = false;
  small.max_address_mask = 0;
  small.caching_mode = true;
  small.write_buffer_flush = true;
  small.drain_reads = false;
  small.drain_writes = false;
  small.zero_length_reads = true;
  small.coherent = false;
  small.pass_through = false;
  small.snoop_control = false;
  small.queued_invalidation = false;
  cases.push_back({"small", small});

  vtd::UnitParams wide;  // every AGAW, 256 fault records, the largest MAMV
  wide.version_major = 2;
  wide.version_minor = 1;
  wide.domain_id_bits = 4;
  wide.sagaw_bits = {30, 39, 48, 57};
  wide.mgaw_bits = 57;
  wide.haw_bits = 52;
  wide.fault_records = 256;
  wide.fault_record_offset = 0x1000;
  wide.iotlb_reg_offset = 0x3000;
  wide.superpage_2m = false;
  wide.superpage_1g = true;
  wide.max_address_mask = 63;
  wide.drain_writes = false;
  wide.snoop_control = false;
  cases.push_back({"wide", wide});

  vtd::UnitParams top;  // FRO and IRO at the top of their 10-bit fields
  top.version_major = 5;
  top.version_minor = 15;
  top.domain_id_bits = 12;
  top.sagaw_bits = {48, 57};
  top.mgaw_bits = 57;
  top.fault_records = 1;
  top.fault_record_offset = 0x3FF0;
  top.iotlb_reg_offset = 0x3FE0;
  top.superpage_2m = false;
  top.superpage_1g = false;
  top.max_address_mask = 9;
  top.caching_mode = true;
  top.drain_reads = false;
  top.pass_through = false;
  cases.push_back({"top", top});
  return cases;
}

// FS 2.1, decoded with the field positions typed from the fact sheet.
void checkCap(uint64_t cap, const vtd::UnitParams& p) {
  EXPECT_EQ(uint64_t(1) << (4 + 2 * field(cap, 2, 0)), uint64_t(1) << p.domain_id_bits) << "ND";
  EXPECT_FALSE(bitSet(cap, 3)) << "AFL (not implemented)";
  EXPECT_EQ(bitSet(cap, 4), p.write_buffer_flush) << "RWBF";
  EXPECT_FALSE(bitSet(cap, 5)) << "PLMR";
  EXPECT_FALSE(bitSet(cap, 6)) << "PHMR";
  EXPECT_EQ(bitSet(cap, 7), p.caching_mode) << "CM";
  const uint64_t sagaw = field(cap, 12, 8);
  for (unsigned k = 0; k < 5; ++k)  // bit k = 30 + 9k bits (FS 2.1)
    EXPECT_EQ(bitSet(sagaw, k), p.supportsAgaw(30 + 9 * k)) << "SAGAW bit " << k;
  EXPECT_EQ(field(cap, 15, 13), 0u) << "reserved 15:13";
  EXPECT_EQ(field(cap, 21, 16) + 1, p.mgaw_bits) << "MGAW";
  EXPECT_EQ(bitSet(cap, 22), p.zero_length_reads) << "ZLR";
  EXPECT_FALSE(bitSet(cap, 23)) << "ISOCH (deprecated, must be 0)";
  EXPECT_EQ(field(cap, 33, 24) * 16, p.fault_record_offset) << "FRO";
  EXPECT_EQ(bitSet(cap, 34), p.superpage_2m) << "SLLPS 2M";
  EXPECT_EQ(bitSet(cap, 35), p.superpage_1g) << "SLLPS 1G";
  EXPECT_EQ(field(cap, 38, 36), 0u) << "SLLPS 512G/1T and reserved 38";
  EXPECT_EQ(bitSet(cap, 39), p.page_selective_invalidation) << "PSI";
  EXPECT_EQ(field(cap, 47, 40) + 1, p.fault_records) << "NFR";
  // MAMV only has a meaning with PSI (FS 2.1: "maximum ... in IVA_REG.AM").
  if (p.page_selective_invalidation) {
    EXPECT_EQ(field(cap, 53, 48), p.max_address_mask) << "MAMV";
  }
  EXPECT_EQ(bitSet(cap, 54), p.drain_writes) << "DWD";
  EXPECT_EQ(bitSet(cap, 55), p.drain_reads) << "DRD";
  EXPECT_EQ(field(cap, 63, 56), 0u) << "FL1GP, reserved 58:57, PI, FL5LP, ECMDS, ESIRTPS, ESRTPS";
}

// FS 2.2.
void checkEcap(uint64_t ecap, const vtd::UnitParams& p) {
  EXPECT_EQ(bitSet(ecap, 0), p.coherent) << "C";
  EXPECT_EQ(bitSet(ecap, 1), p.queued_invalidation) << "QI";
  EXPECT_FALSE(bitSet(ecap, 2)) << "DT";
  EXPECT_FALSE(bitSet(ecap, 3)) << "IR";
  EXPECT_FALSE(bitSet(ecap, 4)) << "EIM";
  EXPECT_FALSE(bitSet(ecap, 5)) << "CH (deprecated)";
  EXPECT_EQ(bitSet(ecap, 6), p.pass_through) << "PT";
  EXPECT_EQ(bitSet(ecap, 7), p.snoop_control) << "SC";
  EXPECT_EQ(field(ecap, 17, 8) * 16, p.iotlb_reg_offset) << "IRO";
  EXPECT_EQ(field(ecap, 19, 18), 0u) << "reserved 19:18";
  // 23:20 MHMV: meaningless without IR, left open.
  EXPECT_EQ(ecap >> 24, 0u) << "ECS..PBDS: no scalable mode, MTS, NEST, PRS, PASID, ...";
}

TEST(RegisterSpecCapability, DefaultCapAndEcapMatchHandAssembledValues) {
  Bench b;
  EXPECT_EQ(b.r64(kCap), kDefaultCap);
  EXPECT_EQ(b.r64(kEcap) & ~kEcapMhmv, kDefaultEcap);
}

TEST(RegisterSpecCapability, VerCapEcapDecodeToTheParameters) {
  for (const CapCase& c : capCases()) {
    SCOPED_TRACE(c.name);
    Bench b(c.p);
    const uint32_t ver = b.r32(kVer);  // FS 1.1: 3:0 minor, 7:4 major, 31:8 reserved
    EXPECT_EQ(field(ver, 3, 0), c.p.version_minor);
    EXPECT_EQ(field(ver, 7, 4), c.p.version_major);
    EXPECT_EQ(ver >> 8, 0u);
    checkCap(b.r64(kCap), c.p);
    checkEcap(b.r64(kEcap), c.p);
    // RO: writes change nothing (FS 1.1).
    const uint64_t cap = b.r64(kCap), ecap = b.r64(kEcap);
    b.w64(kCap, 0);
    b.w64(kEcap, kOnes64);
    b.w32(kVer, kOnes32);
    EXPECT_EQ(b.r64(kCap), cap);
    EXPECT_EQ(b.r64(kEcap), ecap);
    EXPECT_EQ(b.r32(kVer), ver);
  }
}

// FS 2.1: ND = (DID width - 4) / 2 for every legal width.
TEST(RegisterSpecCapability, NdEncodesEveryDomainIdWidth) {
  for (uint32_t bits = 4; bits <= 16; bits += 2) {
    vtd::UnitParams p;
    p.domain_id_bits = bits;
    Bench b(p);
    EXPECT_EQ(field(b.r64(kCap), 2, 0), (bits - 4) / 2) << bits;
  }
}

// FS 1.2: IVA_REG at ECAP.IRO*16, IOTLB_REG 8 bytes above it, FRCD[i] at CAP.FRO*16 + 16i,
// NFR+1 of them. Checked by finding the registers where the capabilities say, for
// non-default placements, and not at the default places.
TEST(RegisterSpecCapability, CapabilityPlacedRegistersLiveWhereCapEcapSay) {
  for (const CapCase& c : capCases()) {
    if (std::string(c.name) == "defaults") continue;
    SCOPED_TRACE(c.name);
    Bench b(c.p);
    const uint32_t iva = uint32_t(field(b.r64(kEcap), 17, 8) * 16);
    const uint32_t iotlb = iva + 8;
    const uint32_t frcd = uint32_t(field(b.r64(kCap), 33, 24) * 16);
    const unsigned records = unsigned(field(b.r64(kCap), 47, 40) + 1);

    // A global IOTLB invalidation at the advertised place completes (FS 6.11).
    b.w64(iotlb, kIvt | 1ull << kIirgShift);
    EXPECT_EQ(b.r64(iotlb), 1ull << kIirgShift | 1ull << kIaigShift);
    EXPECT_EQ(b.unit.stats().inv_iotlb_global, 1u);
    // IVA is there too (write-only, so only its effect is visible): AM above MAMV turns a
    // page-selective request into a domain-selective one (FS 6.11).
    b.w64(iva, 0x3F);  // AM = 63
    b.w64(iotlb, kIvt | 3ull << kIirgShift);
    EXPECT_EQ(field(b.r64(iotlb), 58, 57), c.p.page_selective_invalidation &&
                                                   c.p.max_address_mask >= 63 ? 3u : 2u);
    // The default places are empty (unless a placed block happens to be there).
    if (iva != kDefaultIva && frcd != kDefaultIva) {
      b.w64(kDefaultIotlb, kIvt | 1ull << kIirgShift);
      EXPECT_EQ(b.r64(kDefaultIotlb), 0u);
      EXPECT_EQ(b.unit.stats().inv_iotlb_global, 1u);
    }

    // Fill every fault record; one more overflows (FS 7.2, 7.5).
    b.enableOverEmptyRootTable();
    for (unsigned i = 0; i < records; ++i) b.dma(0x0100, 0x10000ull * (i + 1), false);
    for (unsigned i = 0; i < records; ++i) {
      EXPECT_TRUE(b.r64(frcd + 16 * i + 8) & kFrcdF) << "FRCD " << i;
      EXPECT_EQ(b.r64(frcd + 16 * i), 0x10000ull * (i + 1)) << "FRCD " << i;
    }
    EXPECT_EQ(b.r32(kFsts) & kPfo, 0u);
    b.dma(0x0100, 0x999000, false);
    EXPECT_EQ(b.r32(kFsts) & kPfo, kPfo);
    if (frcd != kDefaultFrcd && iva != kDefaultFrcd) {
      EXPECT_EQ(b.r64(kDefaultFrcd + 8), 0u);
    }
    const uint32_t past = frcd + 16 * records;  // one record beyond the last
    if (past + 8 <= b.unit.registerBlockSize() && past != iva) {
      EXPECT_EQ(b.r64(past + 8), 0u);
    }
  }
}

}  // namespace
