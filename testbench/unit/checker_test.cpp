// The driver checker (checker.stale, checker.ordering): one test per diagnostic, each with
// the driver mistake that causes it and the correct sequence that does not (VT-d 3.x 6.5
// invalidation obligations, 6.1 caching mode; FS 3.1, 6.3, 9.B-9.E). The checker observes
// only: with it on, every request's outcome is the same as with it off.
#include <gtest/gtest.h>

#include "model/common/param_registry.h"
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);
constexpr SourceId kOther = SourceId::fromBdf(0, 5, 0);
constexpr uint16_t kDid = 7;

UnitConfig checking(bool stale = true, bool ordering = true) {
  UnitConfig c;
  c.checker.stale = stale;
  c.checker.ordering = ordering;
  return c;
}

class Checker : public UnitTest {
 protected:
  void setUp(UnitConfig c = checking()) {
    build(c);
    top_ = tables->newPage();
    tables->setContext(kDev, top_, 4, kDid);
    tables->setContext(kOther, top_, 4, kDid);
    for (uint64_t p = 0; p < 8; ++p) tables->map(top_, 4, p << 12, 0x0200'0000 + (p << 12), PageSize::Size4K);
    enableTranslation();
  }
  uint64_t iotlbInv(unsigned iirg, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0) {
    write64(ivaOffset(), addr | am);
    write64(iotlbRegOffset(), iotlb::IVT | uint64_t(iirg) << 60 | uint64_t(did) << 32);
    return read64(iotlbRegOffset());
  }
  void ccmd(unsigned cirg, uint16_t did = 0, uint16_t sid = 0) {
    write64(CCMD, ccmd::ICC | uint64_t(cirg) << 61 | uint64_t(sid) << 16 | did);
  }
  uint64_t pte(uint64_t iova) { return tables->entryAddress(top_, 4, iova, 1); }
  const DiagnosticLog& log() { return unit().diagnostics(); }
  uint64_t count(DiagnosticKind k) { return log().count(k); }
  std::string lastText() { return log().kept().empty() ? "" : log().kept().back().text; }
  std::string textOf(DiagnosticKind k) {
    for (auto it = log().kept().rbegin(); it != log().kept().rend(); ++it)
      if (it->kind == k) return it->text;
    return "";
  }
  uint64_t top_ = 0;
};

// Off by default: a missed invalidation is used silently, as on hardware.
TEST_F(Checker, OffByDefaultNothingIsReported) {
  setUp(UnitConfig{});
  dmaRead(kDev, 0x1000);
  sys->memory.write64(pte(0x1000), 0x0300'1000 | kPermRW);
  EXPECT_EQ(dmaRead(kDev, 0x1000).output, 0x0200'1000u) << "the stale entry is used";
  EXPECT_EQ(log().total(), 0u);
}

// VT-d 3.x 6.5: a changed present leaf needs a page-selective (or wider) IOTLB invalidation.
TEST_F(Checker, RemappedPageWithoutInvalidationIsAStaleIotlbEntry) {
  setUp();
  dmaRead(kDev, 0x1000);
  sys->memory.write64(pte(0x1000), 0x0300'1000 | kPermRW);
  const Translation t = dmaRead(kDev, 0x1040);
  EXPECT_EQ(t.output, 0x0200'1040u) << "the checker observes; the cached translation is still used";
  ASSERT_EQ(count(DiagnosticKind::StaleIotlbEntry), 1u);
  const std::string text = lastText();
  EXPECT_NE(text.find("stale IOTLB entry DID 7 from 00:04.0 IOVA 0x1040 (read)"), std::string::npos) << text;
  EXPECT_NE(text.find("cached 0x2001040 (4K page, RW)"), std::string::npos) << text;
  EXPECT_NE(text.find("memory 0x3001040 (4K page, RW)"), std::string::npos) << text;
  EXPECT_NE(text.find("no invalidation has covered it since reset"), std::string::npos) << text;
  EXPECT_EQ(log().kept().back().sequence, 2u) << "the second DMA request";

  iotlbInv(kGranSelective, kDid + 1, 0x1000);  // the wrong domain: still stale
  dmaRead(kDev, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::StaleIotlbEntry), 2u);
  iotlbInv(kGranSelective, kDid, 0x1000);
  EXPECT_EQ(dmaRead(kDev, 0x1000).output, 0x0300'1000u);
  EXPECT_EQ(count(DiagnosticKind::StaleIotlbEntry), 2u) << "after the right invalidation nothing is stale";
}

// Unmapping without invalidation: memory now faults (0x6), the IOTLB still translates. The
// report names the last invalidation that covered the entry (before it was filled).
TEST_F(Checker, UnmapWithoutInvalidationNamesTheLastCoveringInvalidation) {
  setUp();
  iotlbInv(kGranDomain, kDid);
  dmaRead(kDev, 0x2000);
  sys->memory.write64(pte(0x2000), 0);
  dmaWrite(kDev, 0x2000);
  ASSERT_EQ(count(DiagnosticKind::StaleIotlbEntry), 1u);
  const std::string text = lastText();
  EXPECT_NE(text.find("memory fault 0x5"), std::string::npos) << text;
  EXPECT_NE(text.find("last covering invalidation: IOTLB domain DID 7 (register) after DMA request #0"),
            std::string::npos)
      << text;
}

// A narrower permission in memory is also stale: the cached RW would let a write through.
TEST_F(Checker, ReducedPermissionsAreStale) {
  setUp();
  dmaRead(kDev, 0x3000);
  sys->memory.write64(pte(0x3000), 0x0200'3000 | kPermRead);
  dmaRead(kDev, 0x3000);
  ASSERT_EQ(count(DiagnosticKind::StaleIotlbEntry), 1u);
  EXPECT_NE(lastText().find("memory 0x2003000 (4K page, R-)"), std::string::npos) << lastText();
}

// VT-d 3.x 6.5.1.1: a changed context entry needs a context-cache invalidation.
TEST_F(Checker, ChangedContextEntryWithoutInvalidationIsAStaleContextEntry) {
  setUp();
  dmaRead(kDev, 0x1000);
  const uint64_t other_top = tables->newPage();
  tables->map(other_top, 4, 0x1000, 0x0400'1000, PageSize::Size4K);
  tables->setContext(kDev, other_top, 4, kDid + 1);
  iotlbInv(kGranGlobal);  // IOTLB flushed, context cache forgotten
  dmaRead(kDev, 0x1000);
  ASSERT_EQ(count(DiagnosticKind::StaleContextEntry), 1u);
  EXPECT_EQ(count(DiagnosticKind::StaleIotlbEntry), 0u);
  const std::string text = lastText();
  EXPECT_NE(text.find("cached entry: DID 7, second-level, 4-level table"), std::string::npos) << text;
  EXPECT_NE(text.find("in memory: DID 8"), std::string::npos) << text;
  EXPECT_NE(text.find("memory 0x4001000"), std::string::npos) << text;
  ccmd(kGranSelective, 0, kDev.value);
  iotlbInv(kGranDomain, kDid + 1);
  EXPECT_EQ(dmaRead(kDev, 0x1000).output, 0x0400'1000u);
  EXPECT_EQ(log().total(), 1u);
}

// FS 6.3: a changed non-leaf entry needs an invalidation without IH; a PDE-cache hit
// walks the old page table.
TEST_F(Checker, ChangedPageTablePointerIsAStalePagingStructureEntry) {
  setUp();
  dmaRead(kDev, 0x1000);  // fills the PDE cache (and others) and the IOTLB for 0x1000
  const uint64_t new_pt = tables->newPage();
  sys->memory.write64(new_pt + 8 * 6, 0x0500'6000 | kPermRW);
  sys->memory.write64(tables->entryAddress(top_, 4, 0x6000, 2), new_pt | kPermRW);
  iotlbInv(kGranSelective, kDid, 0x6000);  // with IH=0 this would clear the PDE entry ...
  dmaRead(kDev, 0x6000);
  EXPECT_EQ(count(DiagnosticKind::StalePagingStructureEntry), 0u) << "... and it did";

  dmaRead(kDev, 0x7000);  // refills the PDE cache from the new table
  const uint64_t newer_pt = tables->newPage();
  sys->memory.write64(newer_pt + 8 * 5, 0x0600'5000 | kPermRW);
  sys->memory.write64(tables->entryAddress(top_, 4, 0x5000, 2), newer_pt | kPermRW);
  write64(ivaOffset(), 0x7000 | iva::IH);  // IH=1: leaves only, the PDE entry stays
  write64(iotlbRegOffset(), iotlb::IVT | uint64_t(kGranSelective) << 60 | uint64_t(kDid) << 32);
  const Translation t = dmaRead(kDev, 0x5000);
  EXPECT_EQ(t.cost.psc_hit_level, 2u);
  ASSERT_EQ(count(DiagnosticKind::StalePagingStructureEntry), 1u);
  const std::string text = lastText();
  EXPECT_NE(text.find("stale paging-structure-cache entry (PDE cache) DID 7"), std::string::npos) << text;
  EXPECT_NE(text.find("memory 0x6005000"), std::string::npos) << text;
  EXPECT_NE(text.find("last covering invalidation: IOTLB page-selective DID 7 0x6000 AM 0 (register)"),
            std::string::npos)
      << "the IH=1 invalidation does not cover a paging-structure entry: " << text;
}

// CAP.CM=1 (VT-d 3.x 6.1): mapping a page needs an invalidation because the unit may have
// cached the not-present entry.
TEST_F(Checker, CachingModeMapWithoutInvalidationIsStale) {
  UnitConfig c = checking();
  c.unit.caching_mode = true;
  setUp(c);
  sys->memory.write64(pte(0x4000), 0);
  EXPECT_FALSE(dmaRead(kDev, 0x4000).ok());  // caches the not-present entry
  sys->memory.write64(pte(0x4000), 0x0200'4000 | kPermRW);
  EXPECT_FALSE(dmaRead(kDev, 0x4000).ok());
  ASSERT_EQ(count(DiagnosticKind::StaleIotlbEntry), 1u);
  EXPECT_NE(lastText().find("cached fault 0x6"), std::string::npos) << lastText();
  EXPECT_NE(lastText().find("memory 0x2004000"), std::string::npos) << lastText();
}

// A driver that invalidates after every change, through the queue, gets no findings.
class CheckedQueue : public qi::QueueTest {};

TEST_F(CheckedQueue, CorrectQueuedInvalidationGivesNoFindings) {
  setUpWith(checking());
  warm();
  const SourceId dev = SourceId::fromBdf(0, 1, 0);
  const uint64_t top = sys->memory.read64(tables->contextEntryAddress(dev)) & ~0xFFFull;
  sys->memory.write64(tables->entryAddress(top, 4, 0x3000, 1), 0x0070'3000 | kPermRW);
  submit({qi::iotlbDesc(kGranSelective, 1, 0x3000, 0), qi::waitDesc(false, false)});
  EXPECT_EQ(dmaRead(dev, 0x3000).output, 0x0070'3000u);
  for (uint64_t p = 0; p < 16; ++p) dmaRead(dev, p << 12);
  EXPECT_EQ(unit().diagnostics().total(), 0u);
  const auto covering = unit().invalidationHistory().lastCoveringIotlb(1, 0x3000, 4096);
  ASSERT_TRUE(covering.has_value());
  EXPECT_TRUE(covering->queued);
}

// FS 9.B.2: QIE cleared while descriptors wait (here: behind an IQE-stopped descriptor).
TEST_F(CheckedQueue, QueueDisabledWithPendingDescriptors) {
  setUpWith(checking(false, true));
  submit({qi::Desc{0xF, 0}, qi::waitDesc(false, false)});  // type 0xF: IQE, fetching stops
  disableQi();
  EXPECT_EQ(unit().diagnostics().count(DiagnosticKind::QueueDisabledNotEmpty), 1u);
}

// FS 3.1, 9.D: TE before SRTP.
TEST_F(Checker, TranslationEnabledBeforeRootTable) {
  build(checking(false, true));
  write32(GCMD, gcmd::TE);
  EXPECT_EQ(count(DiagnosticKind::TranslationEnabledWithoutRootTable), 1u);
  EXPECT_NE(lastText().find("GCMD.TE set before GCMD.SRTP"), std::string::npos);
}

// FS 3.1, 9.C.5: SRTP over cached entries, then DMA before the global invalidations.
TEST_F(Checker, SrtpWithoutGlobalInvalidationsBeforeDma) {
  setUp(checking(false, true));
  dmaRead(kDev, 0x1000);
  write32(GCMD, gcmd::TE | gcmd::SRTP);  // TE kept on, root table latched again
  ccmd(kGranGlobal);                      // context cache only
  dmaRead(kDev, 0x1000);
  dmaRead(kDev, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::NoGlobalInvalidationAfterSrtp), 1u) << "once per SRTP";
  const std::string text = textOf(DiagnosticKind::NoGlobalInvalidationAfterSrtp);
  EXPECT_NE(text.find("before a global IOTLB invalidation"), std::string::npos) << text;

  write32(GCMD, gcmd::TE | gcmd::SRTP);
  ccmd(kGranGlobal);
  iotlbInv(kGranGlobal);
  dmaRead(kDev, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::NoGlobalInvalidationAfterSrtp), 1u) << "the Linux sequence is clean";
}

// VT-d 3.x 6.5.1.1: a context-cache invalidation followed by DMA before any IOTLB flush.
TEST_F(Checker, ContextInvalidationWithoutIotlbInvalidation) {
  setUp(checking(false, true));
  dmaRead(kDev, 0x1000);
  dmaRead(kOther, 0x1000);
  ccmd(kGranSelective, kDid, kDev.value);
  dmaRead(kOther, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::ContextInvalidationWithoutIotlb), 0u) << "another device";
  dmaRead(kDev, 0x1000);
  ASSERT_EQ(count(DiagnosticKind::ContextInvalidationWithoutIotlb), 1u);
  EXPECT_NE(lastText().find("context-cache device 00:04.0 FM 0 (register)"), std::string::npos) << lastText();

  ccmd(kGranSelective, kDid, kDev.value);
  iotlbInv(kGranDomain, kDid);
  dmaRead(kDev, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::ContextInvalidationWithoutIotlb), 1u);
}

// VT-d 3.x 6.5.2: register-based invalidation while QI is on; FS 9.B.2: QIE with IQT != 0.
TEST_F(Checker, RegisterInvalidationWhileQueuedAndQueueEnabledNotEmpty) {
  build(checking(false, true));
  write64(0x88, 0x20);  // IQT before enabling
  write64(0x90, 0x0060'0000);
  write32(GCMD, gcmd::QIE);
  EXPECT_EQ(count(DiagnosticKind::QueueEnabledNotEmpty), 1u);
  EXPECT_NE(lastText().find("IQT = 32 (bytes)"), std::string::npos) << lastText();
  ccmd(kGranGlobal);
  iotlbInv(kGranGlobal);
  EXPECT_EQ(count(DiagnosticKind::RegisterInvalidationWhileQueued), 2u);
}

// The log's sink gets the first max_reports findings and one note; counters get all.
TEST_F(Checker, ReportLimitKeepsCounting) {
  UnitConfig c = checking();
  c.checker.max_reports = 2;
  setUp(c);
  std::vector<std::string> lines;
  unit().diagnostics().setSink([&](const Diagnostic& d) { lines.push_back(d.text); });
  dmaRead(kDev, 0x1000);
  sys->memory.write64(pte(0x1000), 0);
  for (int i = 0; i < 5; ++i) dmaRead(kDev, 0x1000);
  EXPECT_EQ(count(DiagnosticKind::StaleIotlbEntry), 5u);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[2].find("report limit reached"), std::string::npos);
}

// checker.* are ordinary parameters (docs/params.md); checker.log takes any text.
TEST(CheckerParams, DescribedAndSettable) {
  UnitConfig c;
  ParamRegistry r;
  c.describe(r);
  r.setOverride("checker.stale=on");
  r.setOverride("checker.log=/tmp/findings.log");
  EXPECT_TRUE(c.checker.stale);
  EXPECT_FALSE(c.checker.ordering);
  EXPECT_EQ(c.checker.log, "/tmp/findings.log");
  EXPECT_THROW(r.loadJson(nlohmann::json::parse(R"({"checker": {"log": 3}})")), ConfigError);
}

// VT-d 6.5.2.3 / 10.4.8.2: ADDR of a page-selective invalidation is aligned to 2^AM pages;
// the unit drops the low bits. Linux 6.1 issues PSIs whose ADDR is the first page of an
// unaligned range (seen in `vtdsim cosim`): the tail past the aligned window stays cached,
// and the checker says which part.
TEST_F(Checker, UnalignedPageSelectiveInvalidationIsReported) {
  setUp();
  dmaRead(kDev, 0x2000);
  dmaRead(kDev, 0x5000);
  sys->memory.write64(pte(0x2000), 0);
  sys->memory.write64(pte(0x5000), 0);
  iotlbInv(kGranSelective, kDid, 0x2000, 2);  // meant 0x2000-0x5fff; covers 0x0-0x3fff
  ASSERT_EQ(count(DiagnosticKind::UnalignedPageInvalidation), 1u);
  EXPECT_NE(textOf(DiagnosticKind::UnalignedPageInvalidation).find("invalidates 0x0-0x3fff, and pages the driver may have meant past it (up to 0x5fff)"),
            std::string::npos)
      << textOf(DiagnosticKind::UnalignedPageInvalidation);
  dmaRead(kDev, 0x5000);  // its IOTLB entry survived: a stale translation
  EXPECT_EQ(count(DiagnosticKind::StaleIotlbEntry), 1u);
  iotlbInv(kGranSelective, kDid, 0x4000, 2);  // aligned: nothing to report
  EXPECT_EQ(count(DiagnosticKind::UnalignedPageInvalidation), 1u);
}

}  // namespace
}  // namespace vtd::test
