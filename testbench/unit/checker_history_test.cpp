// The driver checker's building blocks: which recorded invalidation covers a cache entry
// (VT-d 3.x 6.5.1/6.5.2 scopes: global, domain, page-selective with AM, device-selective
// with FM, interrupt-entry-cache index with IM), and the diagnostic log's counters, kept
// findings and sink.
#include <gtest/gtest.h>

#include "model/checker/diagnostics.h"
#include "model/checker/invalidation_history.h"

namespace vtd {
namespace {

InvalidationRecord iotlb(unsigned gran, uint16_t did, uint64_t addr = 0, unsigned am = 0, uint64_t seq = 0) {
  InvalidationRecord r;
  r.target = InvalidationRecord::Target::Iotlb;
  r.granularity = gran;
  r.did = did;
  r.address = addr;
  r.am = am;
  r.sequence = seq;
  return r;
}

InvalidationRecord context(unsigned gran, uint16_t did, SourceId sid = {}, unsigned fm = 0, uint64_t seq = 0) {
  InvalidationRecord r;
  r.target = InvalidationRecord::Target::ContextCache;
  r.granularity = gran;
  r.did = did;
  r.source = sid;
  r.function_mask = fm;
  r.sequence = seq;
  return r;
}

TEST(InvalidationHistory, PageSelectiveCoversOverlappingPagesOfItsDomainOnly) {
  InvalidationHistory h;
  h.record(iotlb(3, 5, 0x10000, 2, 1));  // 4 pages: 0x10000-0x13fff
  EXPECT_TRUE(h.lastCoveringIotlb(5, 0x13fff, 4096).has_value());
  EXPECT_FALSE(h.lastCoveringIotlb(5, 0x14000, 4096).has_value());
  EXPECT_FALSE(h.lastCoveringIotlb(6, 0x10000, 4096).has_value()) << "another domain";
  // A 2 MiB entry containing the range overlaps it.
  EXPECT_TRUE(h.lastCoveringIotlb(5, 0x1ff000, 2u << 20).has_value());
}

TEST(InvalidationHistory, MostRecentCoveringRecordWins) {
  InvalidationHistory h;
  h.record(iotlb(1, 0, 0, 0, 10));
  h.record(iotlb(2, 7, 0, 0, 20));
  h.record(iotlb(3, 8, 0x5000, 0, 30));
  EXPECT_EQ(h.lastCoveringIotlb(7, 0x1234000, 4096)->sequence, 20u);
  EXPECT_EQ(h.lastCoveringIotlb(9, 0x1234000, 4096)->sequence, 10u) << "only the global one covers DID 9";
  EXPECT_EQ(h.lastCoveringIotlb(8, 0x5000, 4096)->sequence, 30u);
}

TEST(InvalidationHistory, DeviceSelectiveContextWithFunctionMask) {
  InvalidationHistory h;
  h.record(context(3, 1, SourceId::fromBdf(0, 4, 0), 3));  // FM=3: all functions of 00:04
  EXPECT_TRUE(h.lastCoveringContext(SourceId::fromBdf(0, 4, 7), 1).has_value());
  EXPECT_FALSE(h.lastCoveringContext(SourceId::fromBdf(0, 5, 0), 1).has_value());
  h.record(context(3, 1, SourceId::fromBdf(0, 6, 0), 0));
  EXPECT_FALSE(h.lastCoveringContext(SourceId::fromBdf(0, 6, 1), 1).has_value()) << "FM=0 is exact";
  h.record(context(2, 9));
  EXPECT_TRUE(h.lastCoveringContext(SourceId::fromBdf(0, 6, 1), 9).has_value());
  EXPECT_FALSE(h.lastCoveringContext(SourceId::fromBdf(0, 6, 1), 8).has_value());
  // IOTLB records never cover context entries and vice versa.
  h.record(iotlb(1, 0));
  EXPECT_FALSE(h.lastCoveringContext(SourceId::fromBdf(0, 7, 0), 8).has_value());
}

InvalidationRecord iec(unsigned gran, uint32_t index = 0, unsigned im = 0, uint64_t seq = 0) {
  InvalidationRecord r;
  r.target = InvalidationRecord::Target::InterruptEntryCache;
  r.granularity = gran;
  r.interrupt_index = index;
  r.index_mask = im;
  r.sequence = seq;
  r.queued = true;
  return r;
}

// FS 6.5: index-selective covers the 2^IM indexes of the aligned block holding IIDX; global
// covers every index; IEC records never cover DMA-side entries and vice versa.
TEST(InvalidationHistory, InterruptEntryCacheIndexWithMask) {
  InvalidationHistory h;
  h.record(iec(3, 8, 2, 1));  // 8-11
  EXPECT_TRUE(h.lastCoveringInterruptEntry(8).has_value());
  EXPECT_TRUE(h.lastCoveringInterruptEntry(11).has_value());
  EXPECT_FALSE(h.lastCoveringInterruptEntry(7).has_value());
  EXPECT_FALSE(h.lastCoveringInterruptEntry(12).has_value());
  h.record(iec(3, 20, 0, 2));
  EXPECT_TRUE(h.lastCoveringInterruptEntry(20).has_value());
  EXPECT_FALSE(h.lastCoveringInterruptEntry(21).has_value()) << "IM=0 is exact";
  h.record(iotlb(1, 0));
  h.record(context(1, 0));
  EXPECT_FALSE(h.lastCoveringInterruptEntry(30).has_value())
      << "DMA-side records do not cover IRTEs";
  h.record(iec(1, 0, 0, 5));
  EXPECT_EQ(h.lastCoveringInterruptEntry(30)->sequence, 5u);
  EXPECT_EQ(h.lastCoveringInterruptEntry(9)->sequence, 5u) << "the most recent one";
  EXPECT_EQ(h.lastCoveringIotlb(1, 0, 4096)->target, InvalidationRecord::Target::Iotlb);
  EXPECT_EQ(h.lastCoveringContext(SourceId::fromBdf(0, 1, 0), 1)->target,
            InvalidationRecord::Target::ContextCache);
}

TEST(InvalidationHistory, BoundedRingSaysWhenItForgot) {
  InvalidationHistory h(2);
  h.record(iotlb(2, 1, 0, 0, 1));
  h.record(iotlb(2, 2, 0, 0, 2));
  EXPECT_FALSE(h.truncated());
  h.record(iotlb(2, 3, 0, 0, 3));
  EXPECT_TRUE(h.truncated());
  EXPECT_FALSE(h.lastCoveringIotlb(1, 0, 4096).has_value());
  EXPECT_EQ(h.lastCoveringIotlb(3, 0, 4096)->sequence, 3u);
}

TEST(InvalidationHistory, DescribesEachGranularity) {
  EXPECT_EQ(iotlb(1, 0).describe(), "IOTLB global (register)");
  auto q = iotlb(3, 4, 0x123456789000, 1);
  q.queued = true;
  q.invalidation_hint = true;
  EXPECT_EQ(q.describe(), "IOTLB page-selective DID 4 0x123456789000 AM 1 IH (queued)");
  EXPECT_EQ(context(3, 0, SourceId::fromBdf(0, 4, 0), 0).describe(), "context-cache device 00:04.0 FM 0 (register)");
  EXPECT_EQ(iec(1).describe(), "interrupt-entry-cache global (queued)");
  EXPECT_EQ(iec(3, 0x40, 4).describe(), "interrupt-entry-cache index 0x40 IM 4 (queued)");
}

TEST(DiagnosticLog, CountsKeepsTheFirstFindingsAndForwardsAll) {
  DiagnosticLog log(2);
  std::vector<std::string> seen;
  log.setSink([&](const Diagnostic& d) { seen.push_back(d.text); });
  log.report(DiagnosticKind::StaleIotlbEntry, 1, "a");
  log.report(DiagnosticKind::StaleIotlbEntry, 2, "b");
  log.report(DiagnosticKind::RegisterInvalidationWhileQueued, 3, "c");
  EXPECT_EQ(log.count(DiagnosticKind::StaleIotlbEntry), 2u);
  EXPECT_EQ(log.count(DiagnosticKind::RegisterInvalidationWhileQueued), 1u);
  EXPECT_EQ(log.total(), 3u);
  ASSERT_EQ(log.kept().size(), 2u);
  EXPECT_EQ(log.kept()[1].text, "b");
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  log.clear();
  EXPECT_EQ(log.total(), 0u);
}

}  // namespace
}  // namespace vtd
