// Fault handling against the model (FS 7.1, 7.2, 7.5): records written by real faults are
// decoded (reason, SID, address, T) and retired, PPF and PFO end up clear, the handler
// starts at FRI and wraps, the fault event reaches the sink exactly once per new
// condition, and the driver finds FRCD and IOTLB registers wherever CAP.FRO/ECAP.IRO put
// them. Record decoding of fields the model cannot produce uses hand-built raw values.
#include <gtest/gtest.h>

#include "firmware/fault_handler.h"
#include "testbench/firmware/fake_unit.h"
#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {
namespace {

using fw::FaultRecord;
using fw::Perm;

TEST_F(FirmwareTest, DecodesRecordsOfRealFaults) {
  fw::Domain& d = bringUpWithDomain();
  ASSERT_TRUE(driver->map(d, 0x1000, 0x100000, 0x1000, Perm::Read));
  EXPECT_FALSE(dmaWrite(0x1234).ok());                 // W missing: 0x5
  EXPECT_FALSE(dmaRead(0x7654'3210).ok());             // not present: 0x6
  EXPECT_FALSE(dmaRead(0x2000, 0x0100).ok());          // 01:00.0: bus 1 has no root entry
  ASSERT_TRUE(reg32(spec::kFsts) & spec::kPpf);
  const std::vector<FaultRecord> records = driver->handleFaults();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].reason, 0x05);
  EXPECT_EQ(records[0].source_id, kSid);
  EXPECT_EQ(records[0].address, 0x1000u);
  EXPECT_TRUE(records[0].is_write);
  EXPECT_EQ(records[0].index, 0u);
  EXPECT_EQ(records[1].reason, 0x06);
  EXPECT_EQ(records[1].address, 0x7654'3000u);
  EXPECT_FALSE(records[1].is_write);
  EXPECT_EQ(records[1].index, 1u);
  EXPECT_EQ(records[2].reason, 0x01);  // root entry of bus 1 not present
  EXPECT_EQ(records[2].source_id, 0x0100u);
  EXPECT_FALSE(records[2].pasid_present);
  EXPECT_FALSE(records[2].isInterruptFault());
  // Everything retired: F clear in each record, PPF and PFO clear.
  EXPECT_EQ(reg32(spec::kFsts) & (spec::kPpf | spec::kPfo), 0u);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(reg64(0x400 + 16 * i + 8) >> 63, 0u) << i;
  EXPECT_EQ(driver->stats().faults_handled, 3u);
  EXPECT_TRUE(driver->handleFaults().empty());
}

TEST_F(FirmwareTest, HandlerStartsAtFriAndWraps) {
  UnitConfig config;
  config.unit.fault_records = 4;
  build(config);
  bringUpWithDomain();
  for (int i = 0; i < 3; ++i) dmaRead(0x10000 + 0x1000 * i);
  ASSERT_EQ(driver->handleFaults().size(), 3u);
  // The next two land in records 3 and 0; FRI points at 3.
  dmaRead(0xA000);
  dmaWrite(0xB000);
  ASSERT_EQ((reg32(spec::kFsts) >> 8) & 0xFF, 3u);
  const auto records = driver->handleFaults();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].index, 3u);
  EXPECT_EQ(records[0].address, 0xA000u);
  EXPECT_EQ(records[1].index, 0u);
  EXPECT_EQ(records[1].address, 0xB000u);
  EXPECT_TRUE(records[1].is_write);
}

TEST_F(FirmwareTest, OverflowIsClearedAndRecordingResumes) {
  UnitConfig config;
  config.unit.fault_records = 2;
  build(config);
  bringUpWithDomain();
  for (int i = 0; i < 3; ++i) dmaRead(0x10000 + 0x1000 * i);
  ASSERT_TRUE(reg32(spec::kFsts) & spec::kPfo) << "third fault overflowed";
  EXPECT_EQ(driver->handleFaults().size(), 2u);
  EXPECT_EQ(reg32(spec::kFsts) & (spec::kPpf | spec::kPfo), 0u);
  EXPECT_FALSE(dmaRead(0x20000).ok());
  const auto records = driver->handleFaults();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].address, 0x20000u);
}

TEST_F(FirmwareTest, PfoAloneIsCleared) {
  UnitConfig config;
  config.unit.fault_records = 1;
  build(config);
  bringUpWithDomain();
  dmaRead(0x10000);
  dmaRead(0x11000);  // dropped: PFO
  // Other software retires the record but leaves PFO: PPF = 0, PFO = 1.
  sys->unit.mmioWrite(0x400 + 12, 4, 1u << 31);
  ASSERT_EQ(reg32(spec::kFsts) & (spec::kPpf | spec::kPfo), spec::kPfo);
  EXPECT_TRUE(driver->handleFaults().empty());
  EXPECT_EQ(reg32(spec::kFsts) & spec::kPfo, 0u);
}

TEST_F(FirmwareTest, StaleFaultsAreDrainedByEnable) {
  ASSERT_TRUE(driver->probe());
  // Faults from before the driver took over: translation on, no root entries.
  sys->unit.mmioWrite(spec::kRtaddr, 8, kTablesBase + kTablesSize);  // zeroed memory
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kSrtp);
  sys->unit.mmioWrite(spec::kGcmd, 4, spec::kTe);
  dmaRead(0x1000);
  dmaRead(0x2000, kSid2);
  ASSERT_TRUE(reg32(spec::kFsts) & spec::kPpf);
  ASSERT_TRUE(driver->enable());
  EXPECT_EQ(driver->stats().stale_faults_drained, 2u);
  EXPECT_EQ(reg32(spec::kFsts) & (spec::kPpf | spec::kPfo), 0u);
}

TEST_F(FirmwareTest, FaultEventDeliversOneMsiWithTheProgrammedMessage) {
  bringUpWithDomain();
  driver->setFaultInterrupt(0xFEE0'1000, 0x4041);
  EXPECT_EQ(reg32(spec::kFedata), 0x4041u);
  EXPECT_EQ(reg32(spec::kFeaddr), 0xFEE0'1000u);
  EXPECT_EQ(reg32(spec::kFectl), 0u) << "unmasked, nothing pending";
  EXPECT_TRUE(mmio->writesTo(spec::kFeuaddr).empty()) << "FEUADDR only with ECAP.EIM";
  EXPECT_TRUE(sys->sink.messages.empty());
  dmaRead(0x10000);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].address, 0xFEE0'1000u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x4041u);
  dmaRead(0x11000);  // PPF already set: recorded, no new event (FS 7.5)
  EXPECT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(driver->handleFaults().size(), 2u);
  dmaRead(0x12000);  // a new condition after the handler ran
  EXPECT_EQ(sys->sink.messages.size(), 2u);
}

TEST_F(FirmwareTest, HeldFaultEventIsSentWhenUnmasked) {
  bringUpWithDomain();
  dmaRead(0x10000);  // FECTL.IM is 1 from reset: the event is held (IP = 1)
  EXPECT_TRUE(sys->sink.messages.empty());
  EXPECT_EQ(reg32(spec::kFectl), spec::kFectlIm | spec::kFectlIp);
  driver->setFaultInterrupt(0xFEE0'0000, 0x31);
  ASSERT_EQ(sys->sink.messages.size(), 1u);
  EXPECT_EQ(sys->sink.messages[0].data, 0x31u);
  EXPECT_EQ(reg32(spec::kFectl), 0u);
}

TEST(FaultRecordDecode, FieldsTheModelDoesNotProduce) {
  // PASID request: PP, PRIV, EXE in dword 2; PV = 0xABCDE, AT = 2, T = 1 in dword 3.
  const uint32_t dw2 = 0x1234u | 1u << 29 | 1u << 30 | 1u << 31;
  const uint32_t dw3 = 0x80u | 0xABCDEu << 8 | 2u << 28 | 1u << 30 | 1u << 31;
  const FaultRecord r = fw::FaultHandler::decode(5, 0xDEAD'B000ull | 0xFFF, dw2, dw3);
  EXPECT_EQ(r.index, 5u);
  EXPECT_EQ(r.source_id, 0x1234u);
  EXPECT_EQ(r.reason, 0x80);
  EXPECT_EQ(r.address, 0xDEAD'B000u) << "bits 11:0 are reserved, not address";
  EXPECT_TRUE(r.pasid_present);
  EXPECT_EQ(r.pasid, 0xABCDEu);
  EXPECT_TRUE(r.privileged);
  EXPECT_TRUE(r.execute);
  EXPECT_EQ(r.address_type, 2u);
  EXPECT_FALSE(r.is_write);
  EXPECT_EQ(r.raw_hi, uint64_t(dw3) << 32 | dw2);
  // Interrupt-remapping fault: FI holds the index in 63:48; T is not a direction.
  const FaultRecord ir = fw::FaultHandler::decode(0, 0x0123ull << 48, 0x00F8, 0x22u | 1u << 31);
  EXPECT_TRUE(ir.isInterruptFault());
  EXPECT_EQ(ir.interruptIndex(), 0x0123u);
  EXPECT_FALSE(ir.is_write);
}

TEST(FaultInterrupt, UpperAddressOnlyWithEim) {
  FakeUnit fake;
  FlatMemory flat(4 << 20);
  DirectMemory phys(flat);
  ManualClock clock;
  fw::PhysAllocator alloc(phys, 1 << 20, 1 << 20);
  fw::Hal hal{fake, phys, clock};
  fake.ecap |= 1ull << 4;  // EIM
  fw::VtdDriver eim(hal, alloc);
  ASSERT_TRUE(eim.probe());
  eim.setFaultInterrupt(0x1'FEE0'2004ull, 0x55);
  EXPECT_EQ(fake.writesTo(spec::kFedata), std::vector<uint64_t>{0x55});
  EXPECT_EQ(fake.writesTo(spec::kFeaddr), std::vector<uint64_t>{0xFEE0'2004});
  EXPECT_EQ(fake.writesTo(spec::kFeuaddr), std::vector<uint64_t>{0x1});
  EXPECT_EQ(fake.writesTo(spec::kFectl), std::vector<uint64_t>{0});
  // Order: data, address, upper address, then the unmask.
  std::vector<uint32_t> order;
  for (const auto& a : fake.log)
    if (a.write) order.push_back(a.offset);
  EXPECT_EQ(order, (std::vector<uint32_t>{spec::kFedata, spec::kFeaddr, spec::kFeuaddr, spec::kFectl}));
}

// The driver must find FRCD at CAP.FRO*16 and IVA/IOTLB_REG at ECAP.IRO*16 (FS 1.2).
struct Placement {
  uint32_t fault_record_offset;
  uint32_t iotlb_reg_offset;
  uint32_t fault_records;
};
class PlacementTest : public FirmwareTest, public ::testing::WithParamInterface<Placement> {};

TEST_P(PlacementTest, FaultsAndInvalidationsUseTheAdvertisedOffsets) {
  UnitConfig config;
  config.unit.fault_record_offset = GetParam().fault_record_offset;
  config.unit.iotlb_reg_offset = GetParam().iotlb_reg_offset;
  config.unit.fault_records = GetParam().fault_records;
  build(config);
  fw::Domain& d = bringUpWithDomain();
  EXPECT_EQ(driver->caps().fault_record_offset, GetParam().fault_record_offset);
  EXPECT_EQ(driver->caps().iotlb_reg_offset, GetParam().iotlb_reg_offset);
  // IOTLB invalidation through the relocated registers really drops a cached entry.
  ASSERT_TRUE(driver->map(d, 0x10000, 0x200000, 0x1000, fw::Perm::ReadWrite));
  ASSERT_TRUE(dmaRead(0x10000).ok());
  ASSERT_TRUE(driver->unmap(d, 0x10000, 0x1000));
  EXPECT_EQ(sys->unit.stats().inv_iotlb_page, 1u);
  EXPECT_FALSE(mmio->writesTo(GetParam().iotlb_reg_offset + 8).empty());
  EXPECT_FALSE(dmaRead(0x10000).ok());
  // Fault records read from the relocated FRCD block.
  dmaWrite(0x5000);
  const auto records = driver->handleFaults();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].address, 0x10000u);
  EXPECT_EQ(records[1].address, 0x5000u);
  EXPECT_TRUE(records[1].is_write);
  EXPECT_EQ(reg32(spec::kFsts) & spec::kPpf, 0u);
  EXPECT_EQ(sys->unit.registers().unknownAccesses(), 0u) << "driver touched a non-register";
  EXPECT_EQ(sys->unit.registers().refusedAccesses(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Offsets, PlacementTest,
                         ::testing::Values(Placement{0x220, 0xF0, 2},     // QEMU-like
                                           Placement{0x100, 0x200, 8},    // Xeon IIO
                                           Placement{0x1000, 0x2800, 16}, // beyond 4 KiB
                                           Placement{0xE70, 0xE50, 4}));  // VirtualBox

}  // namespace
}  // namespace vtd::test
