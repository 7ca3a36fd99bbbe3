// ApicFabric: decoding of 4-byte interrupt writes and routing to local APICs (physical,
// broadcast, flat logical, x2APIC, lowest priority), unmatched and malformed messages
// counted. One elaboration per process.
#include <gtest/gtest.h>

#include "model/common/stat_registry.h"
#include "testbench/apic/apic_bench.h"

namespace vtd::test {
namespace {

using platform::ApicMode;

struct FabricBench {
  MmioInitiator cpu{"cpu"};
  platform::ApicFabric fabric{"fabric"};
  RecordingTarget t0{0}, t1{1}, t2{2};

  FabricBench() {
    cpu.out.bind(fabric.msi_in);
    fabric.attach(t0);
    fabric.attach(t1);
    fabric.attach(t2);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  std::vector<size_t> counts() const {
    return {t0.received.size(), t1.received.size(), t2.received.size()};
  }
};

TEST(ApicFabric, PhysicalDestinationReachesOnlyThatApicWithTheSendersDelay) {
  FabricBench b;
  uint32_t data = 0x0000'0041;
  sc_time delay;
  ASSERT_TRUE(b.cpu.access(true, 0xFEE0'2000, data, 4, &delay));
  EXPECT_EQ(b.counts(), (std::vector<size_t>{0, 0, 1}));
  EXPECT_EQ(b.t2.received[0].first.vector, 0x41);
  EXPECT_EQ(b.t2.received[0].first.destination, 2u);
  EXPECT_EQ(b.t2.received[0].second, sc_core::SC_ZERO_TIME);
  b.fabric.route(fixedMessage(1, 0x42), ns(250));
  ASSERT_EQ(b.t1.received.size(), 1u);
  EXPECT_EQ(b.t1.received[0].second, ns(250));
  EXPECT_EQ(b.fabric.stats().messages, 2u);
  EXPECT_EQ(b.fabric.stats().deliveries, 2u);
}

TEST(ApicFabric, PhysicalBroadcastReachesEveryXapic) {
  FabricBench b;
  ASSERT_TRUE(b.cpu.write(0xFEEF'F000, 0x0043));
  EXPECT_EQ(b.counts(), (std::vector<size_t>{1, 1, 1}));
  EXPECT_EQ(b.fabric.stats().broadcasts, 1u);
  EXPECT_EQ(b.fabric.stats().deliveries, 3u);
}

TEST(ApicFabric, FlatLogicalReachesEveryApicSharingABit) {
  FabricBench b;
  b.t0.apic.setLogicalId(0x01);
  b.t1.apic.setLogicalId(0x02);
  b.t2.apic.setLogicalId(0x04);
  ASSERT_TRUE(b.cpu.write(0xFEE0'5004, 0x0044));  // logical 0x05: APICs 0 and 2
  EXPECT_EQ(b.counts(), (std::vector<size_t>{1, 0, 1}));
  EXPECT_EQ(b.fabric.stats().logical, 1u);
}

TEST(ApicFabric, LowestPriorityGoesToTheLowestPprTiesToTheFirst) {
  FabricBench b;
  b.t0.apic.setLogicalId(0x01);
  b.t1.apic.setLogicalId(0x02);
  b.t2.apic.setLogicalId(0x04);
  b.t0.apic.setTpr(0x20);
  b.t1.apic.setTpr(0x10);
  b.t2.apic.setTpr(0x30);
  ASSERT_TRUE(b.cpu.write(0xFEE0'700C, 0x0145));  // logical 0x07, RH, lowest priority
  EXPECT_EQ(b.counts(), (std::vector<size_t>{0, 1, 0}));
  b.t1.apic.setTpr(0x20);  // ties with APIC 0
  ASSERT_TRUE(b.cpu.write(0xFEE0'700C, 0x0146));
  EXPECT_EQ(b.counts(), (std::vector<size_t>{1, 1, 0}));
  EXPECT_EQ(b.fabric.stats().lowest_priority, 2u);
  EXPECT_EQ(b.fabric.stats().deliveries, 2u);
}

TEST(ApicFabric, AMessageForNoApicIsCountedAndKept) {
  FabricBench b;
  ASSERT_TRUE(b.cpu.write(0xFEE0'7000, 0x0047)) << "a posted write is accepted anyway";
  ASSERT_TRUE(b.cpu.write(0xFEE0'1004, 0x0048)) << "logical 0x01: every LDR is 0";
  EXPECT_EQ(b.counts(), (std::vector<size_t>{0, 0, 0}));
  EXPECT_EQ(b.fabric.stats().unmatched, 2u);
  EXPECT_EQ(b.fabric.lastUnmatched().vector, 0x48);
  EXPECT_TRUE(b.fabric.lastUnmatched().logical);
  StatRegistry r;
  b.fabric.describeStats(r, "fabric.");
  EXPECT_EQ(r.value("fabric.unmatched"), 2.0);
  EXPECT_EQ(r.value("fabric.messages"), 2.0);
}

TEST(ApicFabric, AccessesThatAreNotInterruptWritesAreRefusedAndCounted) {
  FabricBench b;
  uint32_t v = 0x41;
  EXPECT_FALSE(b.cpu.access(false, 0xFEE0'0000, v));    // a read
  EXPECT_FALSE(b.cpu.access(true, 0xFEE0'0000, v, 2));  // a 2-byte write
  EXPECT_FALSE(b.cpu.access(true, 0xFED0'0000, v));     // outside the window
  EXPECT_EQ(b.fabric.stats().malformed, 3u);
  EXPECT_EQ(b.fabric.stats().messages, 0u);
  EXPECT_EQ(b.counts(), (std::vector<size_t>{0, 0, 0}));
}

TEST(ApicFabric, X2apicDestinationsUseTheHighAddressBits) {
  MmioInitiator cpu("cpu");
  platform::ApicFabric fabric("fabric");
  RecordingTarget a(0x101, ApicMode::X2Apic), b(0x001, ApicMode::X2Apic),
      c(0x1FF, ApicMode::X2Apic);
  cpu.out.bind(fabric.msi_in);
  fabric.attach(a);
  fabric.attach(b);
  fabric.attach(c);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  ASSERT_TRUE(cpu.write(0x0000'0100'FEE0'1000ull, 0x0050));  // ID 0x101
  EXPECT_EQ(a.received.size(), 1u);
  EXPECT_EQ(b.received.size(), 0u);
  ASSERT_TRUE(cpu.write(0xFEEF'F000, 0x0051));  // ID 0xFF: nobody in x2APIC mode
  EXPECT_EQ(fabric.stats().unmatched, 1u);
  ASSERT_TRUE(cpu.write(0xFFFF'FF00'FEEF'F000ull, 0x0052));  // 0xFFFFFFFF: everyone
  EXPECT_EQ(a.received.size() + b.received.size() + c.received.size(), 4u);
  // Logical cluster 0x10 (IDs 0x100-0x10F), members 1 and 15: destination 0x0010'8002,
  // ID[7:0] = 0x02 in 19:12 and ID[31:8] = 0x001080 in 63:40. Only 0x101 is in it.
  ASSERT_TRUE(cpu.write(0x0010'8000'FEE0'2004ull, 0x0053));
  EXPECT_EQ(a.received.size(), 3u);
  EXPECT_EQ(a.received.back().first.destination, 0x0010'8002u);
  EXPECT_EQ(b.received.size() + c.received.size(), 2u);
  EXPECT_EQ(fabric.stats().x2apic_destinations, 3u);
}

}  // namespace
}  // namespace vtd::test
