// PciHostBridge: configuration mechanism #1 (PCI LB 3.0 3.2.2.3.2) with the q35 host
// bridge at 00:00.0 and an edu at 00:04.0. Expected values are those QEMU 7.2 returned
// for the same port accesses (`-machine q35 -device edu,addr=4.0`, qtest inb/inw/inl).
#include <gtest/gtest.h>

#include <vector>

#include "testbench/serve/devices/edu_bench.h"

namespace vtd::test {
namespace {

using platform::PciHostBridge;

// 00:00.0 is q35's MCH: 8086:29C0, class 0x060000, revision 0, QEMU subsystem ids, and the
// chipset registers' reset values (EXT_TSEG_MBYTES, PCIEXBAR, SMRAM/ESMRAMC).
TEST(PciHostBridge, HostBridgeIdentity) {
  EduBench b;
  EXPECT_EQ(b.cfgRead(0x00, 4, 0), 0x29C08086u);
  EXPECT_EQ(b.cfgRead(0x04, 4, 0), 0x00000000u);
  EXPECT_EQ(b.cfgRead(0x08, 4, 0), 0x06000000u);
  EXPECT_EQ(b.cfgRead(0x0C, 4, 0), 0x00000000u);  // header type 0, single function
  EXPECT_EQ(b.cfgRead(0x2C, 4, 0), 0x11001AF4u);
  EXPECT_EQ(b.cfgRead(0x50, 4, 0), 0x00000010u);
  EXPECT_EQ(b.cfgRead(0x60, 4, 0), 0xB0000000u);
  EXPECT_EQ(b.cfgRead(0x9C, 4, 0), 0x00380200u);
  b.cfgWrite(0x00, 0xFFFFFFFF, 4, 0);
  EXPECT_EQ(b.cfgRead(0x00, 4, 0), 0x29C08086u);
  b.cfgWrite(0x04, 0xFFFF, 2, 0);  // COMMAND has the generic writable bits
  EXPECT_EQ(b.cfgRead(0x04, 2, 0), 0x0507u);
}

// edu's header through the ports: QEMU 7.2 dump of 00:04.0.
TEST(PciHostBridge, EduHeaderThroughPorts) {
  EduBench b;
  const std::vector<uint32_t> expected = {
      0x11E81234, 0x00100000, 0x00FF0010, 0, 0,          0, 0,          0,         0,
      0,          0,          0x11001AF4, 0, 0x00000040, 0, 0x00000100, 0x00800005};
  for (unsigned i = 0; i < expected.size(); ++i)
    EXPECT_EQ(b.cfgRead(4 * i), expected[i]) << "register 0x" << std::hex << 4 * i;
}

// CONFIG_ADDRESS keeps all 32 bits written by a dword write at 0xCF8; narrower reads
// return it truncated, not shifted (QEMU: after outl 0x80AB20CD, inb 0xCF8/0xCFA/0xCFB
// = 0xCD, inw 0xCFA = 0x20CD); byte 0xCF9 is the reset control register (reads 0).
TEST(PciHostBridge, ConfigAddressRegister) {
  EduBench b;
  b.bridge.ioWrite(0xCF8, 4, 0x80AB20CD);
  EXPECT_EQ(b.bridge.ioRead(0xCF8, 4), 0x80AB20CDu);
  EXPECT_EQ(b.bridge.ioRead(0xCF8, 1), 0xCDu);
  EXPECT_EQ(b.bridge.ioRead(0xCF9, 1), 0x00u);
  EXPECT_EQ(b.bridge.ioRead(0xCFA, 1), 0xCDu);
  EXPECT_EQ(b.bridge.ioRead(0xCFB, 1), 0xCDu);
  EXPECT_EQ(b.bridge.ioRead(0xCFA, 2), 0x20CDu);
  EXPECT_EQ(b.bridge.ioRead(0xCF8, 2), 0x20CDu);
  // Only a dword write at 0xCF8 loads it (QEMU: outw 0xCF8 and outb 0xCF8 change nothing).
  b.bridge.ioWrite(0xCF8, 2, 0x1234);
  b.bridge.ioWrite(0xCF8, 1, 0x00);
  b.bridge.ioWrite(0xCFA, 2, 0x0000);
  EXPECT_EQ(b.bridge.configAddress(), 0x80AB20CDu);
}

// CONFIG_DATA: byte and word lanes at 0xCFC..0xCFF select bytes of the dword (QEMU on the
// class dword 0x00FF0010: inb 0xCFE = 0xFF, inw 0xCFE = 0x00FF, inb 0xCFF = 0).
TEST(PciHostBridge, DataPortLanes) {
  EduBench b;
  b.bridge.ioWrite(0xCF8, 4, configAddress(0x20, 0x08));
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x00FF0010u);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 1), 0x10u);
  EXPECT_EQ(b.bridge.ioRead(0xCFD, 1), 0x00u);
  EXPECT_EQ(b.bridge.ioRead(0xCFE, 1), 0xFFu);
  EXPECT_EQ(b.bridge.ioRead(0xCFF, 1), 0x00u);
  EXPECT_EQ(b.bridge.ioRead(0xCFE, 2), 0x00FFu);
  // Writes on a lane reach only that byte: COMMAND high byte via 0xCFD.
  b.bridge.ioWrite(0xCF8, 4, configAddress(0x20, 0x04));
  b.bridge.ioWrite(0xCFD, 1, 0xFF);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x00100500u);
  b.bridge.ioWrite(0xCFE, 2, 0xFFFF);  // STATUS: nothing to clear, CAP_LIST stays
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x00100500u);
}

// A misaligned data port access splits at natural alignment, and bytes past 0xCFF are an
// unassigned port (QEMU: inl 0xCFD = 0xFF11E812, inw 0xCFD = 0xE812 at register 0).
TEST(PciHostBridge, MisalignedDataAccessSplits) {
  EduBench b;
  b.bridge.ioWrite(0xCF8, 4, configAddress(0x20, 0x00));
  EXPECT_EQ(b.bridge.ioRead(0xCFD, 4), 0xFF11E812u);
  EXPECT_EQ(b.bridge.ioRead(0xCFD, 2), 0xE812u);
  EXPECT_EQ(b.bridge.ioRead(0xCFE, 4), 0xFFFF11E8u);
  EXPECT_TRUE(PciHostBridge::decodesPort(0xCF8, 4));
  EXPECT_TRUE(PciHostBridge::decodesPort(0xCFF, 1));
  EXPECT_TRUE(PciHostBridge::decodesPort(0xCF6, 4));
  EXPECT_FALSE(PciHostBridge::decodesPort(0xD00, 1));
  EXPECT_FALSE(PciHostBridge::decodesPort(0xCF4, 4));
}

// Bits 1:0 of CONFIG_ADDRESS are OR-ed with the lane; the access is clipped at 0xFF
// (QEMU: CONFIG_ADDRESS 0x80002002, inl 0xCFC = 0x000011E8; 0x800020FE reads 0).
TEST(PciHostBridge, LowAddressBitsSelectBytes) {
  EduBench b;
  b.bridge.ioWrite(0xCF8, 4, 0x80002002);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x000011E8u);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 2), 0x11E8u);
  EXPECT_EQ(b.bridge.ioRead(0xCFD, 1), 0x11u);
  b.bridge.ioWrite(0xCF8, 4, configAddress(0x20, 0xFC));
  b.bridge.ioWrite(0xCFC, 4, 0xDDCCBBAA);
  b.bridge.ioWrite(0xCF8, 4, 0x800020FE);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x0000DDCCu);
}

// Enable bit clear, a bus other than 0, or an absent function: reads all-ones at the
// access size, writes dropped (QEMU: 0xFFFFFFFF, inw 0xCFE = 0xFFFF). Bits 30:24 are
// reserved and ignored (0x81002000 still selects 00:04.0).
TEST(PciHostBridge, UnclaimedAccessesReadAllOnes) {
  EduBench b;
  b.bridge.ioWrite(0xCF8, 4, 0x00002000);  // enable clear
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.bridge.ioRead(0xCFE, 2), 0xFFFFu);
  b.bridge.ioWrite(0xCFC, 4, 0);  // dropped: would otherwise hit nothing writable anyway
  b.bridge.ioWrite(0xCF8, 4, 0x00002010);
  b.bridge.ioWrite(0xCFC, 4, 0xC0000000);  // BAR0 write with enable clear: dropped
  EXPECT_EQ(b.cfgRead(0x10), 0u);
  b.bridge.ioWrite(0xCF8, 4, 0x80012000);  // bus 1
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0xFFFFFFFFu);
  b.bridge.ioWrite(0xCF8, 4, 0x80002800);  // 00:05.0: nobody there
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.bridge.ioRead(0xCFF, 1), 0xFFu);
  b.bridge.ioWrite(0xCF8, 4, 0x80002100);  // 00:04.1: edu is single-function
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0xFFFFFFFFu);
  EXPECT_GE(b.bridge.stats().master_aborts, 6u);
  b.bridge.ioWrite(0xCF8, 4, 0x81002000);
  EXPECT_EQ(b.bridge.ioRead(0xCFC, 4), 0x11E81234u);
}

// memoryClaimant: the function whose BAR decodes the range, only with COMMAND.Memory.
TEST(PciHostBridge, MemoryClaimantFollowsBarAndCommand) {
  EduBench b;
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar, 4), nullptr);
  b.cfgWrite(0x10, uint32_t(EduBench::kBar));
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar, 4), nullptr);  // Memory Space off
  b.cfgWrite(0x04, 0x2, 2);
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar, 4), &b.edu);
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar + 0xFFFF8, 8), &b.edu);
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar + 0x100000, 4), nullptr);
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar - 4, 4), nullptr);
  b.cfgWrite(0x10, 0xD0000000);  // moved
  EXPECT_EQ(b.bridge.memoryClaimant(EduBench::kBar, 4), nullptr);
  EXPECT_EQ(b.bridge.memoryClaimant(0xD0000000, 4), &b.edu);
}

TEST(PciHostBridge, AttachRefusesTakenSlot) {
  platform::EduDevice other("other", EduBench::kDevfn);  // before the bench ends elaboration
  RecordingTarget sink("sink");
  other.dma.bind(sink.socket);
  EduBench b;
  EXPECT_THROW(b.bridge.attach(other), std::invalid_argument);
  EXPECT_EQ(b.bridge.device(EduBench::kDevfn), &b.edu);
  EXPECT_NE(b.bridge.device(0), nullptr);
}

}  // namespace
}  // namespace vtd::test
