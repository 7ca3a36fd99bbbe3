// EduDevice against the real VT-d unit and DRAM (translation and interrupt remapping off,
// as after reset): its DMA payload and MSI write are accepted by the unit's dma_in (the
// requester extension, no byte enables), one transfer of `count` bytes is split at 4 KiB
// by the unit, and the MSI leaves the unit on msi_out.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "model/unit/remapping_unit.h"
#include "platform/memory.h"
#include "testbench/serve/devices/edu_bench.h"
#include "tlm/vtd_unit.h"

namespace vtd::test {
namespace {

using platform::EduDevice;

// Binds the unit's register socket, which nothing else drives here.
struct MmioStub : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<MmioStub> socket{"socket"};
  explicit MmioStub(const sc_core::sc_module_name& n) : sc_module(n) {}
};

struct VtdBench {
  platform::PciHostBridge bridge{"bridge"};
  platform::EduDevice edu{"edu", EduBench::kDevfn, ~0ull};
  platform::Memory memory{"memory", platform::MemoryParams{16, 80, 40, 16.0}};
  tlm::VtdUnit vtd{"vtd", UnitConfig{}, tlm::LatencyParams{}};
  RecordingTarget lapic{"lapic"};
  MmioStub cpu{"cpu"};

  VtdBench() {
    edu.dma.bind(vtd.dma_in);
    vtd.mem_out.bind(memory.port);
    vtd.msi_out.bind(lapic.socket);
    cpu.socket.bind(vtd.mmio_in);
    bridge.attach(edu);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    cfg(0x10, uint32_t(EduBench::kBar));
    cfg(0x04, 0x6);
  }
  void cfg(unsigned reg, uint32_t value) {
    bridge.ioWrite(0xCF8, 4, configAddress(EduBench::kDevfn, reg));
    bridge.ioWrite(uint16_t(0xCFC + (reg & 3)), 4, value);
  }
  void mmio(uint64_t offset, uint64_t value) {
    ::tlm::tlm_generic_payload p;
    p.set_command(::tlm::TLM_WRITE_COMMAND);
    p.set_address(EduBench::kBar + offset);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    p.set_data_length(8);
    p.set_streaming_width(8);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    bridge.memoryClaimant(EduBench::kBar + offset, 8)->memoryTransport(p, delay);
  }
  void runUntilIdle() { sc_core::sc_start(sc_core::sc_time(101, sc_core::SC_MS)); }
};

// A 4096-byte transfer from an unaligned RAM address spans two pages: two chunks in the
// unit, all bytes in place in both directions.
TEST(EduVtd, DmaThroughUnitSplitsAtPages) {
  VtdBench b;
  uint8_t* src = b.memory.hostPointer(0x10800, 4096);
  std::iota(src, src + 4096, uint8_t(7));
  b.mmio(EduDevice::kRegDmaSrc, 0x10800);
  b.mmio(EduDevice::kRegDmaDst, EduDevice::kBufferStart);
  b.mmio(EduDevice::kRegDmaCount, 4096);
  b.mmio(EduDevice::kRegDmaCmd, EduDevice::kDmaRun);
  b.runUntilIdle();
  EXPECT_EQ(std::memcmp(b.edu.buffer().data(), src, 4096), 0);
  b.mmio(EduDevice::kRegDmaSrc, EduDevice::kBufferStart);
  b.mmio(EduDevice::kRegDmaDst, 0x30400);
  b.mmio(EduDevice::kRegDmaCmd, EduDevice::kDmaRun | EduDevice::kDmaToRam);
  b.runUntilIdle();
  EXPECT_EQ(std::memcmp(b.memory.hostPointer(0x30400, 4096), src, 4096), 0);
  EXPECT_EQ(b.vtd.shellStats().dma_transactions, 2u);
  EXPECT_EQ(b.vtd.shellStats().dma_chunks, 4u);
  EXPECT_EQ(b.vtd.shellStats().dma_bad_requests, 0u);
  EXPECT_EQ(b.edu.stats().dmas_done, 2u);
}

// The MSI is an interrupt request to the unit (not DMA) and comes out on msi_out.
TEST(EduVtd, MsiReachesUnitAsInterruptRequest) {
  VtdBench b;
  b.cfg(0x44, 0xFEE00000);
  b.cfg(0x48, 0);
  b.cfg(0x4C, 0x0042);
  b.cfg(0x40, 0x00010005);  // MSI Enable in the control word
  b.mmio(0x60, 1);          // an 8-byte write below 0x80 is ignored: no interrupt
  ::tlm::tlm_generic_payload p;
  uint32_t v = 0x1;
  p.set_command(::tlm::TLM_WRITE_COMMAND);
  p.set_address(EduBench::kBar + 0x60);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  p.set_data_length(4);
  p.set_streaming_width(4);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  b.edu.memoryTransport(p, delay);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_US));
  EXPECT_EQ(b.vtd.shellStats().interrupts_in, 1u);
  ASSERT_EQ(b.lapic.log.size(), 1u);
  EXPECT_EQ(b.lapic.log[0].address, 0xFEE00000u);
  EXPECT_EQ(b.lapic.log[0].data, (std::vector<uint8_t>{0x42, 0, 0, 0}));
}

}  // namespace
}  // namespace vtd::test
