// Hand-typed expectations for the registers with side effects: GCMD/GSTS (FS 3.1, 3.2),
// register-based invalidation (FS 6.11) and fault recording with the fault event (FS 7),
// written from the fact sheet, not from the model's register table. See register_spec.h.

#include "testbench/unit/register_spec.h"

namespace {
using namespace register_spec;

// ---------------------------------------------------------------------------------------
// GCMD / GSTS (FS 3.1, 3.2).
// ---------------------------------------------------------------------------------------

TEST(RegisterSpecGcmd, SrtpSetsRtpsAndGcmdReadsZero) {
  Bench b;
  b.w64(kRtaddr, 0x1000);
  b.w32(kGcmd, kSrtp);
  EXPECT_EQ(b.r32(kGsts), kSrtp);  // RTPS, nothing else
  EXPECT_EQ(b.r32(kGcmd), 0u);     // write-only
  // Rewriting a one-shot bit that reads 1 repeats the latch, which is harmless (Xen style).
  b.w32(kGcmd, b.r32(kGsts) | kSrtp);
  EXPECT_EQ(b.r32(kGsts), kSrtp);
  // A write with the one-shot bit 0 does not clear its status.
  b.w32(kGcmd, 0);
  EXPECT_EQ(b.r32(kGsts), kSrtp);
}

TEST(RegisterSpecGcmd, TeActsOnlyWhenItDiffersFromGsts) {
  Bench b;
  b.w64(kRtaddr, 0x1000);
  b.gcmdSet(kSrtp);
  b.gcmdSet(kTe);
  EXPECT_EQ(b.r32(kGsts), kTe | kSrtp);
  EXPECT_FALSE(b.dma(0x0100, 0x5000, false).ok());  // translation is on: root not present
  // The recipe with nothing changed, and a Xen-style "GSTS | one-shot" write: TE stays on.
  b.w32(kGcmd, b.r32(kGsts) & kGcmdRecipeMask);
  EXPECT_EQ(b.r32(kGsts), kTe | kSrtp);
  b.w32(kGcmd, b.r32(kGsts) | kSrtp);
  EXPECT_EQ(b.r32(kGsts), kTe | kSrtp);
  EXPECT_EQ(b.r32(kGcmd), 0u);
  // Clearing TE through the recipe turns translation off and keeps RTPS.
  b.gcmdClear(kTe);
  EXPECT_EQ(b.r32(kGsts), kSrtp);
  const vtd::Translation t = b.dma(0x0100, 0x5000, false);
  EXPECT_TRUE(t.ok());
  EXPECT_FALSE(t.translated);
}

// FS 3.1 WBF: opposite polarity; the model flushes at once, so WBFS reads 0 afterwards.
TEST(RegisterSpecGcmd, WriteBufferFlushCompletesWithWbfsZero) {
  vtd::UnitParams p;
  p.write_buffer_flush = true;
  Bench b(p);
  b.gcmdSet(kWbf);
  EXPECT_EQ(b.r32(kGsts) & kWbf, 0u);
  EXPECT_EQ(b.r32(kGsts), 0u);
}

// FS 1.3: the hardware uses RTADDR only once SRTP latches it.
TEST(RegisterSpecGcmd, RtaddrTakesEffectOnlyAtSrtp) {
  Bench b;
  b.enableOverEmptyRootTable();
  EXPECT_EQ(uint8_t(b.dma(0x0100, 0x5000, false).reason), 0x01);  // root not present
  b.w64(kRtaddr, 0x7FFFF000);  // outside the 1 MiB of memory: reading it fails
  EXPECT_EQ(uint8_t(b.dma(0x0200, 0x5000, false).reason), 0x01);
  b.gcmdSet(kSrtp);
  EXPECT_EQ(uint8_t(b.dma(0x0300, 0x5000, false).reason), 0x08);  // root read error (FS 7.4)
}

// FS 3.1 and the brief: commands of features that are not advertised (AFL, IR; QI when
// turned off) do nothing, and reserved bits 22:0 are ignored.
TEST(RegisterSpecGcmd, UnadvertisedCommandsAndReservedBitsLeaveGstsAlone) {
  vtd::UnitParams no_qi;
  no_qi.queued_invalidation = false;
  Bench b(no_qi);
  for (uint32_t bit : {kSfl, kEafl, kQie, kIre, kSirtp, kCfi, 0x007FFFFFu}) {
    SCOPED_TRACE(bit);
    b.w32(kGcmd, bit);
    EXPECT_EQ(b.r32(kGsts), 0u);
    b.w32(kGcmd, 0);
  }
}

// FS 3.2: the full DS recipe, one command per write, polling the matching status bit.
TEST(RegisterSpecGcmd, RecipeSequenceBringsTheUnitUp) {
  vtd::UnitParams p;
  p.write_buffer_flush = true;
  Bench b(p);
  b.w64(kRtaddr, 0x1000);
  b.gcmdSet(kWbf);
  EXPECT_EQ(b.r32(kGsts) & kWbf, 0u);
  b.gcmdSet(kSrtp);
  EXPECT_EQ(b.r32(kGsts) & kSrtp, kSrtp);
  b.gcmdSet(kTe);
  EXPECT_EQ(b.r32(kGsts) & kTe, kTe);
  b.gcmdSet(kWbf);  // with TE on, the recipe keeps TE and clears RTPS in the written value
  EXPECT_EQ(b.r32(kGsts), kTe | kSrtp);
  b.gcmdSet(kSrtp);  // re-latching while enabled keeps TE
  EXPECT_EQ(b.r32(kGsts), kTe | kSrtp);
}

// ---------------------------------------------------------------------------------------
// Register-based invalidation (FS 6.11, 1.3).
// ---------------------------------------------------------------------------------------

uint64_t ccmd(unsigned cirg, uint16_t did = 0, uint16_t sid = 0, unsigned fm = 0) {
  return kIcc | uint64_t(cirg) << kCirgShift | uint64_t(fm) << 32 | uint64_t(sid) << 16 | did;
}

TEST(RegisterSpecInvalidation, CcmdReportsActualGranularityAndClearsIcc) {
  struct Case {
    unsigned cirg;
    uint64_t expected;  // read-back: ICC 0, CAIG = what was done, other fields as written
  };
  const Case cases[] = {
      {1, 0x2800000000000005ull},                  // global: CIRG 01, CAIG 01 (DID kept)
      {2, 0x5000000000000005ull},                  // domain 5: CIRG 10, CAIG 10
      {3, 0x7800000201000005ull},                  // device 01:00.0 FM=2: CAIG 11
      {0, 0x0000000000000005ull},                  // reserved request: CAIG 00 (error)
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cirg);
    Bench b;
    b.w64(kCcmd, ccmd(c.cirg, 5, c.cirg == 3 ? 0x0100 : 0, c.cirg == 3 ? 2 : 0));
    EXPECT_EQ(b.r64(kCcmd), c.expected);
  }
}

// FS 1.3: a CCMD command runs only when the write covers the upper dword (bit 63 is there);
// the low dword carries data only.
TEST(RegisterSpecInvalidation, CcmdRunsOnlyOnUpperDwordWrites) {
  Bench b;
  const auto& s = b.unit.stats();
  b.w32(kCcmd, 0x00000007);  // DID 7, no command
  EXPECT_EQ(s.inv_context_domain + s.inv_context_global + s.inv_context_device, 0u);
  b.w32(kCcmd + 4, uint32_t(ccmd(2) >> 32));  // ICC | CIRG=domain
  EXPECT_EQ(s.inv_context_domain, 1u);
  EXPECT_EQ(b.r64(kCcmd), 0x5000000000000007ull);  // DID from the low write, CAIG 10
  b.w32(kCcmd, 0x00000009);                          // low dword again: still no command
  EXPECT_EQ(s.inv_context_domain, 1u);
  EXPECT_EQ(b.r64(kCcmd), 0x5000000000000009ull);
  b.w64(kCcmd, 0x2000000000000000ull);  // CIRG global but ICC 0: no command, CAIG unchanged
  EXPECT_EQ(s.inv_context_global, 0u);
  EXPECT_EQ(field(b.r64(kCcmd), 60, 59), 2u);
  b.w64(kCcmd, ccmd(1));
  EXPECT_EQ(s.inv_context_global, 1u);
  EXPECT_EQ(field(b.r64(kCcmd), 60, 59), 1u);
}

uint64_t iotlbCmd(unsigned iirg, uint16_t did = 0) {
  return kIvt | uint64_t(iirg) << kIirgShift | uint64_t(did) << kIotlbDidShift;
}
uint64_t iaig(uint64_t iotlb_reg) { return field(iotlb_reg, 58, 57); }

TEST(RegisterSpecInvalidation, IotlbReportsActualGranularityAndClearsIvt) {
  Bench b;
  b.w64(kDefaultIotlb, iotlbCmd(1));
  EXPECT_EQ(b.r64(kDefaultIotlb), 0x1200000000000000ull);  // IIRG 01, IAIG 01
  b.w64(kDefaultIotlb, iotlbCmd(2, 7));
  EXPECT_EQ(b.r64(kDefaultIotlb), 0x2400000700000000ull);  // IIRG 10, IAIG 10, DID 7
  b.w64(kDefaultIva, 0x12345000);                           // AM 0
  b.w64(kDefaultIotlb, iotlbCmd(3, 7) | kIotlbDw | kIotlbDr);
  EXPECT_EQ(b.r64(kDefaultIotlb), 0x3603000700000000ull);  // IIRG 11, IAIG 11, DR, DW
  b.w64(kDefaultIotlb, iotlbCmd(0, 7));
  EXPECT_EQ(b.r64(kDefaultIotlb), 0x0000000700000000ull);  // reserved request: IAIG 00
  EXPECT_EQ(b.r64(kDefaultIva), 0u);                        // IVA is write-only
}

// FS 6.11: page-selective with AM > MAMV is performed as domain-selective (IAIG 10); AM equal
// to MAMV is still page-selective.
TEST(RegisterSpecInvalidation, PageSelectiveBeyondMamvIsDoneAsDomainSelective) {
  Bench b;  // MAMV 18
  b.w64(kDefaultIva, 0x80000000ull | 18);
  b.w64(kDefaultIotlb, iotlbCmd(3, 1));
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 3u);
  b.w64(kDefaultIva, 0x80000000ull | 19);
  b.w64(kDefaultIotlb, iotlbCmd(3, 1));
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 2u);
  EXPECT_EQ(b.unit.stats().inv_iotlb_page, 1u);
}

// FS 2.1 PSI / 6.11: without CAP.PSI a page-selective request is performed domain-selective.
TEST(RegisterSpecInvalidation, PageSelectiveWithoutPsiIsDoneAsDomainSelective) {
  vtd::UnitParams p;
  p.page_selective_invalidation = false;
  Bench b(p);
  b.w64(kDefaultIva, 0x12345000);
  b.w64(kDefaultIotlb, iotlbCmd(3, 1));
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 2u);
  EXPECT_EQ(field(b.r64(kDefaultIotlb), 63, 63), 0u);
}

// FS 1.3: IOTLB_REG's command runs only on writes covering its upper dword; IVA's halves are
// written separately by 32-bit software and the low half (AM) takes effect.
TEST(RegisterSpecInvalidation, IotlbRunsOnlyOnUpperDwordWrites) {
  Bench b;
  const auto& s = b.unit.stats();
  b.w32(kDefaultIotlb, kOnes32);  // reserved low dword: nothing happens, reads 0
  EXPECT_EQ(s.inv_iotlb_global + s.inv_iotlb_domain + s.inv_iotlb_page, 0u);
  EXPECT_EQ(b.r64(kDefaultIotlb), 0u);
  b.w32(kDefaultIva, 0x00000000 | 19);  // AM 19 > MAMV, via the low half
  b.w32(kDefaultIva + 4, 0x00000001);
  b.w32(kDefaultIotlb + 4, uint32_t(iotlbCmd(3, 2) >> 32));
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 2u);
  EXPECT_EQ(s.inv_iotlb_page_as_domain, 1u);
  b.w32(kDefaultIva, 0);  // AM 0 now
  b.w32(kDefaultIotlb + 4, uint32_t(iotlbCmd(3, 2) >> 32));
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 3u);
  EXPECT_EQ(s.inv_iotlb_page, 1u);
  b.w64(kDefaultIotlb, 1ull << kIirgShift);  // IIRG global without IVT: no command
  EXPECT_EQ(s.inv_iotlb_global, 0u);
  EXPECT_EQ(iaig(b.r64(kDefaultIotlb)), 3u);  // IAIG is RO and keeps the last result
}

// ---------------------------------------------------------------------------------------
// Fault status, recording and the fault event (FS 7.1, 7.2, 7.5).
// ---------------------------------------------------------------------------------------

// Expected FRCD high qword for reason 0x01 from `sid`: F | T (read) | FR | SID (FS 7.2).
uint64_t rootFaultHigh(uint16_t sid, bool write) {
  return kFrcdF | (write ? 0 : kFrcdT) | uint64_t(0x01) << 32 | sid;
}
uint32_t frcdLow(unsigned i) { return kDefaultFrcd + 16 * i; }
uint32_t frcdHigh(unsigned i) { return kDefaultFrcd + 16 * i + 8; }

TEST(RegisterSpecFault, RecordsFillFrcdsAndSetPpfThenPfo) {
  Bench b;
  b.enableOverEmptyRootTable();
  b.dma(0x0100, 0x5123, false);
  EXPECT_EQ(b.r32(kFsts), kPpf);  // FRI 0
  EXPECT_EQ(b.r64(frcdLow(0)), 0x5000u);  // FI = faulting page
  EXPECT_EQ(b.r64(frcdHigh(0)), rootFaultHigh(0x0100, false));
  for (unsigned i = 1; i < kDefaultFaultRecords; ++i) b.dma(0x0100 + i, 0x10000ull * i, true);
  for (unsigned i = 1; i < kDefaultFaultRecords; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(b.r64(frcdLow(i)), 0x10000ull * i);
    EXPECT_EQ(b.r64(frcdHigh(i)), rootFaultHigh(uint16_t(0x0100 + i), true));
    // Linux reads F/T/FR at +12 and SID at +8 as dwords (FS 7.2).
    EXPECT_EQ(b.r32(frcdHigh(i) + 4), uint32_t(rootFaultHigh(0, true) >> 32));
    EXPECT_EQ(b.r32(frcdHigh(i)), 0x0100u + i);
  }
  EXPECT_EQ(b.r32(kFsts), kPpf);
  b.dma(0x0200, 0x7000, false);  // the next record is still occupied: overflow
  EXPECT_EQ(b.r32(kFsts), kPpf | kPfo);
  EXPECT_EQ(b.r64(frcdLow(0)), 0x5000u);  // dropped, not overwritten
}

TEST(RegisterSpecFault, FstsAndFrcdClearOnlyByWritingOne) {
  Bench b;
  b.enableOverEmptyRootTable();
  for (unsigned i = 0; i <= kDefaultFaultRecords; ++i) b.dma(0x0100, 0x10000ull * (i + 1), false);
  ASSERT_EQ(b.r32(kFsts), kPpf | kPfo);

  b.w32(kFsts, 0);  // RW1C written 0: kept
  EXPECT_EQ(b.r32(kFsts), kPpf | kPfo);
  b.w32(kFsts, kPpf | kFriMask);  // PPF and FRI are RO
  EXPECT_EQ(b.r32(kFsts), kPpf | kPfo);

  // FRCD: every field but F is RO; F clears only when written as 1.
  const uint64_t lo = b.r64(frcdLow(0)), hi = b.r64(frcdHigh(0));
  b.w64(frcdLow(0), kOnes64);
  b.w64(frcdHigh(0), ~kFrcdF);
  b.w32(frcdHigh(0) + 4, 0x7FFFFFFF);
  b.w64(frcdHigh(0), 0);
  EXPECT_EQ(b.r64(frcdLow(0)), lo);
  EXPECT_EQ(b.r64(frcdHigh(0)), hi);
  b.w32(frcdHigh(0) + 4, 0x80000000);  // Linux: 1 to bit 31 of the dword at +12
  EXPECT_EQ(b.r64(frcdHigh(0)) & kFrcdF, 0u);
  EXPECT_EQ(b.r32(kFsts) & kPpf, kPpf);  // others still pending

  // While PFO = 1 new faults are not recorded, even though FRCD 0 is free (FS 7.1, 7.5 step 1).
  b.dma(0x0300, 0xABC000, false);
  EXPECT_EQ(b.r64(frcdHigh(0)) & kFrcdF, 0u);
  b.w32(kFsts, kPfo);
  EXPECT_EQ(b.r32(kFsts) & (kPfo | kPpf), kPpf);

  for (unsigned i = 1; i < kDefaultFaultRecords; ++i) b.w64(frcdHigh(i), kFrcdF);
  EXPECT_EQ(b.r32(kFsts) & ~kFriMask, 0u);  // PPF is the OR of the F bits; FRI now invalid

  // The next fault is recorded again and FRI points at its record.
  b.dma(0x0400, 0xDEF000, false);
  EXPECT_EQ(b.r32(kFsts) & (kPfo | kPpf), kPpf);
  const unsigned fri = unsigned(field(b.r32(kFsts), 15, 8));
  ASSERT_LT(fri, kDefaultFaultRecords);
  EXPECT_EQ(b.r64(frcdHigh(fri)), rootFaultHigh(0x0400, false));
  EXPECT_EQ(b.r64(frcdLow(fri)), 0xDEF000u);
}

// FS 7.5: with IM = 1 (reset) a new condition sets IP and holds the message; clearing IM sends
// it to FEUADDR:FEADDR with FEDATA and clears IP. Faults while PPF is already 1 raise nothing.
TEST(RegisterSpecFault, MaskedEventIsHeldUntilImIsCleared) {
  Bench b;
  b.w32(kFedata, 0x4021);
  b.w32(kFeaddr, 0xFEE01000);
  b.enableOverEmptyRootTable();
  b.dma(0x0100, 0x5000, false);
  EXPECT_EQ(b.r32(kFectl), kIm | kIp);
  EXPECT_TRUE(b.sink.messages.empty());
  b.w32(kFectl, 0);
  ASSERT_EQ(b.sink.messages.size(), 1u);
  EXPECT_EQ(b.sink.messages[0].address, 0xFEE01000u);
  EXPECT_EQ(b.sink.messages[0].data, 0x4021u);
  EXPECT_EQ(b.r32(kFectl), 0u);
  b.dma(0x0100, 0x6000, false);  // PPF already 1: not a new condition
  EXPECT_EQ(b.sink.messages.size(), 1u);
  EXPECT_EQ(b.r32(kFectl), 0u);
}

TEST(RegisterSpecFault, UnmaskedEventIsSentAtOnce) {
  Bench b;
  b.w32(kFedata, 0x00AB);
  b.w32(kFeaddr, 0xFEE00000);
  b.w32(kFectl, 0);
  b.enableOverEmptyRootTable();
  b.dma(0x0100, 0x5000, true);
  ASSERT_EQ(b.sink.messages.size(), 1u);
  EXPECT_EQ(b.sink.messages[0].data, 0xABu);
  EXPECT_EQ(b.r32(kFectl), 0u);  // IP cleared when sent
}

// FS 7.5 (DS): IP also clears, without a message, when software clears every status bit
// that caused it. Software cannot set IP itself (FS 1.1: IP is RO).
TEST(RegisterSpecFault, ClearingTheCauseClearsIpWithoutAMessage) {
  Bench b;
  b.w32(kFectl, kIm | kIp);
  EXPECT_EQ(b.r32(kFectl), kIm);
  b.enableOverEmptyRootTable();
  b.dma(0x0100, 0x5000, false);
  ASSERT_EQ(b.r32(kFectl), kIm | kIp);
  b.w32(frcdHigh(0) + 4, 0x80000000);  // PPF -> 0
  EXPECT_EQ(b.r32(kFsts) & kPpf, 0u);
  EXPECT_EQ(b.r32(kFectl), kIm);
  b.w32(kFectl, 0);
  EXPECT_TRUE(b.sink.messages.empty());
}

}  // namespace
