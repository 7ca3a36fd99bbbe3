// The driver checker on interrupt remapping: each diagnostic with the driver mistake that
// causes it and the correct sequence that does not. Stale IEC entries: an IRTE rewritten
// (remapped or posted format, made not present, repaired) without an interrupt-entry-cache
// invalidation (FS 6.5, 8.3, 8.4; VT-d 3.x 6.5.2.7), and index-selective invalidation
// covering exactly the aligned block of 2^IM indexes. Ordering: IRE before SIRTP, and SIRTP
// over a non-empty IEC without the global IEC invalidation (FS 3.1, 9.B.4-6, 9.G.3-5).
// A random driver that always invalidates gets no findings, one that sometimes forgets gets
// findings only for the indexes it forgot, and checking never changes an outcome.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "model/interrupt/interrupt_request.h"
#include "model/interrupt/irte.h"
#include "model/interrupt/posted_descriptor.h"
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr uint64_t kIrt = 0x0030'0000;       // interrupt-remapping table: 256 entries (S = 7)
constexpr uint64_t kIrt2 = 0x0032'0000;      // a second table, for SIRTP
constexpr uint64_t kPid = 0x0031'0000;       // posted-interrupt descriptors, 64 bytes apart
constexpr uint64_t kNoMemory = 0x4000'0000;  // a descriptor address beyond the 64 MiB of memory
const SourceId kDev = SourceId::fromBdf(0, 1, 0);

UnitConfig checkedIr(bool stale = true, bool ordering = true) {
  UnitConfig c;
  c.unit.interrupt_remapping = true;
  c.unit.posted_interrupts = true;
  c.checker.stale = stale;
  c.checker.ordering = ordering;
  return c;
}

// Type 4 (FS 6.5): G bit 4 (1 = index-selective), IM 31:27, IIDX 47:32.
qi::Desc iecDesc(bool index, uint16_t iidx = 0, unsigned im = 0) {
  return {0x4 | (index ? 1ull << 4 : 0) | uint64_t(im) << 27 | uint64_t(iidx) << 32, 0};
}

class IrChecker : public qi::QueueTest {
 protected:
  void SetUp() override { setUpWith(checkedIr()); }

  void latchTable(uint64_t table, unsigned s = 7, bool eime = false) {
    write64(IRTA, table | (eime ? 1ull << 11 : 0) | s);
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::SIRTP);
  }
  void invalidateIec(const qi::Desc& d) { submit({d, qi::waitDesc(false, false)}); }
  // The Linux order (FS 9.B.4-6): IRTA, SIRTP, global IEC invalidation, IRE.
  void enableIr(uint64_t table = kIrt) {
    latchTable(table);
    invalidateIec(iecDesc(false));
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  }
  void setIrte(uint32_t index, const IrteRaw& r, uint64_t table = kIrt) {
    sys->memory.write64(table + 16 * index, r.lo);
    sys->memory.write64(table + 16 * index + 8, r.hi);
  }
  void setRemapped(uint32_t index, uint8_t vector, uint32_t dest, uint64_t table = kIrt) {
    RemappedIrteFields f;
    f.vector = vector;
    f.destination = dest;
    setIrte(index, encodeRemappedIrte(f, false), table);
  }
  void setPosted(uint32_t index, uint8_t vector, uint64_t descriptor) {
    PostedIrteFields f;
    f.vector = vector;
    f.descriptor = descriptor;
    setIrte(index, encodePostedIrte(f));
  }
  InterruptResult msi(uint16_t handle, SourceId sid = kDev, bool shv = false, uint16_t sub = 0) {
    const MsiMessage m = encodeRemappableRequest(handle, shv, sub);
    return unit().remapInterrupt(MsiRequest{sid, m.address, m.data});
  }
  const DiagnosticLog& log() { return unit().diagnostics(); }
  uint64_t count(DiagnosticKind k) { return log().count(k); }
  uint64_t stale() { return count(DiagnosticKind::StaleInterruptEntry); }
  std::string lastText() { return log().kept().empty() ? "" : log().kept().back().text; }
  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

// FS 6.5: type-4 descriptors are recorded with their scope, numbered by interrupt request,
// for the reports to name; DMA-side records never cover an IRTE.
TEST_F(IrChecker, IecInvalidationsAreRecordedWithTheirScope) {
  enableIr();
  msi(5);
  invalidateIec(iecDesc(true, 8, 2));
  const InvalidationHistory& h = unit().invalidationHistory();
  auto r = h.lastCoveringInterruptEntry(11);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->describe(), "interrupt-entry-cache index 0x8 IM 2 (queued)");
  EXPECT_EQ(r->sequence, 1u) << "after the first interrupt request";
  r = h.lastCoveringInterruptEntry(12);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->describe(), "interrupt-entry-cache global (queued)") << "the one of enableIr";
  EXPECT_EQ(r->sequence, 0u);
  submit({qi::iotlbDesc(kGranGlobal), qi::ccDesc(kGranGlobal), qi::waitDesc(false, false)});
  EXPECT_EQ(h.lastCoveringInterruptEntry(12)->sequence, 0u);
}

// Off by default: the old IRTE is used silently, as on hardware.
TEST_F(IrChecker, OffByDefaultTheCachedIrteIsUsedSilently) {
  setUpWith(checkedIr(false, false));
  setRemapped(5, 0x61, 2);
  enableIr();
  msi(5);
  setRemapped(5, 0x62, 2);
  EXPECT_EQ(msi(5).data & 0xFF, 0x61u);
  EXPECT_EQ(log().total(), 0u);
}

// FS 6.5, 8.3: a rewritten remapped-format IRTE needs an IEC invalidation of its index.
TEST_F(IrChecker, RewrittenIrteWithoutInvalidationIsAStaleInterruptEntry) {
  setRemapped(5, 0x61, 2);
  setRemapped(6, 0x70, 1);
  enableIr();
  msi(5);
  msi(6);
  setRemapped(6, 0x71, 1);  // the correct sequence: rewrite, invalidate the index, interrupt
  invalidateIec(iecDesc(true, 6));
  EXPECT_EQ(msi(6).data & 0xFF, 0x71u);
  EXPECT_EQ(log().total(), 0u) << lastText();

  setRemapped(5, 0x62, 3);  // the mistake: no invalidation
  const InterruptResult r = msi(5);
  EXPECT_EQ(r.data & 0xFF, 0x61u) << "the checker observes; the cached IRTE is still used";
  ASSERT_EQ(stale(), 1u);
  const std::string text = lastText();
  EXPECT_TRUE(
      has(text, "stale interrupt-entry-cache entry for index 0x5 (handle 0x5) from 00:01.0"))
      << text;
  EXPECT_TRUE(has(text, "cached vector 0x61 to APIC 0x2 (physical, fixed, edge, RH 0)")) << text;
  EXPECT_TRUE(has(text, "memory vector 0x62 to APIC 0x3 (physical, fixed, edge, RH 0)")) << text;
  EXPECT_TRUE(has(text,
                  "last covering invalidation: interrupt-entry-cache global (queued) after "
                  "interrupt request #0, "
                  "none since the entry was cached at interrupt request #1"))
      << text;
  EXPECT_EQ(log().kept().back().sequence, 4u) << "the fourth interrupt request";

  invalidateIec(iecDesc(true, 5));
  EXPECT_EQ(msi(5).data & 0xFF, 0x62u);
  EXPECT_EQ(stale(), 1u) << "after the index invalidation nothing is stale";
}

// FS 6.5: index-selective invalidation covers the 2^IM indexes from IIDX (aligned to 2^IM),
// nothing outside them; a subhandle adds to the handle (FS 8.1).
TEST_F(IrChecker, IndexInvalidationCoversTheAlignedBlockOnly) {
  setRemapped(10, 0x40, 1);
  enableIr();
  msi(8, kDev, true, 2);  // index 10 = handle 8 + subhandle 2
  setRemapped(10, 0x41, 1);
  invalidateIec(iecDesc(true, 8, 1));  // 8-9: does not cover 10
  msi(8, kDev, true, 2);
  ASSERT_EQ(stale(), 1u);
  std::string text = lastText();
  EXPECT_TRUE(has(text, "index 0xa (handle 0x8 + subhandle 0x2)")) << text;
  EXPECT_TRUE(has(text, "last covering invalidation: interrupt-entry-cache global (queued)"))
      << text;

  invalidateIec(iecDesc(true, 12, 2));  // 12-15: does not cover 10 either
  msi(8, kDev, true, 2);
  EXPECT_EQ(stale(), 2u);
  invalidateIec(iecDesc(true, 8, 3));  // 8-15 covers it
  EXPECT_EQ(msi(8, kDev, true, 2).data & 0xFF, 0x41u);
  EXPECT_EQ(stale(), 2u);

  setRemapped(10, 0x42, 1);
  msi(8, kDev, true, 2);
  ASSERT_EQ(stale(), 3u);
  text = lastText();
  EXPECT_TRUE(has(
      text,
      "last covering invalidation: interrupt-entry-cache index 0x8 IM 3 (queued) after interrupt "
      "request #3, none since the entry was cached at interrupt request #4"))
      << text;
}

// FS 8.4: a posted-format IRTE moved to another descriptor (a vCPU migrated) or switched
// back to remapped format needs the same invalidation; meanwhile the posting goes to the
// old descriptor. The descriptor itself is read at every posting, so changing it needs none.
TEST_F(IrChecker, PostedIrteChangesAreStale) {
  PostedDescriptor d;
  d.setNv(0xF2);
  d.write(sys->memory, kPid);
  d.write(sys->memory, kPid + 64);
  setPosted(7, 0x55, kPid);
  enableIr();
  ASSERT_TRUE(msi(7).posted);
  d.setSn(true);  // the descriptor changes: not cached, nothing to report
  d.write(sys->memory, kPid);
  msi(7);
  EXPECT_EQ(log().total(), 0u) << lastText();

  setPosted(7, 0x55, kPid + 64);
  msi(7);
  ASSERT_EQ(stale(), 1u);
  EXPECT_TRUE(has(lastText(),
                  "cached posted vector 0x55 into descriptor 0x310000, "
                  "memory posted vector 0x55 into descriptor 0x310040"))
      << lastText();
  d.read(sys->memory, kPid + 64);
  EXPECT_FALSE(d.pir(0x55)) << "the new descriptor was not posted to";

  invalidateIec(iecDesc(true, 7));
  msi(7);
  EXPECT_EQ(stale(), 1u);
  d.read(sys->memory, kPid + 64);
  EXPECT_TRUE(d.pir(0x55));

  setRemapped(7, 0x33, 0);  // back to remapped format, not invalidated
  EXPECT_TRUE(msi(7).posted);
  ASSERT_EQ(stale(), 2u);
  EXPECT_TRUE(
      has(lastText(),
          "cached posted vector 0x55 into descriptor 0x310040, memory vector 0x33 to APIC 0x0"))
      << lastText();
}

// FS 8.3, 7.4: memory now faults (P cleared: 0x22) while the cache still delivers; and the
// other way round, a cached entry that fails the source check (0x26) after the driver
// fixed SID in memory. FPD decides whether a qualified fault is recorded, so it counts.
TEST_F(IrChecker, FaultingOnOneSideIsStale) {
  setRemapped(3, 0x50, 1);
  RemappedIrteFields f;
  f.vector = 0x51;
  f.svt = SourceValidation::RequesterId;
  f.sid = SourceId::fromBdf(0, 2, 0).value;  // not kDev
  setIrte(4, encodeRemappedIrte(f, false));
  enableIr();
  msi(3);
  EXPECT_EQ(msi(4).reason, FaultReason::IrSourceCheckFailed);  // cached all the same

  setIrte(3, IrteRaw{});  // the driver frees the IRTE and forgets the invalidation
  EXPECT_TRUE(msi(3).ok);
  ASSERT_EQ(stale(), 1u);
  EXPECT_TRUE(has(lastText(), "cached vector 0x50 to APIC 0x1")) << lastText();
  EXPECT_TRUE(has(lastText(), "memory fault 0x22")) << lastText();

  f.fpd = true;  // same verdict for kDev, but the fault would no longer be recorded
  setIrte(4, encodeRemappedIrte(f, false));
  EXPECT_TRUE(msi(4).fault_recorded);
  ASSERT_EQ(stale(), 2u);
  EXPECT_TRUE(has(lastText(), "cached fault 0x26")) << lastText();
  EXPECT_TRUE(has(lastText(), "with FPD: not recorded")) << lastText();

  f.fpd = false;
  f.sid = kDev.value;  // the driver repairs SID
  setIrte(4, encodeRemappedIrte(f, false));
  EXPECT_FALSE(msi(4).ok);
  ASSERT_EQ(stale(), 3u);
  EXPECT_TRUE(has(lastText(), "memory vector 0x51")) << lastText();
  invalidateIec(iecDesc(false));
  EXPECT_TRUE(msi(3).reason == FaultReason::IrEntryNotPresent && msi(4).ok);
  EXPECT_EQ(stale(), 3u);
}

// FS 3.1, 9.B.4-6: IRE before SIRTP.
TEST_F(IrChecker, InterruptRemappingEnabledBeforeSirtp) {
  setUpWith(checkedIr(false, true));
  write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  ASSERT_EQ(count(DiagnosticKind::InterruptRemappingWithoutTable), 1u);
  EXPECT_TRUE(has(lastText(), "GCMD.IRE set before GCMD.SIRTP")) << lastText();

  setUpWith(checkedIr(false, true));
  enableIr();
  write32(GCMD,
          read32(GSTS) & qi::kRecipe & ~gcmd::IRE);  // off and on again: the table stays latched
  write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  EXPECT_EQ(log().total(), 0u) << lastText();
}

// FS 3.1: SIRTP over a non-empty IEC, then an interrupt before the global IEC invalidation
// (an index-selective one does not do). Over an empty IEC nothing can be stale.
TEST_F(IrChecker, SirtpWithoutGlobalIecInvalidationBeforeAnInterrupt) {
  setUpWith(checkedIr(false, true));
  latchTable(kIrt);  // at boot the IEC is empty: the global invalidation is not yet owed
  write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  setRemapped(5, 0x61, 2);
  setRemapped(5, 0x91, 2, kIrt2);
  msi(5);
  EXPECT_EQ(log().total(), 0u) << lastText();

  latchTable(kIrt2);
  invalidateIec(iecDesc(true, 5));
  msi(5);
  msi(5);
  ASSERT_EQ(count(DiagnosticKind::NoGlobalIecInvalidationAfterSirtp), 1u) << "once per SIRTP";
  EXPECT_TRUE(has(lastText(), "after GCMD.SIRTP (after interrupt request #1)")) << lastText();

  latchTable(kIrt);  // the correct sequence
  invalidateIec(iecDesc(false));
  EXPECT_EQ(msi(5).data & 0xFF, 0x61u);
  EXPECT_EQ(count(DiagnosticKind::NoGlobalIecInvalidationAfterSirtp), 1u);
}

// With both checks on, the stale check names the entry the SIRTP left behind.
TEST_F(IrChecker, SirtpLeavesStaleEntriesOfTheOldTable) {
  setRemapped(5, 0x61, 2);
  setRemapped(5, 0x91, 4, kIrt2);
  enableIr();
  msi(5);
  latchTable(kIrt2);
  EXPECT_EQ(msi(5).data & 0xFF, 0x61u);
  EXPECT_EQ(count(DiagnosticKind::NoGlobalIecInvalidationAfterSirtp), 1u);
  ASSERT_EQ(stale(), 1u);
  EXPECT_TRUE(has(lastText(), "memory vector 0x91 to APIC 0x4")) << lastText();
}

// checker.* counters appear in the statistics with the other checker kinds.
TEST_F(IrChecker, CountersAreNamedLikeTheOthers) {
  EXPECT_STREQ(diagnosticName(DiagnosticKind::StaleInterruptEntry), "stale_interrupt_entry");
  EXPECT_STREQ(diagnosticName(DiagnosticKind::InterruptRemappingWithoutTable),
               "ire_without_interrupt_table");
  EXPECT_STREQ(diagnosticName(DiagnosticKind::NoGlobalIecInvalidationAfterSirtp),
               "sirtp_without_global_iec_invalidation");
}

// --- A random driver ------------------------------------------------------------------

struct Outcome {
  bool ok, send, posted, recorded;
  FaultReason reason;
  uint64_t address;
  uint32_t data;
  bool operator==(const Outcome& o) const {
    return std::tie(ok, send, posted, recorded, reason, address, data) ==
           std::tie(o.ok, o.send, o.posted, o.recorded, o.reason, o.address, o.data);
  }
};

struct RoundResult {
  std::vector<Outcome> outcomes;
  uint64_t memory_writes = 0, stale = 0, sirtp = 0, iec_hits = 0, misattributed = 0;
};

class RandomIrDriver : public IrChecker {
 protected:
  static constexpr unsigned kEntries = 64;  // IRTA.S = 5

  // `forget`: percent of IRTE edits and SIRTPs not followed by their invalidation.
  RoundResult run(uint64_t seed, bool checker, unsigned forget) {
    std::mt19937_64 rng(seed);
    auto below = [&](uint64_t n) { return rng() % n; };
    UnitConfig c = checkedIr(checker, checker);
    c.unit.extended_interrupt_mode = below(2);
    c.interrupt_cache.entries = 16;
    c.interrupt_cache.ways = unsigned(below(3)) * 2;  // full, 2- or 4-way: evictions and refills
    setUpWith(c);
    const bool eime = c.unit.extended_interrupt_mode;
    const SourceId sids[] = {kDev, SourceId::fromBdf(0, 1, 3), SourceId::fromBdf(0, 2, 0),
                             SourceId::fromBdf(1, 0, 0)};
    uint64_t table = kIrt;
    std::set<uint32_t> dirty;  // indexes whose IRTE changed since an invalidation covered them

    auto randomIrte = [&]() {
      const uint16_t sid = sids[below(4)].value;
      const auto svt = SourceValidation(below(10) == 0 ? 3 : below(3));
      IrteRaw r;
      if (below(3) == 0) {
        PostedIrteFields f;
        f.vector = uint8_t(0x40 + below(4));
        f.descriptor = below(8) == 0 ? kNoMemory : kPid + 64 * below(3);  // 0x27 at every posting
        f.urgent = below(4) == 0;
        f.sid = svt == SourceValidation::BusRange ? uint16_t(below(2) * 0x0101) : sid;
        f.sq = uint8_t(below(4));
        f.svt = svt;
        f.fpd = below(2);
        r = encodePostedIrte(f);
      } else {
        RemappedIrteFields f;
        f.vector = uint8_t(0x30 + below(4));
        f.destination = uint32_t(below(3));
        f.dm = below(4) == 0;
        f.dlm = below(4) == 0 ? 1 : 0;
        f.avail = uint8_t(below(16));
        f.sid = svt == SourceValidation::BusRange ? uint16_t(below(2) * 0x0101) : sid;
        f.sq = uint8_t(below(4));
        f.svt = svt;
        f.fpd = below(2);
        r = encodeRemappedIrte(f, eime);
      }
      if (below(8) == 0) r.lo &= ~1ull;        // not present
      if (below(16) == 0) r.lo |= 1ull << 12;  // reserved in both formats (FS 8.3, 8.4)
      return r;
    };
    // Index-selective over the aligned 2^IM block holding `index` (random IM), or global.
    auto invalidateCovering = [&](uint32_t index) {
      if (below(6) == 0) {
        invalidateIec(iecDesc(false));
        dirty.clear();
        return;
      }
      const unsigned im = unsigned(below(4));
      const uint32_t block = index & ~((1u << im) - 1);
      invalidateIec(iecDesc(true, uint16_t(block), im));
      for (uint32_t i = block; i < block + (1u << im); ++i) dirty.erase(i);
    };

    for (uint64_t t : {kIrt, kIrt2})
      for (uint32_t i = 0; i < kEntries; ++i) setIrte(i, randomIrte(), t);
    PostedDescriptor d;
    d.setNv(0xF2);
    for (uint64_t i = 0; i < 3; ++i) d.write(sys->memory, kPid + 64 * i);
    latchTable(table, 5, eime);
    invalidateIec(iecDesc(false));
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);

    RoundResult out;
    for (unsigned step = 0; step < 3000; ++step) {
      const unsigned action = unsigned(below(100));
      if (action <
          75) {  // an interrupt: mostly to a hot set, sometimes with a subhandle or out of range
        const uint32_t index = uint32_t(below(2) ? below(12) : below(kEntries + 4));
        const bool shv = below(3) == 0;
        const uint16_t sub = shv ? uint16_t(below(index + 1)) : 0;
        const uint64_t before = stale();
        const InterruptResult r = msi(uint16_t(index - sub), sids[below(4)], shv, sub);
        out.outcomes.push_back(
            {r.ok, r.send, r.posted, r.fault_recorded, r.reason, r.address, r.data});
        if (stale() != before && !dirty.count(index)) ++out.misattributed;
        out.iec_hits += r.cost.iec_hits;
      } else if (action < 93) {  // the driver edits an IRTE, then invalidates its index
        const uint32_t index = uint32_t(below(kEntries));
        setIrte(index, randomIrte(), table);
        dirty.insert(index);
        if (below(100) >= forget) invalidateCovering(index);
      } else if (action < 97) {  // a descriptor changes (vCPU state): nothing to invalidate
        d.qw = {};
        d.setNv(uint8_t(0xF0 + below(4)));
        d.setSn(below(2));
        d.write(sys->memory, kPid + 64 * below(3));
      } else {  // the table moves (SIRTP), then the global invalidation (FS 3.1)
        table = table == kIrt ? kIrt2 : kIrt;
        latchTable(table, 5, eime);
        for (uint32_t i = 0; i < kEntries; ++i) dirty.insert(i);
        if (below(100) >= forget) {
          invalidateIec(iecDesc(false));
          dirty.clear();
        }
      }
    }
    out.memory_writes = sys->memory.writeCount();
    out.stale = stale();
    out.sirtp = count(DiagnosticKind::NoGlobalIecInvalidationAfterSirtp);
    EXPECT_EQ(log().total(), out.stale + out.sirtp) << "no other kind applies here";
    return out;
  }
};

// A driver that always invalidates gets no findings; one that forgets gets findings, each
// for an index it did forget; and checking changes no outcome and writes no memory.
TEST_F(RandomIrDriver, FindingsOnlyWhereTheDriverForgotAnInvalidation) {
  uint64_t hits = 0, forgotten_stale = 0, forgotten_sirtp = 0;
  for (uint64_t seed = 0x1EC0; seed < 0x1EC0 + 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const RoundResult off = run(seed, false, 0);
    const RoundResult clean = run(seed, true, 0);
    EXPECT_EQ(clean.stale + clean.sirtp, 0u) << lastText();
    EXPECT_TRUE(clean.outcomes == off.outcomes) << "checking changed an outcome";
    EXPECT_EQ(clean.memory_writes, off.memory_writes) << "the checker wrote guest memory";
    hits += clean.iec_hits;

    const RoundResult careless = run(seed, true, 30);
    EXPECT_EQ(careless.misattributed, 0u)
        << "a finding for an index the driver had invalidated: " << lastText();
    forgotten_stale += careless.stale;
    forgotten_sirtp += careless.sirtp;
  }
  EXPECT_GT(hits, 2000u) << "the generator must exercise the IEC";
  EXPECT_GT(forgotten_stale, 50u);
  EXPECT_GT(forgotten_sirtp, 0u);
  std::printf(
      "[ checker ] %llu IEC hits checked clean; careless driver: %llu stale entries, %llu SIRTP "
      "findings\n",
      (unsigned long long)hits, (unsigned long long)forgotten_stale,
      (unsigned long long)forgotten_sirtp);
}

}  // namespace
}  // namespace vtd::test
