// The driver checker's building blocks: which recorded invalidation covers a cache entry
// (VT-d 3.x 6.5.1/6.5.2 scopes: global, domain, page-selective with AM, device-selective
// with FM), and the diagnostic log's counters, kept findings and sink.
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
