// Table-driven invariants of the register table (STYLE.md item 4/5): every row of
// vtd::buildRegisterTable(params), checked through a RemappingUnit built from the same
// params. This proves the engine applies the table consistently (reset values, rw, w1c, wo,
// 32/64-bit access shapes, no overlaps, no aliasing) and that the table is well formed.
// It cannot prove a mask is the *right* mask: register_spec_test.cpp holds the
// independent hand-typed expectations for that.
//
// Rows with a side-effect hook (GCMD, CCMD, IOTLB_REG, FSTS, FECTL, FRCD high) are left
// out of the generic "write a pattern, predict the result" checks, because their hooks
// legitimately change state beyond the mask formula; they still take part in the
// checks that compare two equivalent access shapes against each other, which hold with
// or without side effects.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "model/common/flat_memory.h"
#include "model/registers/register_table.h"
#include "model/unit/remapping_unit.h"
#include "model/unit/unit_params.h"

namespace {

using vtd::RegHook;
using vtd::RegisterSpec;

constexpr uint64_t kPatterns[] = {~0ull, 0ull, 0xA5A5A5A5A5A5A5A5ull, 0x5A5A5A5A5A5A5A5Aull,
                                  0x0123456789ABCDEFull};

uint64_t widthMask(const RegisterSpec& r) { return r.width == 8 ? ~0ull : 0xFFFFFFFFull; }

// The engine's write rule for one access covering the bits in `covered` (FS 1.3, STYLE 4):
// rw bits take the written value, w1c bits clear where a 1 is written, everything else
// keeps its value.
uint64_t afterWrite(const RegisterSpec& r, uint64_t old, uint64_t written, uint64_t covered) {
  uint64_t v = (old & ~(r.rw & covered)) | (written & r.rw & covered);
  return v & ~(written & r.w1c & covered);
}

struct NamedParams {
  std::string name;
  vtd::UnitParams p;
};

// gtest prints a failing parameter with this instead of a byte dump.
void PrintTo(const NamedParams& n, std::ostream* os) { *os << n.name; }

std::vector<NamedParams> paramSets() {
  std::vector<NamedParams> sets;
  sets.push_back({"defaults", vtd::UnitParams{}});
  vtd::UnitParams small;  // one record, low placements, optional GCMD bit WBF writable
  small.fault_records = 1;
  small.fault_record_offset = 0x200;
  small.iotlb_reg_offset = 0x100;
  small.write_buffer_flush = true;
  small.page_selective_invalidation = false;
  small.domain_id_bits = 8;
  small.haw_bits = 39;
  small.mgaw_bits = 39;
  small.sagaw_bits = {39};
  sets.push_back({"small", small});
  vtd::UnitParams wide;  // 256 records, a block larger than 4 KiB
  wide.fault_records = 256;
  wide.fault_record_offset = 0x1000;
  wide.iotlb_reg_offset = 0x3000;
  wide.haw_bits = 52;
  sets.push_back({"wide", wide});
  return sets;
}

class RegisterTableRows : public ::testing::TestWithParam<NamedParams> {
 protected:
  struct Unit {
    explicit Unit(const vtd::UnitParams& p) : memory(64u << 10), unit(config(p), memory) {}
    static vtd::UnitConfig config(const vtd::UnitParams& p) {
      vtd::UnitConfig c;
      c.unit = p;
      return c;
    }
    vtd::FlatMemory memory;
    vtd::RemappingUnit unit;
  };

  const vtd::UnitParams& params() const { return GetParam().p; }
  std::vector<RegisterSpec> table() const { return vtd::buildRegisterTable(params()); }

  static std::vector<uint64_t> snapshot(const vtd::RemappingUnit& u, size_t rows) {
    std::vector<uint64_t> s(rows);
    for (size_t i = 0; i < rows; ++i) s[i] = u.peekRegister(uint16_t(i));
    return s;
  }

  // Puts the unit into a state where w1c bits are set: translation on over an empty root
  // table (every request faults "root not present", always recorded, FS 7.4/7.5), every
  // fault record filled and one more fault to overflow (FSTS.PFO).
  static void provokeFaults(vtd::RemappingUnit& u, unsigned records) {
    constexpr uint32_t kGcmd = 0x018, kRtaddr = 0x020;   // FS 1.1
    constexpr uint32_t kTe = 1u << 31, kSrtp = 1u << 30;  // FS 3.1
    u.mmioWrite(kRtaddr, 8, 0x1000);
    u.mmioWrite(kGcmd, 4, kSrtp);
    u.mmioWrite(kGcmd, 4, kTe);
    for (unsigned i = 0; i <= records; ++i) {
      vtd::DmaRequest r;
      r.source.value = 0x0100;
      r.address = 0x10000ull * (i + 1);
      r.size = 4;
      u.translate(r);
    }
  }
};

// --- shape of the table -------------------------------------------------------------------

TEST_P(RegisterTableRows, RowsAreWellFormedAndIndexedByRegId) {
  const auto t = table();
  const vtd::UnitParams& p = params();
  ASSERT_EQ(t.size(), size_t(vtd::kFirstFrcd) + 2 * p.fault_records);
  std::set<std::string> names;
  for (const RegisterSpec& r : t) {
    SCOPED_TRACE(r.name);
    EXPECT_FALSE(r.name.empty());
    EXPECT_TRUE(names.insert(r.name).second) << "duplicate name";
    EXPECT_NE(std::string(r.section), "") << "every row cites its spec section";
    EXPECT_TRUE(r.width == 4 || r.width == 8);
    EXPECT_EQ(r.offset % r.width, 0u) << "naturally aligned";
    const uint64_t outside = ~widthMask(r);
    EXPECT_EQ((r.reset | r.rw | r.w1c | r.wo) & outside, 0u) << "masks inside the width";
    EXPECT_EQ(r.rw & r.w1c, 0u) << "a bit is either written or cleared by writing 1";
    EXPECT_EQ(r.wo & r.w1c, 0u) << "a w1c bit must be readable";
    EXPECT_EQ(r.wo & ~r.rw, 0u) << "write-only bits are bits software writes";
    EXPECT_EQ(r.reset & r.w1c, 0u) << "no status is pending at power-on";
  }
  // The capability-placed rows sit where the parameters put them (FS 1.2).
  EXPECT_EQ(t[vtd::R_IVA].offset, p.iotlb_reg_offset);
  EXPECT_EQ(t[vtd::R_IOTLB].offset, p.iotlb_reg_offset + 8);
  for (unsigned i = 0; i < p.fault_records; ++i) {
    EXPECT_EQ(t[vtd::frcdLow(i)].offset, p.fault_record_offset + 16 * i);
    EXPECT_EQ(t[vtd::frcdHigh(i)].offset, p.fault_record_offset + 16 * i + 8);
  }
}

TEST_P(RegisterTableRows, RowsDoNotOverlapAndLieInsideTheBlock) {
  auto t = table();
  Unit u(params());
  const uint32_t block = u.unit.registerBlockSize();
  EXPECT_EQ(block, params().registerBlockSize());
  EXPECT_EQ(block % 0x1000, 0u);
  EXPECT_GE(block, 0x1000u);
  std::sort(t.begin(), t.end(), [](const RegisterSpec& a, const RegisterSpec& b) { return a.offset < b.offset; });
  for (size_t i = 0; i < t.size(); ++i) {
    SCOPED_TRACE(t[i].name);
    EXPECT_LE(t[i].offset + t[i].width, block);
    if (i + 1 < t.size()) {
      EXPECT_LE(t[i].offset + t[i].width, t[i + 1].offset) << "overlaps " << t[i + 1].name;
    }
  }
}

// The unit is built from exactly this table (so the other checks test what runs).
TEST_P(RegisterTableRows, UnitUsesTheTable) {
  const auto t = table();
  Unit u(params());
  const vtd::RegisterFile& rf = u.unit.registers();
  ASSERT_EQ(rf.count(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    SCOPED_TRACE(t[i].name);
    const RegisterSpec& r = rf.spec(uint16_t(i));
    EXPECT_EQ(r.offset, t[i].offset);
    EXPECT_EQ(r.width, t[i].width);
    EXPECT_EQ(r.reset, t[i].reset);
    EXPECT_EQ(r.rw, t[i].rw);
    EXPECT_EQ(r.w1c, t[i].w1c);
    EXPECT_EQ(r.wo, t[i].wo);
    EXPECT_EQ(r.hook, t[i].hook);
    EXPECT_EQ(rf.find(t[i].offset), int(i));
  }
}

// --- reset --------------------------------------------------------------------------------

TEST_P(RegisterTableRows, ResetValuesReadBackMinusWriteOnlyBits) {
  const auto t = table();
  Unit u(params());
  auto check = [&] {
    for (size_t i = 0; i < t.size(); ++i) {
      const RegisterSpec& r = t[i];
      SCOPED_TRACE(r.name);
      const uint64_t visible = r.reset & ~r.wo;
      EXPECT_EQ(u.unit.mmioRead(r.offset, r.width), visible);
      EXPECT_EQ(u.unit.peekRegister(uint16_t(i)), r.reset);
      if (r.width == 8) {
        EXPECT_EQ(u.unit.mmioRead(r.offset, 4), visible & 0xFFFFFFFFull);
        EXPECT_EQ(u.unit.mmioRead(r.offset + 4, 4), visible >> 32);
      }
    }
  };
  check();
  // Scribble over every row, fault, then reset(): all rows return to their reset value.
  for (const RegisterSpec& r : t) u.unit.mmioWrite(r.offset, r.width, 0x5A5A5A5A5A5A5A5Aull);
  provokeFaults(u.unit, params().fault_records);
  u.unit.reset();
  check();
}

// --- generic write behaviour of side-effect-free rows ---------------------------------------

TEST_P(RegisterTableRows, PlainRowsFollowTheMaskFormulaForFullWidthWrites) {
  const auto t = table();
  Unit u(params());
  for (size_t i = 0; i < t.size(); ++i) {
    const RegisterSpec& r = t[i];
    if (r.hook != RegHook::None) continue;
    SCOPED_TRACE(r.name);
    for (uint64_t pattern : kPatterns) {
      const uint64_t x = pattern & widthMask(r);
      const auto before = snapshot(u.unit, t.size());
      const uint64_t expected = afterWrite(r, before[i], x, widthMask(r));
      u.unit.mmioWrite(r.offset, r.width, x);
      EXPECT_EQ(u.unit.peekRegister(uint16_t(i)), expected) << std::hex << x;
      EXPECT_EQ(u.unit.mmioRead(r.offset, r.width), expected & ~r.wo) << std::hex << x;
      // rw bits are writable: they now read what was written (unless write-only).
      EXPECT_EQ(u.unit.mmioRead(r.offset, r.width) & r.rw & ~r.wo, x & r.rw & ~r.wo);
      auto after = snapshot(u.unit, t.size());
      after[i] = before[i];
      EXPECT_EQ(after, before) << "a plain write touched another register";
    }
  }
}

TEST_P(RegisterTableRows, PlainRowsFollowTheMaskFormulaForHalfWrites) {
  const auto t = table();
  Unit u(params());
  for (size_t i = 0; i < t.size(); ++i) {
    const RegisterSpec& r = t[i];
    if (r.hook != RegHook::None || r.width != 8) continue;
    SCOPED_TRACE(r.name);
    for (uint64_t pattern : kPatterns) {
      for (unsigned half = 0; half < 2; ++half) {
        const uint64_t old = u.unit.peekRegister(uint16_t(i));
        const uint64_t x = (pattern & 0xFFFFFFFFull) << (32 * half);
        const uint64_t expected = afterWrite(r, old, x, 0xFFFFFFFFull << (32 * half));
        u.unit.mmioWrite(r.offset + 4 * half, 4, pattern & 0xFFFFFFFFull);
        EXPECT_EQ(u.unit.peekRegister(uint16_t(i)), expected) << "half " << half;
        EXPECT_EQ(u.unit.mmioRead(r.offset + 4 * half, 4), ((expected & ~r.wo) >> (32 * half)) & 0xFFFFFFFFull);
      }
    }
  }
}

// --- write-1-to-clear ---------------------------------------------------------------------

// Writing ones never sets a w1c bit (they are set only by hardware).
TEST_P(RegisterTableRows, W1cBitsAreNotSetByWriting) {
  const auto t = table();
  for (size_t i = 0; i < t.size(); ++i) {
    const RegisterSpec& r = t[i];
    if (r.w1c == 0) continue;
    SCOPED_TRACE(r.name);
    Unit u(params());
    u.unit.mmioWrite(r.offset, r.width, widthMask(r));
    EXPECT_EQ(u.unit.peekRegister(uint16_t(i)) & r.w1c, 0u);
    if (r.width == 8) {
      u.unit.mmioWrite(r.offset + 4, 4, 0xFFFFFFFF);
      EXPECT_EQ(u.unit.peekRegister(uint16_t(i)) & r.w1c, 0u);
    }
  }
}

// With hardware-set w1c bits: writing 0 keeps them, writing 1 clears exactly that bit,
// through a full-width access or (alternating) through the 32-bit half holding it.
TEST_P(RegisterTableRows, W1cBitsClearOnlyWhenWrittenAsOne) {
  const auto t = table();
  Unit u(params());
  provokeFaults(u.unit, params().fault_records);
  unsigned rows_with_status = 0, accesses = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const RegisterSpec& r = t[i];
    const uint64_t set = u.unit.peekRegister(uint16_t(i)) & r.w1c;
    if (set == 0) continue;
    SCOPED_TRACE(r.name);
    ++rows_with_status;
    u.unit.mmioWrite(r.offset, r.width, ~r.w1c & widthMask(r));  // all but the w1c bits
    if (r.width == 8) {
      u.unit.mmioWrite(r.offset, 4, 0);
      u.unit.mmioWrite(r.offset + 4, 4, 0);
    }
    EXPECT_EQ(u.unit.peekRegister(uint16_t(i)) & r.w1c, set) << "cleared without a 1";
    for (unsigned b = 0; b < 64; ++b) {
      const uint64_t bit = 1ull << b;
      if (!(set & bit)) continue;
      if (r.width == 8 && (accesses++ % 2)) {
        u.unit.mmioWrite(r.offset + 4 * (b / 32), 4, uint32_t(bit >> (32 * (b / 32))));
      } else {
        u.unit.mmioWrite(r.offset, r.width, bit);
      }
      EXPECT_EQ(u.unit.peekRegister(uint16_t(i)) & r.w1c, set & ~(bit | (bit - 1)) ) << "bit " << b;
    }
  }
  // FSTS.PFO and every FRCD.F were pending, so the check above really ran.
  EXPECT_EQ(rows_with_status, 1 + params().fault_records);
}

// --- access shapes ------------------------------------------------------------------------

// A 64-bit register written as two 32-bit halves (low first) ends in the same state as
// after one 64-bit write - for every row, side effects included (FS 1.3).
TEST_P(RegisterTableRows, HalfWritesOfSixtyFourBitRowsEqualOneFullWrite) {
  const auto t = table();
  for (size_t i = 0; i < t.size(); ++i) {
    const RegisterSpec& r = t[i];
    if (r.width != 8) continue;
    SCOPED_TRACE(r.name);
    for (uint64_t pattern : kPatterns) {
      Unit whole(params()), halves(params());
      whole.unit.mmioWrite(r.offset, 8, pattern);
      halves.unit.mmioWrite(r.offset, 4, pattern & 0xFFFFFFFFull);
      halves.unit.mmioWrite(r.offset + 4, 4, pattern >> 32);
      EXPECT_EQ(snapshot(whole.unit, t.size()), snapshot(halves.unit, t.size())) << std::hex << pattern;
      const uint64_t v = whole.unit.mmioRead(r.offset, 8);
      EXPECT_EQ(halves.unit.mmioRead(r.offset, 4) | halves.unit.mmioRead(r.offset + 4, 4) << 32, v);
    }
  }
}

// An aligned 64-bit access over two 32-bit registers (or a register and a hole) acts as two
// 32-bit accesses, low dword first, for every 8-byte slot of the fixed register area.
TEST_P(RegisterTableRows, SixtyFourBitAccessOverDwordsEqualsTwoDwordAccesses) {
  const auto t = table();
  std::vector<bool> covered_by_qword(0x100 / 8, false);
  for (const RegisterSpec& r : t)
    if (r.width == 8 && r.offset < 0x100) covered_by_qword[r.offset / 8] = true;
  for (uint32_t off = 0; off < 0x100; off += 8) {
    if (covered_by_qword[off / 8]) continue;
    SCOPED_TRACE(off);
    for (uint64_t pattern : kPatterns) {
      Unit whole(params()), halves(params());
      EXPECT_EQ(whole.unit.mmioRead(off, 8),
                whole.unit.mmioRead(off, 4) | whole.unit.mmioRead(off + 4, 4) << 32);
      whole.unit.mmioWrite(off, 8, pattern);
      halves.unit.mmioWrite(off, 4, pattern & 0xFFFFFFFFull);
      halves.unit.mmioWrite(off + 4, 4, pattern >> 32);
      EXPECT_EQ(snapshot(whole.unit, t.size()), snapshot(halves.unit, t.size())) << std::hex << pattern;
    }
  }
}

// Every dword no row covers reads 0 and ignores writes, and nothing past the block exists.
TEST_P(RegisterTableRows, UncoveredDwordsReadZeroAndIgnoreWrites) {
  const auto t = table();
  Unit u(params());
  const uint32_t block = u.unit.registerBlockSize();
  std::vector<bool> covered(block / 4, false);
  for (const RegisterSpec& r : t)
    for (unsigned d = 0; d < r.width / 4u; ++d) covered[r.offset / 4 + d] = true;
  const auto before = snapshot(u.unit, t.size());
  unsigned holes = 0;
  for (uint32_t off = 0; off < block; off += 4) {
    if (covered[off / 4]) continue;
    ++holes;
    u.unit.mmioWrite(off, 4, 0xFFFFFFFF);
    ASSERT_EQ(u.unit.mmioRead(off, 4), 0u) << std::hex << off;
  }
  EXPECT_GT(holes, 0u);
  EXPECT_EQ(snapshot(u.unit, t.size()), before);
  for (uint32_t off : {block, block + 8, block + 0x1000}) {
    u.unit.mmioWrite(off, 8, ~0ull);
    EXPECT_EQ(u.unit.mmioRead(off, 8), 0u);
    EXPECT_EQ(u.unit.mmioRead(off, 4), 0u);
  }
  EXPECT_EQ(snapshot(u.unit, t.size()), before);
}

INSTANTIATE_TEST_SUITE_P(RegisterTable, RegisterTableRows, ::testing::ValuesIn(paramSets()),
                         [](const ::testing::TestParamInfo<NamedParams>& i) { return i.param.name; });

}  // namespace
