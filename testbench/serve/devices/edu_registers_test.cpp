// EduDevice BAR0 registers through memoryTransport, as the CPU sees them. Facts from
// QEMU's hw/misc/edu.c and docs/specs/edu.rst; the access-size cases were checked against
// QEMU 7.2 with qtest (readb/readw/readl/readq/read at the same offsets).
#include <gtest/gtest.h>

#include "testbench/serve/devices/edu_bench.h"

namespace vtd::test {
namespace {

using platform::EduDevice;

// edu.rst: 0x00 (RO) identification 0xRRrr00ed, here version 1.0.
TEST(Edu, IdentificationRegister) {
  EduBench b;
  b.setup();
  EXPECT_EQ(b.read(0x00, 4), 0x010000EDu);
  b.write(0x00, 4, 0);
  EXPECT_EQ(b.read(0x00, 4), 0x010000EDu);
}

// Below 0x80 only 4-byte accesses (edu_mmio_read: an 8-byte one reads all-ones); 1- and
// 2-byte accesses are invalid for the region (valid.min_access_size 4) and read 0, as do
// misaligned pieces. QEMU 7.2: readq 0 = ~0, readb/readw 0 = 0, readl 1/2 = 0.
TEST(Edu, AccessSizesBelow0x80) {
  EduBench b;
  b.setup();
  EXPECT_EQ(b.read(0x00, 8), ~0ull);
  EXPECT_EQ(b.read(0x00, 1), 0u);
  EXPECT_EQ(b.read(0x00, 2), 0u);
  EXPECT_EQ(b.read(0x01, 1), 0u);
  EXPECT_EQ(b.read(0x02, 4), 0u);
  EXPECT_EQ(b.read(0x01, 4), 0u);
  // Unknown and write-only offsets read all-ones; status registers read 0 at reset.
  EXPECT_EQ(b.read(0x0C, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(0x10, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(0x60, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(0xA0, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(0xFFFFC, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(EduDevice::kBufferStart, 8), ~0ull);  // the buffer is not in BAR0
  EXPECT_EQ(b.read(0x20, 4), 0u);
  EXPECT_EQ(b.read(0x24, 4), 0u);
}

// 0x04 liveness: reads the inverse of what was written; narrower writes are ignored.
// An 8-byte access at 0x04 splits into 0x04 and 0x08 (QEMU 7.2: writeq 0x04 = 1 leaves
// liveness 0xFFFFFFFE and starts 0! = 1 at 0x08; readq 0x04 = liveness | fact << 32).
TEST(Edu, LivenessAndSplitAccess) {
  EduBench b;
  b.setup();
  b.write(0x04, 4, 0x12345678);
  EXPECT_EQ(b.read(0x04, 4), 0xEDCBA987u);
  EXPECT_EQ(b.read(0x04, 8), 0x00000000EDCBA987ull);
  b.write(0x04, 2, 0);
  b.write(0x04, 1, 0);
  EXPECT_EQ(b.read(0x04, 4), 0xEDCBA987u);
  b.write(0x04, 8, 0x1);
  EXPECT_EQ(b.read(0x04, 4), 0xFFFFFFFEu);
  EXPECT_EQ(b.read(0x08, 4), 1u);
  // A 16-byte block read is two 8-byte pieces; an 8-byte read at 2 is 2+4+2 bytes of which
  // only the middle 4 are valid (QEMU: read 0xc0000002 8 = 0000feffffff0000).
  uint8_t block[16];
  ASSERT_EQ(b.access(false, 0x00, block, 16), ::tlm::TLM_OK_RESPONSE);
  for (uint8_t x : block) EXPECT_EQ(x, 0xFF);
  EXPECT_EQ(b.read(0x02, 8), 0x0000FFFFFFFE0000ull);
  EXPECT_EQ(b.read(0x01, 8), 0x00FFFFFFFE000000ull);
}

// 0x08 factorial in 32-bit arithmetic (edu_fact_thread multiplies uint32_t); the status
// computing bit is clear by the time software looks, so a polling script finishes.
TEST(Edu, Factorial) {
  EduBench b;
  b.setup();
  const std::pair<uint32_t, uint32_t> cases[] = {{0, 1},
                                                 {1, 1},
                                                 {5, 120},
                                                 {12, 479001600u},
                                                 {13, 0x7328CC00u},
                                                 {20, 0x82B40000u},
                                                 {33, 0x80000000u},
                                                 {34, 0},
                                                 {0xFFFFFFFFu, 0}};
  for (const auto& [n, expected] : cases) {
    b.write(0x08, 4, n);
    EXPECT_EQ(b.read(0x20, 4) & EduDevice::kStatusComputing, 0u);
    EXPECT_EQ(b.read(0x08, 4), expected) << n << "!";
  }
  EXPECT_EQ(b.edu.stats().factorials, 9u);
  b.write(0x08, 8, 5);  // 8-byte writes below 0x80 are ignored
  EXPECT_EQ(b.read(0x08, 4), 0u);
}

// 0x20 status: only bit 7 (interrupt after factorial) is writable; bit 0 is read-only.
TEST(Edu, StatusRegister) {
  EduBench b;
  b.setup();
  b.write(0x20, 4, 0xFFFFFFFF);
  EXPECT_EQ(b.read(0x20, 4), 0x80u);
  b.write(0x20, 4, 0x7F);
  EXPECT_EQ(b.read(0x20, 4), 0u);
}

// 0x60 raise ORs into 0x24; 0x64 acknowledge clears the given bits (edu.rst IRQ controller).
TEST(Edu, RaiseAndAcknowledge) {
  EduBench b;
  b.setup();
  b.write(0x60, 4, 0x5);
  EXPECT_EQ(b.read(0x24, 4), 0x5u);
  b.write(0x60, 4, 0x100);
  EXPECT_EQ(b.read(0x24, 4), 0x105u);
  b.write(0x64, 4, 0x4);
  EXPECT_EQ(b.read(0x24, 4), 0x101u);
  b.write(0x64, 4, 0xFFFFFFFF);
  EXPECT_EQ(b.read(0x24, 4), 0u);
  b.write(0x60, 8, 0x1);  // 8-byte write below 0x80: ignored
  EXPECT_EQ(b.read(0x24, 4), 0u);
}

// DMA registers accept 4 and 8 bytes. A 4-byte write replaces the whole register; the upper
// half at +4 reads all-ones and ignores writes (QEMU 7.2: writeq 0x80, readl 0x84 = ~0,
// writel 0x84 ignored, writel 0x80 0xaabbccdd -> readq 0x80 = 0xaabbccdd).
TEST(Edu, DmaRegisterWidths) {
  EduBench b;
  b.setup();
  b.write(0x80, 8, 0x1122334455667788ull);
  EXPECT_EQ(b.read(0x80, 8), 0x1122334455667788ull);
  EXPECT_EQ(b.read(0x80, 4), 0x55667788u);
  EXPECT_EQ(b.read(0x84, 4), 0xFFFFFFFFu);
  EXPECT_EQ(b.read(0x84, 8), 0x00000000FFFFFFFFull);  // 0x84 (4) then 0x88 (4)
  b.write(0x84, 4, 0x99);
  EXPECT_EQ(b.read(0x80, 8), 0x1122334455667788ull);
  b.write(0x80, 4, 0xAABBCCDD);
  EXPECT_EQ(b.read(0x80, 8), 0x00000000AABBCCDDull);
  b.write(0x88, 2, 0x1234);  // 2-byte: invalid for the region
  EXPECT_EQ(b.read(0x88, 8), 0u);
  b.write(0x90, 8, 0x123);
  EXPECT_EQ(b.read(0x90, 8), 0x123u);
  // A command without RUN is ignored entirely (edu_mmio_write 0x98).
  b.write(0x98, 8, 0x6);
  EXPECT_EQ(b.read(0x98, 8), 0u);
}

// BAR0 decodes only with COMMAND.Memory (PCI LB 3.0 6.2.2); a transport that reaches the
// device anyway is answered with an address error, never served.
TEST(Edu, DecodeNeedsMemorySpace) {
  EduBench b;
  b.setup(0x0);
  EXPECT_FALSE(b.edu.claimsMemory(EduBench::kBar, 4));
  uint8_t data[4] = {};
  ::tlm::tlm_generic_payload p;
  p.set_command(::tlm::TLM_READ_COMMAND);
  p.set_address(EduBench::kBar);
  p.set_data_ptr(data);
  p.set_data_length(4);
  p.set_streaming_width(4);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  b.edu.memoryTransport(p, delay);
  EXPECT_EQ(p.get_response_status(), ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.cfgWrite(0x04, 0x2, 2);
  EXPECT_TRUE(b.edu.claimsMemory(EduBench::kBar, 4));
  EXPECT_EQ(b.read(0x00, 4), 0x010000EDu);
  EXPECT_FALSE(b.edu.claimsMemory(EduBench::kBar + 0xFFFFE, 4));  // runs past BAR0
}

}  // namespace
}  // namespace vtd::test
