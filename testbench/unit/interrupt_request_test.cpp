// Interrupt-request decoding (FS 8.1) and fault 0x20 (FS 7.4): format bit, handle split over
// address bits 19:5 and 2, SHV/subhandle arithmetic, ignored bits, reserved fields; and the
// MSI encoding of the interrupt sent to the LAPICs. Expected values are typed by hand from
// the fact-sheet tables, not computed with the code under test.
#include <gtest/gtest.h>

#include "model/interrupt/interrupt_request.h"

namespace vtd {
namespace {

// FS 8.1: address bit 4 = 0 is the compatibility format; nothing else is decoded.
TEST(InterruptRequest, Fs81CompatibilityFormat) {
  const auto f = decodeInterruptRequest(0xFEE0'100C, 0xFFFF'0041);
  EXPECT_EQ(f.format, InterruptFormat::Compatibility);
  EXPECT_FALSE(f.remappable());
  EXPECT_EQ(f.reason, FaultReason::None);  // 0x20 exists only for the remappable format
  EXPECT_EQ(f.index, 0u);
}

// FS 8.1 table: HANDLE[14:0] = address 19:5, HANDLE[15] = bit 2, SHV = bit 3, format bit 4.
TEST(InterruptRequest, Fs81HandleBits) {
  // 0xFEE0_0010 | 0x1234 << 5 = 0xFEE2_4690.
  auto f = decodeInterruptRequest(0xFEE2'4690, 0);
  EXPECT_TRUE(f.remappable());
  EXPECT_EQ(f.handle, 0x1234);
  EXPECT_FALSE(f.shv);
  EXPECT_EQ(f.index, 0x1234u);
  // HANDLE[15] comes from bit 2: 0xFEE0_0014 -> handle 0x8000.
  f = decodeInterruptRequest(0xFEE0'0014, 0);
  EXPECT_EQ(f.handle, 0x8000);
  // All handle bits: 19:5 all ones and bit 2.
  f = decodeInterruptRequest(0xFEEF'FFF4, 0);
  EXPECT_EQ(f.handle, 0xFFFF);
  EXPECT_EQ(f.reason, FaultReason::None);
}

// FS 8.1: address bits 1:0 are ignored; with SHV = 0 the data word is ignored.
TEST(InterruptRequest, Fs81IgnoredBits) {
  const auto a = decodeInterruptRequest(0xFEE0'0213, 0xDEAD'BEEF);  // handle 0x10, bits 1:0 = 11
  EXPECT_EQ(a.handle, 0x10);
  EXPECT_EQ(a.index, 0x10u);
  EXPECT_EQ(a.subhandle, 0);
  EXPECT_EQ(a.reason, FaultReason::None);
}

// FS 8.1: index = HANDLE + SUBHANDLE when SHV = 1 (multi-message MSI puts the message
// number in the subhandle).
TEST(InterruptRequest, Fs81SubhandleArithmetic) {
  // handle 0x20 (0xFEE0_0400 | 0x10 | SHV 0x8), data 3 -> index 0x23.
  auto f = decodeInterruptRequest(0xFEE0'0418, 3);
  EXPECT_TRUE(f.shv);
  EXPECT_EQ(f.handle, 0x20);
  EXPECT_EQ(f.subhandle, 3);
  EXPECT_EQ(f.index, 0x23u);
  // The sum is not wrapped at 16 bits: 0xFFFF + 1 = 0x10000.
  f = decodeInterruptRequest(0xFEEF'FFFC, 1);
  EXPECT_EQ(f.handle, 0xFFFF);
  EXPECT_EQ(f.index, 0x10000u);
}

// FS 7.4 row 0x20: high dword set, bad prefix, data[31:16] with SHV = 1.
TEST(InterruptRequest, Fs74ReservedFieldsGive0x20) {
  EXPECT_EQ(decodeInterruptRequest(0x1'FEE0'0010ull, 0).reason, FaultReason::IrReservedRequest);
  EXPECT_EQ(decodeInterruptRequest(0xFED0'0010, 0).reason, FaultReason::IrReservedRequest);
  EXPECT_EQ(decodeInterruptRequest(0xFEE0'0018, 0x0001'0000).reason,
            FaultReason::IrReservedRequest);
  // The same data with SHV = 0 is ignored.
  EXPECT_EQ(decodeInterruptRequest(0xFEE0'0010, 0x0001'0000).reason, FaultReason::None);
  // The index is still decoded for the fault record.
  EXPECT_EQ(decodeInterruptRequest(0xFEE0'0418, 0x0001'0002).index, 0x22u);
}

TEST(InterruptRequest, Fs81EncodeRemappableRequest) {
  MsiMessage m = encodeRemappableRequest(0x8123, true, 5);
  EXPECT_EQ(m.address, 0xFEE0'247Cull);  // 0x123 << 5 = 0x2460, | 0x10 | 0x8 | 0x4
  EXPECT_EQ(m.data, 5u);
  m = encodeRemappableRequest(0x0001, false, 7);
  EXPECT_EQ(m.address, 0xFEE0'0030ull);
  EXPECT_EQ(m.data, 0u);
}

// SDM 11.11 MSI format, as the platform's LAPIC decodes it (dest 19:12, RH 3, DM 2;
// vector 7:0, DLM 10:8, assert 14, TM 15).
TEST(InterruptRequest, ApicMessageXapic) {
  ApicInterrupt a;
  a.destination = 0x2A;
  a.dm = true;
  a.rh = true;
  a.tm = true;
  a.dlm = 1;
  a.vector = 0x31;
  const MsiMessage m = a.message();
  EXPECT_EQ(m.address, 0xFEE2'A00Cull);
  EXPECT_EQ(m.data, 0xC131u);
  EXPECT_EQ(ApicInterrupt::fromCompatibility(m.address, m.data), a);
}

TEST(InterruptRequest, ApicMessageX2apicPutsHighIdBitsAbove40) {
  ApicInterrupt a;
  a.destination = 0x0001'2345;
  a.x2apic = true;
  a.vector = 0x40;
  const MsiMessage m = a.message();
  EXPECT_EQ(m.address, 0x0001'2300'FEE4'5000ull);
  EXPECT_EQ(m.data, 0x4040u);
}

}  // namespace
}  // namespace vtd
