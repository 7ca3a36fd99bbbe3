// Capability decoding: hand-typed CAP/ECAP values from the fact sheet (FS 2.1, 2.2), and
// the driver's decoding of what the model advertises for a configuration (a mismatch
// points at an encoding error on one side).
#include <gtest/gtest.h>

#include "firmware/capabilities.h"
#include "testbench/firmware/fake_unit.h"
#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::Capabilities;

TEST(Capabilities, DecodesHandTypedCap) {
  // ND=2, CM, SAGAW 39|48, MGAW 39 bits, FRO 0x22, SLLPS 2M|1G, PSI, NFR 0, MAMV 18,
  // DWD, DRD: QEMU-like values.
  const uint64_t cap = 2ull | 1ull << 7 | 0x6ull << 8 | 38ull << 16 | 0x22ull << 24 |
                       0x3ull << 34 | 1ull << 39 | 0ull << 40 | 18ull << 48 | 1ull << 54 |
                       1ull << 55;
  const Capabilities c = Capabilities::decode(0x10, cap, 0);
  EXPECT_EQ(c.version_major, 1u);
  EXPECT_EQ(c.version_minor, 0u);
  EXPECT_EQ(c.nd, 2u);
  EXPECT_EQ(c.domain_count, 256u);
  EXPECT_TRUE(c.cm);
  EXPECT_FALSE(c.rwbf);
  EXPECT_EQ(c.sagaw_widths, (std::vector<unsigned>{39, 48}));
  EXPECT_EQ(c.mgaw_bits, 39u);
  EXPECT_EQ(c.fault_record_offset, 0x220u);
  EXPECT_EQ(c.fault_record_count, 1u);
  EXPECT_TRUE(c.sllps_2m);
  EXPECT_TRUE(c.sllps_1g);
  EXPECT_TRUE(c.psi);
  EXPECT_EQ(c.mamv, 18u);
  EXPECT_TRUE(c.dwd);
  EXPECT_TRUE(c.drd);
  EXPECT_FALSE(c.esrtps);
}

TEST(Capabilities, DecodesTopBitsAndWideFields) {
  // FRO is 10 bits (33:24) and NFR 8 bits; ESRTPS/ESIRTPS are the top bits; ND=6.
  const uint64_t cap = 6ull | 1ull << 4 | 0x3FFull << 24 | 0xFFull << 40 | 0x3Full << 48 |
                       1ull << 62 | 1ull << 63;
  const Capabilities c = Capabilities::decode(0x30, cap, 0);
  EXPECT_EQ(c.domain_count, 65536u);
  EXPECT_TRUE(c.rwbf);
  EXPECT_EQ(c.fault_record_offset, 0x3FF0u);
  EXPECT_EQ(c.fault_record_count, 256u);
  EXPECT_EQ(c.mamv, 63u);
  EXPECT_TRUE(c.esirtps);
  EXPECT_TRUE(c.esrtps);
  EXPECT_FALSE(c.sllps_2m);
}

TEST(Capabilities, DecodesHandTypedEcap) {
  // C=0, QI, IR, EIM, PT, SC, IRO 0x0F (IVA at 0xF0), MHMV 15.
  const uint64_t ecap = 1ull << 1 | 1ull << 3 | 1ull << 4 | 1ull << 6 | 1ull << 7 |
                        0x0Full << 8 | 0xFull << 20;
  const Capabilities c = Capabilities::decode(0x10, 0, ecap);
  EXPECT_FALSE(c.coherent);
  EXPECT_TRUE(c.qi);
  EXPECT_TRUE(c.ir);
  EXPECT_TRUE(c.eim);
  EXPECT_TRUE(c.pt);
  EXPECT_TRUE(c.sc);
  EXPECT_FALSE(c.dt);
  EXPECT_EQ(c.iotlb_reg_offset, 0xF0u);
  EXPECT_EQ(c.mhmv, 15u);
  // IRO is 10 bits (17:8).
  EXPECT_EQ(Capabilities::decode(0, 0, 0x3FFull << 8).iotlb_reg_offset, 0x3FF0u);
}

TEST(Capabilities, WidthChoices) {
  const Capabilities c = Capabilities::decode(0x10, 0xEull << 8, 0);  // 39, 48, 57
  EXPECT_EQ(c.smallestWidthCovering(32), 39u);
  EXPECT_EQ(c.smallestWidthCovering(40), 48u);
  EXPECT_EQ(c.smallestWidthCovering(57), 57u);
  EXPECT_EQ(c.smallestWidthCovering(58), 0u);
  EXPECT_EQ(c.largestWidth(), 57u);
  EXPECT_EQ(c.defaultDomainWidth(), 57u);
  // 64-bit (6-level) tables are never the default (FS 9.A.2: largest <= 57).
  EXPECT_EQ(Capabilities::decode(0x10, 0x12ull << 8, 0).defaultDomainWidth(), 39u);
}

TEST(Capabilities, ProblemsNameTheField) {
  EXPECT_TRUE(Capabilities::decode(0x10, FakeUnit::kDefaultCap, FakeUnit::kDefaultEcap).problems().empty());
  auto reserved_nd = Capabilities::decode(0x10, FakeUnit::kDefaultCap | 7, FakeUnit::kDefaultEcap).problems();
  ASSERT_FALSE(reserved_nd.empty());
  EXPECT_NE(reserved_nd[0].find("CAP.ND"), std::string::npos);
  auto v6 = Capabilities::decode(0x60, FakeUnit::kDefaultCap, FakeUnit::kDefaultEcap).problems();
  ASSERT_FALSE(v6.empty());
  EXPECT_NE(v6[0].find("register-based invalidation"), std::string::npos);
}

// What the model advertises for a distinctive configuration, decoded by the driver.
TEST_F(FirmwareTest, DecodesTheModelsCapabilities) {
  UnitConfig config;
  config.unit.version_major = 1;
  config.unit.domain_id_bits = 8;
  config.unit.sagaw_bits = {39, 57};
  config.unit.mgaw_bits = 57;
  config.unit.fault_records = 5;
  config.unit.fault_record_offset = 0x600;
  config.unit.iotlb_reg_offset = 0x300;
  config.unit.superpage_1g = false;
  config.unit.max_address_mask = 9;
  config.unit.caching_mode = true;
  config.unit.write_buffer_flush = true;
  config.unit.coherent = false;
  config.unit.pass_through = false;
  config.unit.drain_writes = false;
  config.unit.queued_invalidation = false;  // on by default
  build(config);
  fw::Status s = driver->probe();
  ASSERT_TRUE(s) << s.error;
  const Capabilities& c = driver->caps();
  EXPECT_EQ(c.version_major, 1u);
  EXPECT_EQ(c.domain_count, 256u);
  EXPECT_EQ(c.sagaw_widths, (std::vector<unsigned>{39, 57}));
  EXPECT_EQ(c.mgaw_bits, 57u);
  EXPECT_EQ(c.fault_record_count, 5u);
  EXPECT_EQ(c.fault_record_offset, 0x600u);
  EXPECT_EQ(c.iotlb_reg_offset, 0x300u);
  EXPECT_TRUE(c.sllps_2m);
  EXPECT_FALSE(c.sllps_1g);
  EXPECT_EQ(c.mamv, 9u);
  EXPECT_TRUE(c.cm);
  EXPECT_TRUE(c.rwbf);
  EXPECT_FALSE(c.coherent);
  EXPECT_FALSE(c.pt);
  EXPECT_FALSE(c.dwd);
  EXPECT_TRUE(c.drd);
  EXPECT_FALSE(c.qi);
  EXPECT_FALSE(c.ir);
  EXPECT_TRUE(c.psi);
  EXPECT_EQ(c.registerWindowBytes(), sys->unit.registerBlockSize());
}

}  // namespace
}  // namespace vtd::test
