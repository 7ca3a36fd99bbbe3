// LocalApic and ApicMessage, against hand-typed expectations from the Intel SDM Vol. 3A
// ch. 11: message format (11.11), destination matching (11.6.2 physical/flat logical,
// 11.12.10 x2APIC), illegal vectors (11.5.3), priority (11.8.3), acknowledge and EOI (11.8.4,
// 11.8.5). No simulation is started.
#include <gtest/gtest.h>

#include "model/common/stat_registry.h"
#include "testbench/apic/apic_bench.h"

namespace vtd::test {
namespace {

using platform::Acceptance;
using platform::ApicMode;
using platform::LocalApic;

TEST(ApicMessage, DecodesTheXapicMessageFields) {
  // Destination 0x12, RH, logical; vector 0x41, lowest priority, level assert, level trigger.
  const ApicMessage m = ApicMessage::decode(0xFEE1'200C, 0x0000'C141);
  EXPECT_EQ(m.destination, 0x12u);
  EXPECT_TRUE(m.redirection_hint);
  EXPECT_TRUE(m.logical);
  EXPECT_EQ(m.vector, 0x41);
  EXPECT_EQ(m.delivery_mode, platform::kDeliveryLowestPriority);
  EXPECT_TRUE(m.assert_level);
  EXPECT_TRUE(m.level_triggered);
  EXPECT_EQ(m.address(), 0xFEE1'200Cull);
  EXPECT_EQ(m.data(), 0x0000'C141u);
}

TEST(ApicMessage, AnX2apicDestinationHasItsHighBitsInAddress63To40) {
  // x2APIC ID 0x0003'0201: ID[7:0] = 0x01 in 19:12, ID[31:8] = 0x000302 in 63:40.
  const ApicMessage m = ApicMessage::decode(0x0003'0200'FEE0'1000ull, 0x0000'0050);
  EXPECT_EQ(m.destination, 0x0003'0201u);
  EXPECT_FALSE(m.logical);
  EXPECT_EQ(m.address(), 0x0003'0200'FEE0'1000ull);
  EXPECT_TRUE(ApicMessage::isInterruptAddress(0xFEEF'FFFC));
  EXPECT_FALSE(ApicMessage::isInterruptAddress(0xFED0'0000));
  EXPECT_FALSE(ApicMessage::isInterruptAddress(0xFEF0'0000));
}

TEST(LocalApic, FixedAndLowestPriorityLatchTheVectorWithTheirTriggerMode) {
  LocalApic a(0);
  EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, 0x0030), ns(5)), Acceptance::Latched);
  EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, 0xC131), ns(6)), Acceptance::Latched);
  EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, 0x0030), ns(7)), Acceptance::Coalesced);
  EXPECT_TRUE(a.irr(0x30));
  EXPECT_TRUE(a.irr(0x31));
  EXPECT_FALSE(a.tmr(0x30));
  EXPECT_TRUE(a.tmr(0x31));
  EXPECT_EQ(a.stats().accepted, 3u);
  EXPECT_EQ(a.stats().coalesced, 1u);
  ASSERT_EQ(a.log().size(), 3u);
  EXPECT_EQ(a.log()[1].vector, 0x31);
  EXPECT_EQ(a.log()[1].time, ns(6));
  EXPECT_EQ(a.log()[1].delivery_mode, 1);
  EXPECT_TRUE(a.log()[1].level_triggered);
  EXPECT_TRUE(a.log()[2].coalesced);
}

TEST(LocalApic, IllegalVectorsAreCountedNotLatchedAndOtherModesOnlyCounted) {
  LocalApic a(0);
  for (const uint32_t data : {0x0000u, 0x000Fu, 0x0105u})
    EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, data), ns(1)), Acceptance::IllegalVector);
  for (const uint32_t mode : {2u, 3u, 4u, 5u, 6u, 7u})
    EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, mode << 8 | 0x50), ns(1)),
              Acceptance::OtherDeliveryMode);
  EXPECT_EQ(a.highestIrr(), -1);
  EXPECT_EQ(a.stats().illegal_vectors, 3u);
  EXPECT_EQ(a.stats().other_delivery_modes, 6u);
  EXPECT_EQ(a.stats().accepted, 0u);
  EXPECT_TRUE(a.log().empty());
  EXPECT_EQ(a.accept(ApicMessage::decode(0xFEE0'0000, 0x0010), ns(1)), Acceptance::Latched)
      << "16 is the first legal vector";
}

TEST(LocalApic, XapicPhysicalMatchesItsIdOrBroadcastAndFlatLogicalItsLdrBits) {
  LocalApic a(3);
  EXPECT_TRUE(a.matches(ApicMessage::decode(0xFEE0'3000, 0x30)));
  EXPECT_FALSE(a.matches(ApicMessage::decode(0xFEE0'4000, 0x30)));
  EXPECT_TRUE(a.matches(ApicMessage::decode(0xFEEF'F000, 0x30)));   // broadcast 0xFF
  EXPECT_FALSE(a.matches(ApicMessage::decode(0xFEEF'F004, 0x30)));  // logical, LDR 0 at reset
  a.setLogicalId(0x08);
  EXPECT_TRUE(a.matches(ApicMessage::decode(0xFEE0'C004, 0x30)));   // 0x0C & 0x08
  EXPECT_FALSE(a.matches(ApicMessage::decode(0xFEE0'7004, 0x30)));  // 0x07 & 0x08 = 0
  EXPECT_TRUE(a.matches(ApicMessage::decode(0xFEEF'F004, 0x30)));   // logical all
  EXPECT_EQ(a.logicalDestination(), 0x08u);
}

TEST(LocalApic, X2apicMatchesThe32BitIdAndTheClusterModel) {
  LocalApic a(0x23, ApicMode::X2Apic);  // cluster 2, member bit 3
  EXPECT_EQ(a.logicalDestination(), 0x0002'0008u);
  ApicMessage m = fixedMessage(0x23, 0x40);
  EXPECT_TRUE(a.matches(m));
  m.destination = 0xFF;  // not a broadcast in x2APIC mode: APIC 255
  EXPECT_FALSE(a.matches(m));
  m.destination = 0xFFFF'FFFF;
  EXPECT_TRUE(a.matches(m));
  m.logical = true;
  m.destination = 0x0002'000C;  // cluster 2, members 2 and 3
  EXPECT_TRUE(a.matches(m));
  m.destination = 0x0001'0008;  // cluster 1
  EXPECT_FALSE(a.matches(m));
  m.destination = 0x0002'0004;  // cluster 2, member 2 only
  EXPECT_FALSE(a.matches(m));
}

TEST(LocalApic, AcknowledgeTakesTheHighestVectorAbovePprAndEoiRetiresInPriorityOrder) {
  LocalApic a(0);
  for (const uint32_t v : {0x31u, 0x45u, 0x41u, 0x62u})
    a.accept(ApicMessage::decode(0xFEE0'0000, v), ns(1));
  EXPECT_EQ(a.highestIrr(), 0x62);
  a.setTpr(0x60);  // class 6 and below held back
  EXPECT_EQ(a.pendingVector(), -1);
  EXPECT_EQ(a.acknowledge(), -1);
  a.setTpr(0x00);
  EXPECT_EQ(a.acknowledge(), 0x62);
  EXPECT_EQ(a.ppr(), 0x60);
  EXPECT_EQ(a.pendingVector(), -1) << "0x45 is class 4, below the in-service class 6";
  EXPECT_EQ(a.eoi().vector, 0x62);
  EXPECT_EQ(a.acknowledge(), 0x45);
  EXPECT_EQ(a.pendingVector(), -1) << "0x41 is in the same class as the in-service 0x45";
  EXPECT_EQ(a.eoi().vector, 0x45);
  EXPECT_EQ(a.acknowledge(), 0x41);
  EXPECT_EQ(a.acknowledge(), -1) << "0x31 is below class 4";
  EXPECT_TRUE(a.isr(0x41));
  EXPECT_FALSE(a.irr(0x41));
  EXPECT_EQ(a.eoi().vector, 0x41);
  EXPECT_EQ(a.acknowledge(), 0x31);
  EXPECT_EQ(a.eoi().vector, 0x31);
  EXPECT_EQ(a.eoi().vector, -1);
  EXPECT_EQ(a.stats().acknowledged, 4u);
  EXPECT_EQ(a.stats().eois, 4u);
  EXPECT_EQ(a.stats().spurious_eois, 1u);
}

TEST(LocalApic, EoiOfALevelTriggeredVectorIsBroadcast) {
  LocalApic a(0);
  std::vector<uint8_t> broadcast;
  a.setEoiBroadcast([&](uint8_t v) { broadcast.push_back(v); });
  a.accept(ApicMessage::decode(0xFEE0'0000, 0x8033), ns(1));  // level
  a.accept(ApicMessage::decode(0xFEE0'0000, 0x0034), ns(1));  // edge
  EXPECT_EQ(a.acknowledge(), 0x34);
  const LocalApic::EoiResult edge = a.eoi();
  EXPECT_EQ(edge.vector, 0x34);
  EXPECT_FALSE(edge.level_triggered);
  EXPECT_EQ(a.acknowledge(), 0x33);
  EXPECT_TRUE(a.eoi().level_triggered);
  EXPECT_EQ(broadcast, std::vector<uint8_t>{0x33});
  EXPECT_EQ(a.stats().eoi_broadcasts, 1u);
}

TEST(LocalApic, TheLogIsBoundedAndCountsWhatItDrops) {
  LocalApic a(0);
  const size_t n = LocalApic::kLogCapacity + 10;
  for (size_t i = 0; i < n; ++i)
    a.accept(ApicMessage::decode(0xFEE0'0000, 0x20 + uint32_t(i % 16)), ns(double(i)));
  EXPECT_EQ(a.log().size(), LocalApic::kLogCapacity);
  EXPECT_EQ(a.stats().log_dropped, 10u);
  EXPECT_EQ(a.log().front().time, ns(10));
  StatRegistry r;
  a.describeStats(r, "apic.");
  EXPECT_EQ(r.value("apic.accepted"), double(n));
  EXPECT_EQ(r.value("apic.log_dropped"), 10.0);
}

TEST(VectorSet, HighestCountAndWords) {
  platform::VectorSet s;
  EXPECT_EQ(s.highest(), -1);
  s.set(0x20);
  s.set(0xC1);
  s.set(0xFF);
  EXPECT_EQ(s.highest(), 0xFF);
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.word(3), 1ull << 63 | 1ull << 1);
  s.clear(0xFF);
  s.clear(0xC1);
  EXPECT_EQ(s.highest(), 0x20);
}

}  // namespace
}  // namespace vtd::test
