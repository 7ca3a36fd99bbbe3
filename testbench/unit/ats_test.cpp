// ATS in legacy mode with unit.device_tlb (ECAP.DT; VT-d 3.x 4.1-4.2.3, 3.4.3; FS 2.2 DT,
// 4.2 TT, 7.2 FRCD.AT, 7.4 LCT.5): context TT=01, untranslated requests under it, translation
// requests (AT=01) and the completion each condition gets, translated requests (AT=10), and
// the PCIe completion-entry and S-bit encodings (PCIe ATS, translation completion). The
// expected bits are typed from the fact sheet and the PCIe tables, not taken from the model.
#include <gtest/gtest.h>

#include "model/translation/ats.h"
#include "testbench/support/unit_fixture.h"

namespace vtd::test {
namespace {

constexpr SourceId kDev = SourceId::fromBdf(0, 4, 0);  // 0x20
constexpr uint16_t kDid = 3;
constexpr uint32_t kEcap = 0x10, kFsts = 0x34;
constexpr unsigned kTtSecondLevel = 0, kTtDeviceTlb = 1, kTtPassThrough = 2;

UnitConfig atsConfig(bool dt = true) {
  UnitConfig c;
  c.unit.device_tlb = dt;
  return c;
}

class Ats : public UnitTest {
 protected:
  void SetUp() override { build(atsConfig()); }

  // kDev in domain kDid with a 4-level table of its own and context TT `tt`.
  uint64_t attach(unsigned tt, bool fpd = false) {
    top_ = tables->newPage();
    tables->setContext(kDev, top_, 4, kDid, tt, fpd);
    return top_;
  }
  DmaRequest request(uint64_t address, AddressType at, AccessKind kind = AccessKind::Read) {
    DmaRequest r;
    r.source = kDev;
    r.address = address;
    r.size = at == AddressType::TranslationRequest ? 8 : 64;
    r.kind = kind;
    r.at = at;
    return r;
  }
  AtsCompletion translationRequest(uint64_t address) {
    last_ = unit().translate(request(address, AddressType::TranslationRequest));
    return completionOf(last_);
  }
  Translation translated(uint64_t address, AccessKind kind = AccessKind::Write) {
    return unit().translate(request(address, AddressType::Translated, kind));
  }
  uint64_t frcdHigh(unsigned i = 0) { return read64(frcdOffset(i) + 8); }

  uint64_t top_ = 0;
  Translation last_;
};

// FS 2.2: ECAP.DT (bit 2) follows unit.device_tlb.
TEST_F(Ats, EcapAdvertisesDeviceTlb) {
  EXPECT_EQ(read64(kEcap) & 0x4, 0x4u);
  build(atsConfig(false));
  EXPECT_EQ(read64(kEcap) & 0x4, 0u);
}

// FS 4.2: TT=01 is a valid context with DT; untranslated requests through it translate
// exactly as through TT=00 (same output, same permission faults).
TEST_F(Ats, UntranslatedRequestsUnderTt01TranslateAsTt00) {
  attach(kTtDeviceTlb);
  tables->map(top_, 4, 0x5000, 0x0123'4000, PageSize::Size4K, kPermRead);
  enableTranslation();
  auto t = dmaRead(kDev, 0x5010);
  ASSERT_TRUE(t.ok()) << faultReasonName(t.reason);
  EXPECT_TRUE(t.translated);
  EXPECT_EQ(t.output, 0x0123'4010u);
  EXPECT_EQ(dmaWrite(kDev, 0x5010).reason, FaultReason::WriteNotPermitted);
  EXPECT_EQ(dmaRead(kDev, 0x9000).reason, FaultReason::ReadNotPermitted);
}

// FS 4.2 and PEER (context TT=01 without ECAP.DT): without DT, TT=01 is an invalid context
// (0x3) for every request, ATS or not.
TEST_F(Ats, Tt01WithoutDeviceTlbIsAnInvalidContext) {
  build(atsConfig(false));
  attach(kTtDeviceTlb);
  enableTranslation();
  EXPECT_EQ(dmaRead(kDev, 0).reason, FaultReason::ContextInvalid);
  EXPECT_EQ(unit().translate(request(0, AddressType::Translated)).reason,
            FaultReason::ContextInvalid);
}

// A translation request gets the leaf's output page, its size (S), its R/W and N (SNP with
// ECAP.SC); the IOTLB keeps the entry, so an untranslated request then hits.
TEST_F(Ats, TranslationRequestReturnsPageSizeAndRights) {
  attach(kTtDeviceTlb);
  tables->map(top_, 4, 0x7000, 0x0AB0'7000, PageSize::Size4K, kPermRead);
  tables->map(top_, 4, 0x4000'0000, 0x0120'0000, PageSize::Size2M, kPermRW, 1ull << 11 /*SNP*/);
  enableTranslation();

  AtsCompletion c = translationRequest(0x7123);
  EXPECT_EQ(c.status, AtsStatus::Success);
  EXPECT_EQ(c.translated_address, 0x0AB0'7000u);
  EXPECT_EQ(c.range_bytes, 4096u);
  EXPECT_TRUE(c.read);
  EXPECT_FALSE(c.write);
  EXPECT_FALSE(c.untranslated_only);
  EXPECT_FALSE(c.non_snooped);
  EXPECT_EQ(ats::encodeEntry(c), 0x0AB0'7000ull | 0x1);  // S=0, R=1

  c = translationRequest(0x4012'3000);
  EXPECT_EQ(c.translated_address, 0x0120'0000u);
  EXPECT_EQ(c.range_bytes, 2ull << 20);
  EXPECT_TRUE(c.read && c.write);
  EXPECT_TRUE(c.non_snooped);
  // 2 MiB: S=1, address bits 19:12 set, bit 20 clear; N (bit 10), W, R.
  EXPECT_EQ(ats::encodeEntry(c), 0x0120'0000ull | 0xFF000 | 1ull << 11 | 1ull << 10 | 0x3);

  EXPECT_EQ(unit().stats().ats_translation_requests, 2u);
  EXPECT_EQ(unit().stats().iotlb_fill, 2u);
  auto hit = dmaWrite(kDev, 0x4012'3456);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit.cost.iotlb_hits, 1u);
  EXPECT_EQ(hit.output, 0x0132'3456u);
}

// What the tables do not map for the device is a successful completion with R=W=0 and no
// fault record: not present, beyond the address width, output in the interrupt range
// (docs/compliance.md, "ATS translation requests").
TEST_F(Ats, UnmappedPagesCompleteWithNoAccessAndNoRecord) {
  attach(kTtDeviceTlb);
  tables->map(top_, 4, 0x8000, 0xFEE0'0000, PageSize::Size4K);
  enableTranslation();
  for (uint64_t a : {0x9000ull, 1ull << 50, 0x8000ull}) {
    const AtsCompletion c = translationRequest(a);
    EXPECT_EQ(c.status, AtsStatus::Success) << std::hex << a;
    EXPECT_FALSE(c.read || c.write) << std::hex << a;
    EXPECT_EQ(ats::encodeEntry(c) & 0x3, 0u);
  }
  EXPECT_EQ(unit().stats().faults, 0u);
  EXPECT_EQ(read32(kFsts), 0u);
  EXPECT_EQ(unit().stats().ats_completions_no_access, 3u);
}

// FS 4.2 ("a translation or translated request blocked by TT gives fault 0xD"), FS 7.2 AT:
// from TT=00 or TT=10 contexts ATS requests are blocked with 0xD, recorded with the AT of
// the request in FRCD bits 125:124; the translation request completes with UR.
TEST_F(Ats, AtsRequestsFromOtherContextsFault0xD) {
  for (unsigned tt : {kTtSecondLevel, kTtPassThrough}) {
    build(atsConfig());
    attach(tt);
    enableTranslation();
    const AtsCompletion c = translationRequest(0x1000);
    EXPECT_EQ(c.status, AtsStatus::UnsupportedRequest) << "TT " << tt;
    EXPECT_EQ(last_.reason, FaultReason::TranslationTypeBlocked);
    EXPECT_EQ((frcdHigh() >> 32) & 0xFF, 0xDu);
    EXPECT_EQ((frcdHigh() >> 60) & 0x3, 1u) << "AT = translation request";
    const Translation t = translated(0x2000);  // recorded in the next FRCD (FS 7.5)
    EXPECT_EQ(t.reason, FaultReason::TranslationTypeBlocked);
    EXPECT_EQ((frcdHigh(1) >> 60) & 0x3, 2u) << "AT = translated";
    EXPECT_EQ(frcdHigh(1) & 0xFFFF, kDev.value);
  }
}

// FS 7.5: 0xD is qualified, so FPD=1 suppresses its record (the request is still blocked).
TEST_F(Ats, FpdSuppressesTheTtFault) {
  attach(kTtSecondLevel, /*fpd=*/true);
  enableTranslation();
  EXPECT_EQ(translationRequest(0).status, AtsStatus::UnsupportedRequest);
  EXPECT_EQ(unit().stats().faults_suppressed_fpd, 1u);
  EXPECT_EQ(read32(kFsts), 0u);
}

// Structure errors are recorded and complete with CA; a missing root or context entry
// with UR (VT-d 3.x 4.2.3, docs/compliance.md).
TEST_F(Ats, StructureFaultsAreRecordedWithUrOrCa) {
  build([] {
    UnitConfig c = atsConfig();
    c.unit.snoop_control = false;  // SNP becomes a reserved bit (FS 5.1)
    return c;
  }());
  attach(kTtDeviceTlb);
  tables->map(top_, 4, 0x3000, 0x0030'0000, PageSize::Size4K, kPermRW, 1ull << 11);
  enableTranslation();
  EXPECT_EQ(translationRequest(0x3000).status, AtsStatus::CompleterAbort);
  EXPECT_EQ(last_.reason, FaultReason::PagingEntryReserved);
  EXPECT_TRUE(last_.fault_recorded);

  const SourceId absent = SourceId::fromBdf(0, 9, 0);
  DmaRequest r = request(0, AddressType::TranslationRequest);
  r.source = absent;
  const Translation t = unit().translate(r);
  EXPECT_EQ(t.reason, FaultReason::ContextNotPresent);
  EXPECT_EQ(completionOf(t).status, AtsStatus::UnsupportedRequest);
  EXPECT_EQ(unit().stats().ats_completions_ca, 1u);
}

// Remapping off (TES=0): nothing is remapped (FS 3.1), so a translation request gets the
// identity with R=W=1 for its page, and a translated request passes like any other.
TEST_F(Ats, RemappingOff) {
  const AtsCompletion c = translationRequest(0x1234'5678);
  EXPECT_EQ(c.status, AtsStatus::Success);
  EXPECT_EQ(c.translated_address, 0x1234'5000u);
  EXPECT_EQ(c.range_bytes, 4096u);
  EXPECT_TRUE(c.read && c.write && c.usable());
  EXPECT_EQ(unit().stats().faults, 0u);
  EXPECT_EQ(unit().stats().dma_untranslated, 1u);
  const Translation t = translated(0x1234);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.output, 0x1234u);
}

// The interrupt window: the device must send interrupts untranslated, so the completion
// is W=1, U=1 (VT-d 3.x 4.2.3); untranslated DMA there stays "not DMA".
TEST_F(Ats, InterruptWindowIsUntranslatedOnly) {
  attach(kTtDeviceTlb);
  enableTranslation();
  const AtsCompletion c = translationRequest(0xFEE0'1000);
  EXPECT_EQ(c.status, AtsStatus::Success);
  EXPECT_TRUE(c.write && c.untranslated_only);
  EXPECT_FALSE(c.read);
  EXPECT_FALSE(c.usable());
  EXPECT_EQ(ats::encodeEntry(c), 0xFEE0'1000ull | 0x4 | 0x2);
  EXPECT_EQ(unit().stats().faults, 0u);
}

// A translated request through a TT=01 context passes unchanged: no IOTLB lookup, no walk,
// no permission check (the device's ATC checked it).
TEST_F(Ats, TranslatedRequestsPassUnchanged) {
  attach(kTtDeviceTlb);
  enableTranslation();
  const Translation t = translated(0x0777'7123, AccessKind::Write);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.output, 0x0777'7123u);
  EXPECT_FALSE(t.translated);
  EXPECT_EQ(t.cost.iotlb_lookups, 0u);
  EXPECT_EQ(t.cost.walk_reads, 0u);
  EXPECT_EQ(unit().stats().ats_translated_requests, 1u);
}

// PCIe ATS translation-range encoding (S bit): each size from its hand-typed address bits.
TEST(AtsEncoding, RangeSizes) {
  struct Case {
    uint64_t field;
    bool s;
    uint64_t base, bytes;
  } cases[] = {
      {0x1234'5000, false, 0x1234'5000, 4096},
      {0x1234'4000, true, 0x1234'4000, 8192},   // bit 12 clear
      {0x1234'1000, true, 0x1234'0000, 16384},  // bit 12 set, 13 clear
      {0x4000'0000 | 0xFF000, true, 0x4000'0000, 2ull << 20},
      {0x4000'0000 | 0x1FFFF000, true, 0x4000'0000, 1ull << 30},
  };
  for (const Case& c : cases) {
    const ats::Range r = ats::decodeRange(c.field, c.s);
    EXPECT_EQ(r.base, c.base) << std::hex << c.field;
    EXPECT_EQ(r.bytes, c.bytes) << std::hex << c.field;
    bool s = false;
    EXPECT_EQ(ats::encodeRange(c.base, c.bytes, s), c.field & ~0xFFFull) << std::hex << c.field;
    EXPECT_EQ(s, c.s);
  }
  // S=1 with bit 63 clear and 62:12 all ones: everything.
  EXPECT_TRUE(ats::decodeRange(0x7FFF'FFFF'FFFF'F000ull, true).all);
}

// Completion entry bits: R 0, W 1, U 2, N 10, S 11 (PCIe ATS translation completion).
TEST(AtsEncoding, EntryRoundTrip) {
  AtsCompletion c;
  c.translated_address = 0x8000'0000;
  c.range_bytes = 1ull << 30;
  c.read = true;
  c.non_snooped = true;
  const uint64_t e = ats::encodeEntry(c);
  EXPECT_EQ(e, 0x8000'0000ull | 0x1FFFF000 | 1ull << 11 | 1ull << 10 | 1);
  const AtsCompletion d = ats::decodeEntry(e);
  EXPECT_EQ(d.translated_address, c.translated_address);
  EXPECT_EQ(d.range_bytes, c.range_bytes);
  EXPECT_TRUE(d.read && d.non_snooped);
  EXPECT_FALSE(d.write || d.untranslated_only);
}

}  // namespace
}  // namespace vtd::test
