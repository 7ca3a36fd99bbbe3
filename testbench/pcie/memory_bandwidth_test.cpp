// Memory: latency and transfer time per access as before, plus the shared channel: accesses
// that overlap in time queue for its bandwidth (64-byte bursts at channel_bytes_per_ns).
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>

#include "model/common/stat_registry.h"
#include "platform/memory.h"
#include "tlm/payload.h"

using namespace vtd::platform;
using sc_core::sc_time;

namespace {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& n) : sc_module(n) {}
};

struct MemoryBench {
  explicit MemoryBench(double channel_bytes_per_ns)
      : memory("memory", params(channel_bytes_per_ns)) {
    init.socket.bind(memory.port);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  static MemoryParams params(double channel) {
    MemoryParams m;
    m.size_mib = 16;
    m.channel_bytes_per_ns = channel;
    return m;  // 80 ns reads, 16 B/ns per access
  }
  double read(uint64_t address, uint32_t length, double at_ns) {
    vtd::tlm::fillPayload(payload, tlm::TLM_READ_COMMAND, address, data, length);
    sc_time delay(at_ns, sc_core::SC_NS);
    init.socket->b_transport(payload, delay);
    return delay.to_seconds() * 1e9 - at_ns;
  }
  Initiator init{"init"};
  Memory memory;
  tlm::tlm_generic_payload payload;
  unsigned char data[4096] = {};
};

}  // namespace

TEST(MemoryBandwidth, AnUnloadedAccessTakesLatencyPlusTransfer) {
  MemoryBench b(68.256);
  EXPECT_NEAR(b.read(0, 64, 0), 80 + 4, 0.001);
  EXPECT_NEAR(b.read(4096, 64, 1000), 80 + 4, 0.001);  // the channel is free again
}

TEST(MemoryBandwidth, OverlappingAccessesQueueForTheChannel) {
  MemoryBench b(64.0);  // one 64-byte burst per ns
  EXPECT_NEAR(b.read(0, 64, 0), 84, 0.001);
  EXPECT_NEAR(b.read(64, 64, 0), 85, 0.001);                 // one burst behind
  EXPECT_NEAR(b.read(128, 256, 0), 80 + 2 + 16, 0.001);      // two bursts behind, 256 B transfer
  EXPECT_NEAR(b.read(512, 1, 0), 80 + 6 + 1.0 / 16, 0.001);  // a byte still takes a burst
  vtd::StatRegistry r;
  b.memory.describeStats(r, "memory.");
  EXPECT_EQ(r.value("memory.queued"), 3);
  EXPECT_EQ(r.value("memory.queue_ps"), 1000 + 2000 + 6000);
  EXPECT_EQ(r.value("memory.channel_busy_ps"), 1000 * (1 + 1 + 4 + 1));
}

TEST(MemoryBandwidth, ManyConcurrentAccessesAreBoundByTheChannelRate) {
  MemoryBench b(68.256);
  double last = 0;
  for (unsigned i = 0; i < 10000; ++i) last = b.read(64ull * i, 64, 0);
  EXPECT_NEAR(last, 84 + 9999 * 64 / 68.256, 10);  // 10000 bursts at 68 B/ns
}

TEST(MemoryBandwidth, ZeroChannelBandwidthMeansUnlimited) {
  MemoryBench b(0);
  for (unsigned i = 0; i < 100; ++i) EXPECT_NEAR(b.read(64ull * i, 64, 0), 84, 0.001);
}
