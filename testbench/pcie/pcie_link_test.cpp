// PcieLink: a device-side initiator -> link -> memory. The delays are checked against link
// times typed from the parameters: a read is its request header upstream, the memory
// access, and its completions downstream; concurrent requests queue on each direction.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <cmath>
#include <systemc>

#include "platform/memory.h"
#include "platform/pcie/pcie_link.h"
#include "tlm/payload.h"

using namespace vtd::platform;
using sc_core::sc_time;

namespace {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& n) : sc_module(n) {}
};

// Initiator -> link -> memory with no memory bandwidth limit and a 100 ns read latency.
struct LinkBench {
  explicit LinkBench(const PcieParams& p = PcieParams{})
      : link("link", p), memory("memory", memoryParams()) {
    init.socket.bind(link.up_in);
    link.down_out.bind(memory.port);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // finish elaboration; transports need no process
  }
  static MemoryParams memoryParams() {
    MemoryParams m;
    m.size_mib = 64;
    m.read_latency_ns = 100;
    m.write_latency_ns = 50;
    m.bytes_per_ns = 64;  // 64 B in 1 ns
    m.channel_bytes_per_ns = 0;
    return m;
  }
  // Delay of one access issued at local time `at` (ns).
  double access(tlm::tlm_command cmd, uint64_t address, uint32_t length, double at = 0) {
    vtd::tlm::fillPayload(payload, cmd, address, data, length);
    sc_time delay(at, sc_core::SC_NS);
    init.socket->b_transport(payload, delay);
    EXPECT_TRUE(payload.is_response_ok());
    return delay.to_seconds() * 1e9;
  }
  double read(uint64_t a, uint32_t n, double at = 0) {
    return access(tlm::TLM_READ_COMMAND, a, n, at);
  }
  double write(uint64_t a, uint32_t n, double at = 0) {
    return access(tlm::TLM_WRITE_COMMAND, a, n, at);
  }
  double wire(uint32_t bytes) const { return double(link.wirePs(bytes)) / 1000.0; }

  Initiator init{"init"};
  PcieLink link;
  Memory memory;
  tlm::tlm_generic_payload payload;
  unsigned char data[8192] = {};
};

}  // namespace

TEST(PcieLink, WireTimeIsBytesOverTheTlpRate) {
  LinkBench b;
  // gen3 x8: 8 GT/s x 128/130 x 8 lanes = 7.877 B/ns, less the 8.14 % DLLP share.
  const double rate = 8.0 * 128 / 130 * (1 - 0.0814);
  EXPECT_NEAR(b.wire(12), 20 / rate, 0.001);  // a 3-DW read request and 8 framing bytes
  EXPECT_NEAR(b.wire(76), 84 / rate, 0.001);  // a completion with 64 bytes
}

TEST(PcieLink, AReadIsRequestUpMemoryAndCompletionDown) {
  LinkBench b;
  const double d = b.read(0x1000, 64);
  EXPECT_NEAR(d, b.wire(12) + 100 + 1 + b.wire(12 + 64), 0.002);
  EXPECT_EQ(b.link.stats().read_requests, 1u);
  EXPECT_EQ(b.link.stats().completions, 1u);
  EXPECT_EQ(b.link.stats().upstream_bytes, 20u);
  EXPECT_EQ(b.link.stats().downstream_bytes, 84u);
  EXPECT_EQ(b.link.stats().downstream_payload, 64u);
}

TEST(PcieLink, LinkLatencyIsAddedPerCrossing) {
  PcieParams p;
  p.link_latency_ns = 50;
  LinkBench b(p);
  EXPECT_NEAR(b.read(0x1000, 64), b.wire(12) + 100 + 1 + b.wire(76) + 2 * 50, 0.002);
}

TEST(PcieLink, ConcurrentReadsQueueForTheCompletionDirection) {
  LinkBench b;
  const double first = b.read(0x1000, 64, 0);
  const double second = b.read(0x2000, 64, 0);  // issued at the same time
  // Its request waits for the first upstream, its completion for the first downstream.
  EXPECT_NEAR(second, first + b.wire(76), 0.002);
  EXPECT_GT(b.link.stats().upstream_queue_ps, 0u);
  EXPECT_GT(b.link.stats().downstream_queue_ps, 0u);
}

TEST(PcieLink, AnEarlierRequestDoesNotQueueBehindALaterOne) {
  LinkBench b;
  const double late = b.read(0x1000, 64, 1000);  // local time 1 us
  const double early = b.read(0x2000, 64, 0);    // then one at local time 0
  EXPECT_NEAR(early, late - 1000, 0.002);        // both unloaded
}

TEST(PcieLink, LongReadsSplitAtMrrsAndComeBackAtMps) {
  LinkBench b;
  b.read(0x1000, 2048);  // MRRS 512: 4 requests; MPS 256: 8 completions
  EXPECT_EQ(b.link.stats().read_requests, 4u);
  EXPECT_EQ(b.link.stats().completions, 8u);
  EXPECT_EQ(b.link.stats().downstream_bytes, 8u * (256 + 20));
  EXPECT_EQ(b.link.stats().downstream_payload, 2048u);
}

TEST(PcieLink, WritesCarryTheirDataUpstreamInMpsPieces) {
  LinkBench b;
  const double d = b.write(0x1000, 1024);
  EXPECT_EQ(b.link.stats().write_requests, 4u);
  EXPECT_EQ(b.link.stats().upstream_bytes, 4u * (256 + 12 + 8));
  EXPECT_EQ(b.link.stats().upstream_payload, 1024u);
  EXPECT_EQ(b.link.stats().completions, 0u);
  // The last piece leaves after four TLP times, then memory takes it (50 ns + 4 ns).
  EXPECT_NEAR(d, 4 * b.wire(12 + 256) + 50 + 4, 0.002);
}

TEST(PcieLink, DataArrivesWhereTheRequestPointed) {
  LinkBench b;
  for (unsigned i = 0; i < 600; ++i) b.data[i] = uint8_t(i * 7);
  b.write(0x3010, 600);  // crosses no 4 KiB boundary, 3 pieces
  std::fill(b.data, b.data + 600, 0);
  b.read(0x3010, 600);
  for (unsigned i = 0; i < 600; ++i) ASSERT_EQ(b.data[i], uint8_t(i * 7)) << i;
  EXPECT_EQ(b.payload.get_address(), 0x3010u);  // the payload is restored
  EXPECT_EQ(b.payload.get_data_length(), 600u);
}

TEST(PcieLink, SaturatedReadsFillTheDownstreamDirection) {
  LinkBench b;
  double last = 0;
  for (unsigned i = 0; i < 1000; ++i)
    last = std::max(last, b.read(0x10000 + 4096ull * (i % 16), 4096, 0));
  // 1000 x 16 completions of 256 bytes, back to back downstream.
  const double busy = 1000.0 * 16 * b.wire(12 + 256);
  EXPECT_NEAR(last, busy, busy * 0.01);
  sc_core::sc_start(sc_time(last, sc_core::SC_NS));
  EXPECT_NEAR(b.link.downstreamUtilisation(), 1.0, 0.02);
  EXPECT_LT(b.link.upstreamUtilisation(), 0.1);
}
