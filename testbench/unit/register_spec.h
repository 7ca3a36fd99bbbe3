// Shared by the hand-typed register expectation tests (register_spec_test.cpp,
// register_spec_commands_test.cpp): offsets, masks and field positions typed from the fact
// sheet (/work/shared/reference/VTD-REFERENCE.md, "FS") and NOT from model/registers/, plus
// a small bench around one RemappingUnit. STYLE.md item 5: the table-driven invariants can
// only check that the model agrees with itself; these independent values catch a wrong
// mask, offset, reset value or side effect.
#pragma once

#include <gtest/gtest.h>
#include <cstdint>
#include <string>
#include <vector>
#include "model/common/flat_memory.h"
#include "model/common/interrupt_sink.h"
#include "model/unit/remapping_unit.h"
#include "model/unit/unit_params.h"

namespace register_spec {

// ---------------------------------------------------------------------------------------
// Offsets (FS 1.1) and fields, hand-typed.
// ---------------------------------------------------------------------------------------
constexpr uint32_t kVer = 0x000;
constexpr uint32_t kCap = 0x008;
constexpr uint32_t kEcap = 0x010;
constexpr uint32_t kGcmd = 0x018;
constexpr uint32_t kGsts = 0x01C;
constexpr uint32_t kRtaddr = 0x020;
constexpr uint32_t kCcmd = 0x028;
constexpr uint32_t kFsts = 0x034;
constexpr uint32_t kFectl = 0x038;
constexpr uint32_t kFedata = 0x03C;
constexpr uint32_t kFeaddr = 0x040;
constexpr uint32_t kFeuaddr = 0x044;
// Queued invalidation (FS 1.1).
constexpr uint32_t kIqh = 0x080;
constexpr uint32_t kIqt = 0x088;
constexpr uint32_t kIqa = 0x090;
constexpr uint32_t kIcs = 0x09C;
constexpr uint32_t kIectl = 0x0A0;
constexpr uint32_t kIedata = 0x0A4;
constexpr uint32_t kIeaddr = 0x0A8;
constexpr uint32_t kIeuaddr = 0x0AC;
constexpr uint32_t kIqercd = 0x0B0;

// Default UnitParams placement of the capability-placed registers (FS 1.2).
constexpr uint32_t kDefaultIva = 0x500;
constexpr uint32_t kDefaultIotlb = 0x508;
constexpr uint32_t kDefaultFrcd = 0x400;
constexpr unsigned kDefaultFaultRecords = 8;

// GCMD / GSTS bits (FS 3.1).
constexpr uint32_t kTe = 1u << 31;     // TE / TES
constexpr uint32_t kSrtp = 1u << 30;   // SRTP / RTPS
constexpr uint32_t kSfl = 1u << 29;    // SFL / FLS
constexpr uint32_t kEafl = 1u << 28;   // EAFL / AFLS
constexpr uint32_t kWbf = 1u << 27;    // WBF / WBFS
constexpr uint32_t kQie = 1u << 26;    // QIE / QIES
constexpr uint32_t kIre = 1u << 25;    // IRE / IRES
constexpr uint32_t kSirtp = 1u << 24;  // SIRTP / IRTPS
constexpr uint32_t kCfi = 1u << 23;    // CFI / CFIS
// FS 3.2: keeps the persistent bits 31, 28, 26, 25, 23 and drops the one-shot status bits.
constexpr uint32_t kGcmdRecipeMask = 0x96FFFFFFu;

// CCMD (FS 6.11).
constexpr uint64_t kIcc = 1ull << 63;
constexpr unsigned kCirgShift = 61;
constexpr unsigned kCaigShift = 59;
// IOTLB_REG and IVA_REG (FS 1.2, 6.11).
constexpr uint64_t kIvt = 1ull << 63;
constexpr unsigned kIirgShift = 60;
constexpr unsigned kIaigShift = 57;
constexpr uint64_t kIotlbDr = 1ull << 49;
constexpr uint64_t kIotlbDw = 1ull << 48;
constexpr unsigned kIotlbDidShift = 32;
// FSTS (FS 7.1).
constexpr uint32_t kPfo = 1u << 0;
constexpr uint32_t kPpf = 1u << 1;
constexpr uint32_t kIqe = 1u << 4;
constexpr uint32_t kIce = 1u << 5;
constexpr uint32_t kIte = 1u << 6;
constexpr uint32_t kFriMask = 0xFF00u;
// FECTL (FS 1.1, 7.5).
constexpr uint32_t kIm = 1u << 31;
constexpr uint32_t kIp = 1u << 30;
// FRCD high qword (FS 7.2, relative to bit 64).
constexpr uint64_t kFrcdF = 1ull << 63;
constexpr uint64_t kFrcdT = 1ull << 62;

// Own field extraction (independent of model/common/bits.h). hi - lo must be below 63.
constexpr uint64_t field(uint64_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((uint64_t(1) << (hi - lo + 1)) - 1);
}
constexpr bool bitSet(uint64_t v, unsigned n) { return (v >> n) & 1; }

constexpr uint64_t kOnes32 = 0xFFFFFFFFull;
constexpr uint64_t kOnes64 = ~0ull;

class CountingSink final : public vtd::InterruptSink {
 public:
  void deliver(const vtd::MsiMessage& m) override { messages.push_back(m); }
  std::vector<vtd::MsiMessage> messages;
};

inline vtd::UnitConfig configFor(const vtd::UnitParams& p) {
  vtd::UnitConfig c;
  c.unit = p;
  return c;
}

// One unit over 1 MiB of zeroed memory, with short names for the four access shapes.
struct Bench {
  explicit Bench(const vtd::UnitParams& p = vtd::UnitParams{})
      : memory(1u << 20), unit(configFor(p), memory) {
    unit.setInterruptSink(&sink);
  }
  uint32_t r32(uint32_t off) { return uint32_t(unit.mmioRead(off, 4)); }
  uint64_t r64(uint32_t off) { return unit.mmioRead(off, 8); }
  void w32(uint32_t off, uint64_t v) { unit.mmioWrite(off, 4, v & kOnes32); }
  void w64(uint32_t off, uint64_t v) { unit.mmioWrite(off, 8, v); }

  // The GCMD recipe of FS 3.2: read GSTS, mask, change one bit, write.
  void gcmdSet(uint32_t bit) { w32(kGcmd, (r32(kGsts) & kGcmdRecipeMask) | bit); }
  void gcmdClear(uint32_t bit) { w32(kGcmd, (r32(kGsts) & kGcmdRecipeMask) & ~bit); }

  // Root table at 0x1000 (zeroed memory), latched and translation on: every DMA request then
  // faults with reason 0x01 "root entry not present" (FS 7.4), which is never qualified, so
  // it is always recorded (FS 7.5).
  void enableOverEmptyRootTable() {
    w64(kRtaddr, 0x1000);
    gcmdSet(kSrtp);
    gcmdSet(kTe);
  }
  vtd::Translation dma(uint16_t sid, uint64_t address, bool write) {
    vtd::DmaRequest r;
    r.source.value = sid;
    r.address = address;
    r.size = 4;
    r.kind = write ? vtd::AccessKind::Write : vtd::AccessKind::Read;
    return unit.translate(r);
  }

  vtd::FlatMemory memory;
  vtd::RemappingUnit unit;
  CountingSink sink;
};

}  // namespace register_spec
