// PciConfigSpace and PciMsiCapability without SystemC time: the write formula, BAR sizing
// and decode, the capability list and the MSI capability's fields. Expectations are the
// PCI Local Bus 3.0 rules and what QEMU 7.2 showed for edu at run time (see each test).
#include <gtest/gtest.h>

#include "platform/pci/pci_config_space.h"
#include "platform/pci/pci_msi_capability.h"

namespace vtd::platform {
namespace {

PciIdentity sampleIdentity() {
  PciIdentity id;
  id.vendor_id = 0x1234;
  id.device_id = 0x11E8;
  id.revision = 0x10;
  id.class_code = 0x00FF00;
  id.interrupt_pin = 1;
  return id;
}

// Header identity fields are read-only (PCI LB 3.0 6.2.1); QEMU adds its subsystem ids.
TEST(PciConfigSpace, IdentityIsReadOnly) {
  PciConfigSpace cs(sampleIdentity());
  EXPECT_EQ(cs.read(0x00, 4), 0x11E81234u);
  EXPECT_EQ(cs.read(0x08, 4), 0x00FF0010u);  // class 00h/FFh, prog 0, revision 0x10
  EXPECT_EQ(cs.read(0x2C, 4), 0x11001AF4u);
  EXPECT_EQ(cs.read(0x3C, 4), 0x00000100u);  // pin INTA#, line 0
  cs.write(0x00, 4, 0xFFFFFFFF);
  cs.write(0x08, 4, 0xFFFFFFFF);
  cs.write(0x2C, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x00, 4), 0x11E81234u);
  EXPECT_EQ(cs.read(0x08, 4), 0x00FF0010u);
  EXPECT_EQ(cs.read(0x2C, 4), 0x11001AF4u);
}

// QEMU 7.2, edu: COMMAND <- 0xFFFF reads 0x0507 (IO, MEM, MASTER, SERR, INTx Disable);
// 0x0C <- all-ones reads 0x000000FF; 0x3C <- all-ones reads 0x000001FF.
TEST(PciConfigSpace, WritableHeaderBitsAsQemu) {
  PciConfigSpace cs(sampleIdentity());
  cs.write(0x04, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x04, 2), 0x0507u);
  cs.write(0x0C, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x0C, 4), 0x000000FFu);
  cs.write(0x3C, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x3C, 4), 0x000001FFu);
  cs.write(0x3D, 1, 0x05);  // interrupt pin is read-only
  EXPECT_EQ(cs.read(0x3D, 1), 0x01u);
}

// STATUS error bits are RW1C (6.2.3): writing 1 clears, writing 0 keeps; other bits are
// read-only, so a write of all-ones to STATUS leaves Capabilities List and Interrupt.
TEST(PciConfigSpace, StatusW1cOnlyClearsWhenWrittenOne) {
  PciConfigSpace cs(sampleIdentity());
  cs.poke(0x06, 2, 0x2000 | 0x0010 | 0x0008);  // received master abort, cap list, interrupt
  cs.write(0x06, 2, 0x0000);
  EXPECT_EQ(cs.read(0x06, 2), 0x2018u);
  cs.write(0x06, 2, 0xFFFF);
  EXPECT_EQ(cs.read(0x06, 2), 0x0018u);
  cs.write(0x04, 4, 0xFFFF0000);  // a dword write of COMMAND|STATUS: COMMAND <- 0
  EXPECT_EQ(cs.read(0x04, 4), 0x00180000u);
}

// BAR sizing (6.2.5.1): write all-ones, read back the size mask with the type bits. edu's
// BAR0 in QEMU 7.2 reads 0xFFF00000: 1 MiB, memory, 32-bit, non-prefetchable.
TEST(PciConfigSpace, BarSizingReadsSizeMask) {
  PciConfigSpace cs(sampleIdentity());
  cs.addMemoryBar32(0, 1u << 20);
  EXPECT_EQ(cs.read(0x10, 4), 0u);
  cs.write(0x10, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x10, 4), 0xFFF00000u);
  cs.write(0x14, 4, 0xFFFFFFFF);  // unimplemented BARs read 0
  EXPECT_EQ(cs.read(0x14, 4), 0u);
  cs.write(0x30, 4, 0xFFFFFFFF);  // no expansion ROM
  EXPECT_EQ(cs.read(0x30, 4), 0u);
  // Byte writes go through the same masks (QEMU: outb 0xff at 0x10 reads 0, at 0x12 0xF00000).
  cs.write(0x10, 4, 0);
  cs.write(0x10, 1, 0xFF);
  EXPECT_EQ(cs.read(0x10, 4), 0u);
  cs.write(0x12, 1, 0xFF);
  EXPECT_EQ(cs.read(0x10, 4), 0x00F00000u);
  cs.write(0x10, 4, 0x12345678);
  EXPECT_EQ(cs.read(0x10, 4), 0x12300000u);
}

// Decode needs COMMAND.Memory (6.2.2) and, as in QEMU's pci_bar_address, a base that is
// not 0 and a range ending below 4 GiB (the sizing pattern itself does not decode).
TEST(PciConfigSpace, BarDecodeRules) {
  PciConfigSpace cs(sampleIdentity());
  cs.addMemoryBar32(0, 1u << 20);
  cs.write(0x10, 4, 0xC0000000);
  EXPECT_FALSE(cs.barAddress(0));
  cs.write(0x04, 2, 0x0002);
  ASSERT_TRUE(cs.barAddress(0));
  EXPECT_EQ(*cs.barAddress(0), 0xC0000000u);
  EXPECT_TRUE(cs.barDecodes(0, 0xC0000000, 4));
  EXPECT_TRUE(cs.barDecodes(0, 0xC00FFFFC, 4));
  EXPECT_FALSE(cs.barDecodes(0, 0xC00FFFFE, 4));  // crosses the end
  EXPECT_FALSE(cs.barDecodes(0, 0xBFFFFFFC, 4));
  cs.write(0x10, 4, 0xFFFFFFFF);
  EXPECT_FALSE(cs.barAddress(0));
  cs.write(0x10, 4, 0);
  EXPECT_FALSE(cs.barAddress(0));
  cs.write(0x10, 4, 0xFFE00000);  // last byte 0xFFEFFFFF: fine
  EXPECT_TRUE(cs.barAddress(0));
  cs.write(0x04, 2, 0x0004);  // bus master only
  EXPECT_FALSE(cs.barAddress(0));
}

// The device-specific area is writable in QEMU unless a capability claims it (0x50, 0x80
// and 0xFC read back all-ones on edu).
TEST(PciConfigSpace, DeviceSpecificAreaWritable) {
  PciConfigSpace cs(sampleIdentity());
  cs.write(0x80, 4, 0xA5A5A5A5);
  cs.write(0xFC, 4, 0xFFFFFFFF);
  EXPECT_EQ(cs.read(0x80, 4), 0xA5A5A5A5u);
  EXPECT_EQ(cs.read(0xFC, 4), 0xFFFFFFFFu);
}

// An access running past byte 0xFF is clipped: missing bytes read 0 (QEMU: a dword read
// at 0xFE returns only the two bytes there).
TEST(PciConfigSpace, AccessClippedAtEnd) {
  PciConfigSpace cs(sampleIdentity());
  cs.write(0xFC, 4, 0xDDCCBBAA);
  EXPECT_EQ(cs.read(0xFE, 4), 0x0000DDCCu);
  cs.write(0xFF, 4, 0x11111111);
  EXPECT_EQ(cs.read(0xFC, 4), 0x11CCBBAAu);
}

// Capability list (6.7): CAP_PTR at 0x34, STATUS bit 4, the new capability at the head.
TEST(PciConfigSpace, CapabilityListLinksAtHead) {
  PciConfigSpace cs(sampleIdentity());
  EXPECT_EQ(cs.read(0x06, 2) & 0x10, 0u);
  cs.addCapability(0x09, 0x60, 8);
  cs.addCapability(0x05, 0x40, 0x0E);
  EXPECT_EQ(cs.read(0x06, 2) & 0x10, 0x10u);
  EXPECT_EQ(cs.read(0x34, 1), 0x40u);
  EXPECT_EQ(cs.read(0x40, 2), 0x6005u);
  EXPECT_EQ(cs.read(0x60, 2), 0x0009u);
  cs.write(0x34, 1, 0x00);  // CAP_PTR is read-only
  EXPECT_EQ(cs.read(0x34, 1), 0x40u);
}

// MSI capability as QEMU's msi_init(dev, 0x40, 1, true, false) lays it out; QEMU 7.2 edu
// reads 0x00800005 at 0x40, and after all-ones writes: control 0x0081 (MME clamped to 0
// once enabled), address 0xFFFFFFFC, upper 0xFFFFFFFF, data 0xFFFF (+0xE.. is plain space).
TEST(PciMsiCapability, LayoutAndMasks) {
  PciConfigSpace cs(sampleIdentity());
  PciMsiCapability msi(cs, 0x40);
  EXPECT_EQ(cs.read(0x40, 4), 0x00800005u);
  EXPECT_EQ(cs.read(0x34, 1), 0x40u);
  for (unsigned reg : {0x40u, 0x44u, 0x48u, 0x4Cu}) {
    cs.write(reg, 4, 0xFFFFFFFF);
    msi.afterConfigWrite(reg, 4);
  }
  EXPECT_EQ(cs.read(0x40, 4), 0x00810005u);
  EXPECT_EQ(cs.read(0x44, 4), 0xFFFFFFFCu);
  EXPECT_EQ(cs.read(0x48, 4), 0xFFFFFFFFu);
  EXPECT_EQ(cs.read(0x4C, 4), 0xFFFFFFFFu);
  EXPECT_TRUE(msi.enabled());
  EXPECT_EQ(msi.address(), 0xFFFFFFFFFFFFFFFCull);
  EXPECT_EQ(msi.data(), 0xFFFFu);
}

// QEMU keeps an MME written while MSI is disabled (0x0070 reads back 0x00F0) and clamps it
// to the capable 0 when the write leaves MSI enabled (0x0071 reads 0x0081).
TEST(PciMsiCapability, MmeClampedOnlyWhenEnabled) {
  PciConfigSpace cs(sampleIdentity());
  PciMsiCapability msi(cs, 0x40);
  cs.write(0x42, 2, 0x0070);
  EXPECT_FALSE(msi.afterConfigWrite(0x42, 2));
  EXPECT_EQ(cs.read(0x42, 2), 0x00F0u);
  cs.write(0x42, 2, 0x0071);
  EXPECT_TRUE(msi.afterConfigWrite(0x42, 2));
  EXPECT_EQ(cs.read(0x42, 2), 0x0081u);
  // A write elsewhere does not concern the capability.
  EXPECT_FALSE(msi.afterConfigWrite(0x04, 2));
  EXPECT_FALSE(msi.afterConfigWrite(0x4E, 2));
  EXPECT_TRUE(msi.afterConfigWrite(0x4C, 4));
}

}  // namespace
}  // namespace vtd::platform
