// EduDevice interrupts: MSI programming and the message it writes (PCI LB 3.0 6.8.1:
// DWORD write of the 16-bit data, zero-extended, to the 64-bit address, from 00:04.0),
// QEMU's edu_raise_irq (a message on every raise while the status is non-zero), the INTx
// level with STATUS.Interrupt and COMMAND.INTx Disable (6.2.2/6.2.3), msi_write_config
// deasserting INTx, and the DMA / factorial completion interrupts. The INTx/STATUS values
// are those QEMU 7.2 showed (raise 5: 0x04 dword 0x00180006; INTx Disable: 0x00180406).
#include <gtest/gtest.h>

#include <vector>

#include "model/common/stat_registry.h"
#include "testbench/serve/devices/edu_bench.h"

namespace vtd::test {
namespace {

using platform::EduDevice;
using sc_core::SC_MS;
using sc_core::sc_time;

std::vector<uint8_t> le32(uint32_t v) {
  return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
}

TEST(EduInterrupt, MsiMessageContents) {
  EduBench b;
  b.setup();
  b.enableMsi(0xFEE00000, 0x0041);
  EXPECT_TRUE(b.edu.msi().enabled());
  b.write(0x60, 4, 0x1);
  b.settle();
  ASSERT_EQ(b.ram.log.size(), 1u);
  const RecordedTransaction& m = b.ram.log[0];
  EXPECT_TRUE(m.write);
  EXPECT_EQ(m.address, 0xFEE00000u);
  EXPECT_EQ(m.data, le32(0x41));
  EXPECT_TRUE(m.has_requester);
  EXPECT_EQ(m.source, 0x0020);  // SourceId::fromBdf(0, 4, 0)
  EXPECT_FALSE(b.edu.intxAsserted());
  EXPECT_EQ(b.edu.stats().msis_sent, 1u);
}

// Upper address and full 16-bit data: a remappable-format address (bit 4 set, handle in
// bits 19:5) with data 0xFFFF is sent as written, data zero-extended to 32 bits.
TEST(EduInterrupt, MsiAddressAndDataAsProgrammed) {
  EduBench b;
  b.setup();
  b.enableMsi(0x00000001FEE000B8ull, 0xFFFF);
  b.write(0x60, 4, 0x2);
  b.settle();
  ASSERT_EQ(b.ram.log.size(), 1u);
  EXPECT_EQ(b.ram.log[0].address, 0x00000001FEE000B8ull);
  EXPECT_EQ(b.ram.log[0].data, le32(0x0000FFFF));
  // Address bits 1:0 are read-only 0 (6.8.1.4).
  b.cfgWrite(0x44, 0xFEE00003);
  EXPECT_EQ(b.cfgRead(0x44), 0xFEE00000u);
}

// edu_raise_irq sends on every raise while the status is non-zero, not on an edge: a raise
// of 0 with a cause pending sends again; with nothing pending it sends nothing. The
// acknowledge never sends.
TEST(EduInterrupt, MsiOnEveryRaise) {
  EduBench b;
  b.setup();
  b.enableMsi(0xFEE00000, 0x30);
  b.write(0x60, 4, 0x1);
  b.write(0x60, 4, 0x1);
  b.write(0x60, 4, 0x0);
  b.settle();
  EXPECT_EQ(b.ram.interrupts().size(), 3u);
  b.write(0x64, 4, 0x1);
  b.write(0x60, 4, 0x0);
  b.settle();
  EXPECT_EQ(b.ram.interrupts().size(), 3u);
  EXPECT_EQ(b.read(0x24, 4), 0u);
}

// The message is a bus-master write: with COMMAND.Bus Master clear it goes nowhere.
TEST(EduInterrupt, MsiNeedsBusMaster) {
  EduBench b;
  b.setup(0x2);
  b.enableMsi(0xFEE00000, 0x30);
  b.write(0x60, 4, 0x1);
  b.settle();
  EXPECT_TRUE(b.ram.log.empty());
  EXPECT_EQ(b.edu.stats().msis_dropped, 1u);
  EXPECT_FALSE(b.edu.intxAsserted());  // MSI enabled: INTx is not used either
  b.cfgWrite(0x04, 0x6, 2);
  b.write(0x60, 4, 0x1);
  b.settle();
  EXPECT_EQ(b.ram.interrupts().size(), 1u);
}

// Without MSI, INTA# follows the status: asserted while non-zero, STATUS.Interrupt shows
// it, COMMAND.INTx Disable masks the pin but not the status bit.
TEST(EduInterrupt, IntxLevelAndStatusBit) {
  EduBench b;
  b.setup();
  EXPECT_FALSE(b.edu.intxAsserted());
  b.write(0x60, 4, 0x5);
  EXPECT_TRUE(b.edu.intxAsserted());
  EXPECT_EQ(b.cfgRead(0x04), 0x00180006u);
  b.write(0x60, 4, 0x8);  // a level: no second assertion
  EXPECT_EQ(b.edu.stats().intx_assertions, 1u);
  b.cfgWrite(0x04, 0x406, 2);
  EXPECT_FALSE(b.edu.intxAsserted());
  EXPECT_EQ(b.cfgRead(0x04), 0x00180406u);
  b.write(0x64, 4, 0x4);
  EXPECT_EQ(b.cfgRead(0x04), 0x00180406u);
  b.cfgWrite(0x04, 0x006, 2);  // unmasked while still pending: asserted again
  EXPECT_TRUE(b.edu.intxAsserted());
  EXPECT_EQ(b.edu.stats().intx_assertions, 2u);
  b.write(0x64, 4, 0x9);
  EXPECT_FALSE(b.edu.intxAsserted());
  EXPECT_EQ(b.cfgRead(0x04), 0x00100006u);
  EXPECT_TRUE(b.ram.log.empty());
}

// msi_write_config: a config write touching the enabled capability deasserts INTx; the
// status stays, and later raises send messages. Disabling MSI does not re-assert INTx
// until the next raise.
TEST(EduInterrupt, EnablingMsiDeassertsIntx) {
  EduBench b;
  b.setup();
  b.write(0x60, 4, 0x5);
  ASSERT_TRUE(b.edu.intxAsserted());
  b.enableMsi(0xFEE00000, 0x30);
  EXPECT_FALSE(b.edu.intxAsserted());
  EXPECT_EQ(b.cfgRead(0x04) >> 16 & 0x8, 0u);
  EXPECT_EQ(b.read(0x24, 4), 0x5u);
  b.write(0x64, 4, 0x5);  // acknowledge with MSI on: nothing to lower, nothing sent
  b.write(0x60, 4, 0x1);
  b.settle();
  EXPECT_EQ(b.ram.interrupts().size(), 1u);
  b.cfgWrite(0x42, 0x0000, 2);
  EXPECT_FALSE(b.edu.intxAsserted());
  b.write(0x60, 4, 0x2);
  EXPECT_TRUE(b.edu.intxAsserted());
}

// cmd bit 2: interrupt 0x100 when the transfer is done; its message follows the data.
TEST(EduInterrupt, DmaCompletionMessageAfterData) {
  EduBench b;
  b.setup();
  b.enableMsi(0xFEE00000, 0x55);
  b.startDma(0x40000, 0x2000, 32, EduDevice::kDmaRun | EduDevice::kDmaToRam | EduDevice::kDmaIrq);
  b.run(100);
  ASSERT_EQ(b.ram.log.size(), 2u);
  EXPECT_EQ(b.ram.log[0].address, 0x2000u);
  EXPECT_EQ(b.ram.log[1].address, 0xFEE00000u);
  EXPECT_EQ(b.ram.log[1].data, le32(0x55));
  EXPECT_EQ(b.ram.log[1].time, sc_time(100, SC_MS));
  EXPECT_EQ(b.read(0x24, 4), EduDevice::kDmaIrqValue);
}

// Status bit 7: interrupt 0x1 when a factorial finishes (edu_fact_thread).
TEST(EduInterrupt, FactorialCompletionInterrupt) {
  EduBench b;
  b.setup();
  b.write(0x08, 4, 4);
  EXPECT_EQ(b.read(0x24, 4), 0u);
  b.write(0x20, 4, EduDevice::kStatusIrqFact);
  b.write(0x08, 4, 4);
  EXPECT_EQ(b.read(0x08, 4), 24u);
  EXPECT_EQ(b.read(0x24, 4), EduDevice::kFactIrq);
  EXPECT_TRUE(b.edu.intxAsserted());
}

TEST(EduInterrupt, StatsRegistered) {
  EduBench b;
  b.setup();
  b.enableMsi(0xFEE00000, 0x30);
  b.write(0x60, 4, 0x1);
  b.settle();
  StatRegistry r;
  b.edu.describeStats(r, "edu.");
  b.bridge.describeStats(r, "pci.");
  EXPECT_EQ(r.value("edu.msis_sent"), 1.0);
  EXPECT_EQ(r.value("edu.dmas_done"), 0.0);
  EXPECT_GT(r.value("pci.config_writes"), 0.0);
  b.edu.resetStats();
  EXPECT_EQ(r.value("edu.msis_sent"), 0.0);
}

}  // namespace
}  // namespace vtd::test
