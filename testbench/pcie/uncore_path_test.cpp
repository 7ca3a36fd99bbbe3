// UncorePath: a read from the root complex takes uncore.io_read_ns on top of the memory's
// latency, half of it before the request reaches the memory channel; writes (posted) and
// debug accesses pass unchanged.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <cstring>
#include <systemc>

#include "model/common/stat_registry.h"
#include "platform/memory.h"
#include "platform/uncore_path.h"
#include "tlm/payload.h"

using namespace vtd::platform;
using sc_core::sc_time;

namespace {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& n) : sc_module(n) {}
};

struct UncoreBench {
  explicit UncoreBench(uint32_t io_read_ns, double channel_bytes_per_ns = 0)
      : memory("memory", memoryParams(channel_bytes_per_ns)), uncore("uncore", uncoreParams(io_read_ns)) {
    init.socket.bind(uncore.in);
    uncore.out.bind(memory.port);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  static MemoryParams memoryParams(double channel) {
    MemoryParams m;
    m.size_mib = 16;
    m.channel_bytes_per_ns = channel;
    return m;  // 80 ns reads, 40 ns writes, 16 B/ns per access
  }
  static UncoreParams uncoreParams(uint32_t ns) {
    UncoreParams u;
    u.io_read_ns = ns;
    return u;
  }
  double access(tlm::tlm_command cmd, uint64_t address, uint32_t length, double at_ns) {
    vtd::tlm::fillPayload(payload, cmd, address, data, length);
    sc_time delay(at_ns, sc_core::SC_NS);
    init.socket->b_transport(payload, delay);
    EXPECT_TRUE(payload.is_response_ok());
    return delay.to_seconds() * 1e9 - at_ns;
  }
  Initiator init{"init"};
  Memory memory;
  UncorePath uncore;
  tlm::tlm_generic_payload payload;
  unsigned char data[64] = {};
};

}  // namespace

TEST(UncorePath, AReadTakesTheUncoreOnTopOfTheMemory) {
  UncoreBench b(200);
  EXPECT_NEAR(b.access(tlm::TLM_READ_COMMAND, 0, 64, 0), 200 + 80 + 4, 0.001);
}

TEST(UncorePath, ZeroUncoreTimeLeavesTheMemorysLatency) {
  UncoreBench b(0);
  EXPECT_NEAR(b.access(tlm::TLM_READ_COMMAND, 0, 64, 0), 80 + 4, 0.001);
}

TEST(UncorePath, PostedWritesTakeNoUncoreTime) {
  UncoreBench b(200);
  EXPECT_NEAR(b.access(tlm::TLM_WRITE_COMMAND, 0, 64, 0), 40 + 4, 0.001);
}

// Half the uncore time lies before the memory: a read issued at 0 reaches the channel at
// 100 ns. A write holding the channel from 0 to 150 ns delays it by 50 ns (this test); one
// holding it from 0 to 64 ns does not delay it (the next).
TEST(UncorePath, HalfTheTimeIsBeforeTheMemoryChannel) {
  UncoreBench b(200, 64.0 / 150.0);
  b.access(tlm::TLM_WRITE_COMMAND, 0, 64, 0);  // books [0, 150) ns
  EXPECT_NEAR(b.access(tlm::TLM_READ_COMMAND, 64, 64, 0), 50 + 200 + 80 + 4, 0.001);
}

TEST(UncorePath, AReadAfterTheChannelFreesUpDoesNotWait) {
  UncoreBench b(200, 1.0);                     // one burst takes 64 ns
  b.access(tlm::TLM_WRITE_COMMAND, 0, 64, 0);  // books [0, 64) ns
  EXPECT_NEAR(b.access(tlm::TLM_READ_COMMAND, 64, 64, 0), 200 + 80 + 4, 0.001);
}

TEST(UncorePath, DebugAccessesPassThroughAndReadsAreCounted) {
  UncoreBench b(200);
  const uint32_t value = 0x1234'5678;
  std::memcpy(b.memory.hostPointer(0x100, 4), &value, 4);
  uint32_t got = 0;
  tlm::tlm_generic_payload p;
  vtd::tlm::fillPayload(p, tlm::TLM_READ_COMMAND, 0x100, reinterpret_cast<unsigned char*>(&got), 4);
  EXPECT_EQ(b.init.socket->transport_dbg(p), 4u);
  EXPECT_EQ(got, value);
  b.access(tlm::TLM_READ_COMMAND, 0, 64, 0);
  b.access(tlm::TLM_READ_COMMAND, 64, 64, 0);
  b.access(tlm::TLM_WRITE_COMMAND, 128, 64, 0);
  vtd::StatRegistry r;
  b.uncore.describeStats(r, "uncore.");
  EXPECT_EQ(r.value("uncore.io_reads"), 2.0);
}
