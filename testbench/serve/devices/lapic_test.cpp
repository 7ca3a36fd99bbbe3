// Lapic: xAPIC MSI decoding, hand-typed from the Intel SDM Vol. 3A 11.11 (message address
// 0xFEEx_xxxx: destination ID 19:12, RH bit 3, DM bit 2; data: vector 7:0, delivery mode
// 10:8, level 14, trigger mode 15) and 11.5.3 (vectors 0-15 are illegal and never set an
// IRR bit). The messages of the first three tests were also sent through edu's MSI to QEMU
// 7.2: its IRR/TMR agree except where the SDM and QEMU differ (QEMU latches vectors 0-15 and
// ExtINT's vector, and acts on INIT); there the SDM wins and the case says so. One
// elaboration per process.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <cstring>
#include <systemc>
#include <tlm>

#include "platform/lapic.h"

namespace vtd::platform {
namespace {

struct Bench : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Bench> out{"out"};
  Lapic lapic{"lapic", 0};

  Bench() : sc_module("bench") {
    out.bind(lapic.msi_in);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  // One write; returns whether the LAPIC accepted the bus transaction.
  bool send(uint64_t address, uint32_t data, unsigned length = 4, bool write = true) {
    uint8_t bytes[8] = {};
    std::memcpy(bytes, &data, 4);
    ::tlm::tlm_generic_payload p;
    p.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
    p.set_address(address);
    p.set_data_ptr(bytes);
    p.set_data_length(length);
    p.set_streaming_width(length);
    p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    out->b_transport(p, delay);
    return p.is_response_ok();
  }
  bool tmrSet(uint8_t v) const { return lapic.state().tmr[v / 32] >> (v % 32) & 1; }
};

TEST(Lapic, FixedAndLowestPriorityLatchTheVectorWithItsTriggerMode) {
  Bench b;
  EXPECT_TRUE(b.send(0xFEE0'0000, 0x0030));  // fixed, edge
  EXPECT_TRUE(b.send(0xFEE0'0000, 0x8031));  // fixed, level (level bit 14 clear: still latched)
  EXPECT_TRUE(b.send(0xFEE0'0000, 0xC032));  // fixed, level, assert
  EXPECT_TRUE(b.send(0xFEE0'0000, 0x0140));  // lowest priority
  EXPECT_TRUE(b.send(0xFEE0'0FF8, 0x0047));  // reserved address bits 11:4 and RH ignored
  for (const uint8_t v : {0x30, 0x31, 0x32, 0x40, 0x47}) EXPECT_TRUE(b.lapic.irrSet(v)) << int(v);
  EXPECT_FALSE(b.tmrSet(0x30));
  EXPECT_TRUE(b.tmrSet(0x31));
  EXPECT_TRUE(b.tmrSet(0x32));
  EXPECT_EQ(b.lapic.accepted(), 5u);
}

TEST(Lapic, PhysicalDestinationIsOurIdOrBroadcastLogicalMatchesNothingAtReset) {
  Bench b;
  EXPECT_TRUE(b.send(0xFEE0'1000, 0x0037));  // APIC ID 1: another CPU
  EXPECT_TRUE(b.send(0xFEEF'F000, 0x0036));  // physical broadcast 0xFF
  EXPECT_TRUE(b.send(0xFEE0'0004, 0x0034));  // logical: LDR is 0 at reset (11.6.2.2)
  EXPECT_TRUE(b.send(0xFEEF'F004, 0x0035));  // logical 0xFF: flat model ANDs with LDR = 0
  EXPECT_FALSE(b.lapic.irrSet(0x37));
  EXPECT_TRUE(b.lapic.irrSet(0x36));
  EXPECT_FALSE(b.lapic.irrSet(0x34));
  EXPECT_FALSE(b.lapic.irrSet(0x35));
}

TEST(Lapic, IllegalVectorsAndOtherDeliveryModesSetNoIrrBit) {
  Bench b;
  // SDM 11.5.3: vectors 0-15 never reach IRR (QEMU 7.2 latches them).
  for (const uint32_t data : {0x0000u, 0x0005u, 0x000Fu, 0x0105u})
    EXPECT_TRUE(b.send(0xFEE0'0000, data));
  // SMI, reserved 011, NMI, INIT, reserved 110, ExtINT (whose vector comes from the 8259,
  // not the message: QEMU 7.2 latches it anyway).
  for (const uint32_t mode : {2u, 3u, 4u, 5u, 6u, 7u})
    EXPECT_TRUE(b.send(0xFEE0'0000, mode << 8 | 0x50));
  for (unsigned word = 0; word < 8; ++word) EXPECT_EQ(b.lapic.state().irr[word], 0u) << word;
  EXPECT_EQ(b.lapic.accepted(), 0u);
}

TEST(Lapic, OnlyDwordWritesIntoTheInterruptWindowAreMessages) {
  Bench b;
  EXPECT_FALSE(b.send(0x1'FEE0'0000, 0x0030));          // bits 63:32 set: not 0xFEEx_xxxx
  EXPECT_FALSE(b.send(0xFED0'0000, 0x0031));            // outside the window
  EXPECT_FALSE(b.send(0xFEE0'0000, 0x0032, 8));         // not a dword
  EXPECT_FALSE(b.send(0xFEE0'0000, 0x0033, 4, false));  // a read
  for (unsigned word = 0; word < 8; ++word) EXPECT_EQ(b.lapic.state().irr[word], 0u) << word;
}

}  // namespace
}  // namespace vtd::platform
