// Configuration: strict JSON loading and --set overrides name the offending key; the
// effective configuration round-trips; the unit refuses inconsistent or unimplemented
// settings; CAP/ECAP follow the semantic parameters.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/common/bits.h"
#include "model/common/flat_memory.h"
#include "model/common/param_registry.h"
#include "model/registers/capability.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

struct Registry {
  UnitConfig config;
  ParamRegistry reg;
  Registry() { config.describe(reg); }
};

TEST(Params, UnknownKeysAreErrorsNamingTheKey) {
  Registry r;
  auto e = errorOf([&] { r.reg.loadJson(nlohmann::json::parse(R"({"iotlb": {"wayz": 4}})")); });
  EXPECT_NE(e.find("iotlb.wayz"), std::string::npos) << e;
  e = errorOf([&] { r.reg.loadJson(nlohmann::json::parse(R"({"nonsense": {"a": 1}})")); });
  EXPECT_NE(e.find("nonsense"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("unit.fault_recordz=3"); });
  EXPECT_NE(e.find("unit.fault_recordz"), std::string::npos) << e;
}

TEST(Params, BadValuesAreErrorsNamingTheKey) {
  Registry r;
  auto e = errorOf([&] { r.reg.loadJson(nlohmann::json::parse(R"({"iotlb": {"ways": "many"}})")); });
  EXPECT_NE(e.find("iotlb.ways"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("unit.fault_records=0"); });
  EXPECT_NE(e.find("unit.fault_records"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("iotlb.policy=mru"); });
  EXPECT_NE(e.find("lru|plru|fifo|random"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("unit.sagaw_bits=39,40"); });
  EXPECT_NE(e.find("40"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("unit.coherent=maybe"); });
  EXPECT_NE(e.find("unit.coherent"), std::string::npos) << e;
  e = errorOf([&] { r.reg.setOverride("novalue"); });
  EXPECT_NE(e.find("key=value"), std::string::npos) << e;
}

TEST(Params, OverridesAndJsonApply) {
  Registry r;
  r.reg.setOverride("iotlb.ways=4");
  r.reg.setOverride("unit.sagaw_bits=39,48,57");
  r.reg.setOverride("iotlb.policy=plru");
  r.reg.loadJson(nlohmann::json::parse(R"({"context_cache": {"entries": "2k"}, "unit": {"caching_mode": true}})"));
  EXPECT_EQ(r.config.iotlb.ways, 4u);
  EXPECT_EQ(r.config.unit.sagaw_bits, (std::vector<uint32_t>{39, 48, 57}));
  EXPECT_EQ(r.config.iotlb.policy, ReplacementPolicy::TreePlru);
  EXPECT_EQ(r.config.context_cache.entries, 2048u);
  EXPECT_TRUE(r.config.unit.caching_mode);
}

TEST(Params, EffectiveConfigRoundTrips) {
  Registry a;
  a.reg.setOverride("iotlb.entries=256");
  a.reg.setOverride("unit.mgaw_bits=39");
  const nlohmann::json dumped = a.reg.toJson();
  Registry b;
  b.reg.loadJson(dumped);
  EXPECT_EQ(b.reg.toJson(), dumped);
  EXPECT_EQ(b.config.iotlb.entries, 256u);
  EXPECT_EQ(dumped["unit"]["mgaw_bits"], 39);
}

// Features that depend on another (CAP.PI and ECAP.EIM on ECAP.IR) are refused alone.
TEST(Params, DependentFeaturesAreRefusedAlone) {
  UnitConfig c;
  c.unit.posted_interrupts = true;
  c.unit.extended_interrupt_mode = true;
  auto errors = c.validate();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("unit.posted_interrupts"), std::string::npos);
  EXPECT_NE(errors[1].find("unit.extended_interrupt_mode"), std::string::npos);
  FlatMemory mem(4096);
  EXPECT_THROW(RemappingUnit(c, mem), std::invalid_argument);
  c.unit.interrupt_remapping = true;
  EXPECT_TRUE(c.validate().empty());
}

TEST(Params, OverlappingRegisterPlacementIsRefused) {
  UnitConfig c;
  c.unit.fault_record_offset = 0x400;
  c.unit.fault_records = 8;          // FRCDs at 0x400..0x47F
  c.unit.iotlb_reg_offset = 0x470;   // inside them
  auto errors = c.validate();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("overlaps"), std::string::npos);
}

// CAP/ECAP encode the parameters at the positions of FS 2.1/2.2.
TEST(Params, CapabilityEncoding) {
  UnitParams p;
  p.domain_id_bits = 8;
  p.sagaw_bits = {39, 57};
  p.mgaw_bits = 57;
  p.fault_records = 16;
  p.fault_record_offset = 0x800;
  p.iotlb_reg_offset = 0x700;
  p.caching_mode = true;
  p.superpage_1g = false;
  p.max_address_mask = 9;
  const uint64_t cap = encodeCap(p), ecap = encodeEcap(p);
  EXPECT_EQ(getBits(cap, 2, 0), 2u);          // ND: 2^(4+2*2) = 256 domains
  EXPECT_TRUE(testBit(cap, 7));               // CM
  EXPECT_EQ(getBits(cap, 12, 8), 0b1010u);    // SAGAW: 39 (bit 9) and 57 (bit 11)
  EXPECT_EQ(getBits(cap, 21, 16), 56u);       // MGAW
  EXPECT_EQ(getBits(cap, 33, 24), 0x80u);     // FRO
  EXPECT_EQ(getBits(cap, 37, 34), 0b01u);     // SLLPS: 2 MiB only
  EXPECT_EQ(getBits(cap, 47, 40), 15u);       // NFR
  EXPECT_EQ(getBits(cap, 53, 48), 9u);        // MAMV
  EXPECT_EQ(getBits(ecap, 17, 8), 0x70u);     // IRO
  EXPECT_TRUE(testBit(ecap, 1));              // QI (on by default)
  p.queued_invalidation = false;
  EXPECT_FALSE(testBit(encodeEcap(p), 1));    // QI not advertised
  EXPECT_TRUE(testBit(ecap, 6));              // PT
}

}  // namespace
}  // namespace vtd
