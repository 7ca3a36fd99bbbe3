// System scenarios through the firmware on the SystemC platform: bring-up, DMA landing at
// translated addresses (also across 4 KiB boundaries into non-contiguous frames), faults
// raising the fault event MSI that the host's handler services, device MSIs through the
// unit, isolation between domains, and walk time visible in DMA latency.
#include <cstring>

#include "model/registers/register_map.h"
#include "testbench/system/system_fixture.h"

namespace vtd::test {
namespace {

using platform::DmaOp;
constexpr uint64_t kIova = 0x0765'4000, kPhys = 0x0500'0000;  // both inside the 256 MiB

TEST_F(SystemTest, FirmwareBringsTheUnitUp) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    auto& unit = top->vtd.model();
    EXPECT_TRUE(unit.peekRegister(R_GSTS) & reg::gsts::TES);
    EXPECT_TRUE(unit.peekRegister(R_GSTS) & reg::gsts::RTPS);
    EXPECT_EQ(unit.peekRegister(R_RTADDR) & ~0xFFFull, driver.rootTable());
    EXPECT_GE(unit.stats().inv_context_global, 1u);
    EXPECT_GE(unit.stats().inv_iotlb_global, 1u);
    EXPECT_GT(cpu.now(), sc_core::SC_ZERO_TIME) << "register accesses take simulated time";
  });
}

TEST_F(SystemTest, DmaLandsAtTheTranslatedAddress) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    ASSERT_TRUE(driver.map(d, kIova, kPhys, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    ScriptedProgram p({{DmaOp::Write, kIova + 0x100, 256, 0xA5, nullptr},
                       {DmaOp::Read, kIova + 0x100, 4, 0, nullptr}});
    runDevice(cpu, 0, p);
    ASSERT_TRUE(p.ok(0));
    ASSERT_TRUE(p.ok(1));
    EXPECT_EQ(*host(kPhys + 0x100), 0xA5);
    EXPECT_EQ(*host(kPhys + 0x1FF), 0xA5);
    EXPECT_EQ(*host(kPhys + 0x200), 0x00) << "nothing beyond the DMA";
    EXPECT_EQ(*host(kIova + 0x100), 0x00) << "nothing at the untranslated address";
    EXPECT_EQ(p.data(1), std::vector<uint8_t>(4, 0xA5));
  });
}

// One 10 KiB write spanning three IOVA pages mapped to scattered frames: split into write
// requests (the device's link: Max_Payload_Size, never across 4 KiB), each piece lands in
// its own frame.
TEST_F(SystemTest, DmaAcrossPagesLandsInEachFrame) {
  const uint64_t frames[3] = {0x0600'0000, 0x0400'2000, 0x0700'5000};
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(driver.map(d, kIova + 4096ull * i, frames[i], 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    std::vector<uint8_t> bytes(10 * 1024);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 7 + 1);
    ScriptedProgram p({{DmaOp::Write, kIova + 0x800, uint32_t(bytes.size()), 0, bytes.data()}});
    runDevice(cpu, 0, p);
    ASSERT_TRUE(p.ok(0));
    EXPECT_EQ(0, std::memcmp(host(frames[0] + 0x800), bytes.data(), 0x800));
    EXPECT_EQ(0, std::memcmp(host(frames[1]), bytes.data() + 0x800, 0x1000));
    EXPECT_EQ(0, std::memcmp(host(frames[2]), bytes.data() + 0x1800, bytes.size() - 0x1800));
    // The device's PCIe link sends the 10 KiB as 40 write requests of Max_Payload_Size
    // (256 B, none crossing a 4 KiB boundary): the unit translates each.
    EXPECT_EQ(top->links[0]->stats().write_requests, 40u);
    EXPECT_EQ(top->vtd.shellStats().dma_chunks, 40u);
  });
}

// An unmapped write is blocked (error to the device, nothing written), recorded, and the
// fault event MSI reaches the interrupt controller; the host's handler reads the record.
TEST_F(SystemTest, FaultRaisesTheFaultEventAndIsHandled) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    ASSERT_TRUE(driver.map(d, kIova, kPhys, 4096, fw::Perm::Read));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    driver.setFaultInterrupt(0xFEE0'0000, 0x31);
    ScriptedProgram p({{DmaOp::Write, kIova, 64, 0x77, nullptr},           // read-only page
                       {DmaOp::Write, 0x1234'5000, 64, 0x77, nullptr}});  // unmapped
    runDevice(cpu, 0, p);
    EXPECT_FALSE(p.ok(0));
    EXPECT_FALSE(p.ok(1));
    EXPECT_EQ(*host(kPhys), 0x00) << "a blocked write changes nothing";
    ASSERT_TRUE(top->intc.hasPending());
    const platform::DeliveredInterrupt irq = top->intc.take();
    EXPECT_EQ(irq.vector, 0x31);
    EXPECT_FALSE(top->intc.hasPending()) << "one event per pending episode";
    const auto records = driver.handleFaults();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].reason, 0x5);
    EXPECT_EQ(records[0].address, kIova);
    EXPECT_EQ(records[0].source_id, top->devices[0]->source().value);
    EXPECT_TRUE(records[0].is_write);
    EXPECT_EQ(records[1].address, 0x1234'5000u);
    EXPECT_EQ(top->vtd.model().peekRegister(R_FSTS) & reg::fsts::PPF, 0u);
  });
}

// Device MSIs are DWORD writes to the interrupt window; with interrupt remapping off they
// reach the APIC they name unchanged: destination 0 is the host CPU's interrupt
// controller, destination 1 the physical CPU of vcpu0 (a host interrupt there).
TEST_F(SystemTest, DeviceMsiReachesTheApicItNames) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver&) {
    ScriptedProgram p({{DmaOp::Msi, 0xFEE0'0000, 4, 0x4051, nullptr},
                       {DmaOp::Msi, 0xFEE0'1000, 4, 0x4052, nullptr}});
    runDevice(cpu, 1, p);
    ASSERT_TRUE(p.ok(0));
    ASSERT_TRUE(p.ok(1));
    ASSERT_TRUE(top->intc.hasPending());
    const auto irq = top->intc.take();
    EXPECT_EQ(irq.vector, 0x51);
    EXPECT_EQ(irq.destination, 0u);
    EXPECT_EQ(irq.delivery_mode, 0);
    EXPECT_FALSE(top->intc.hasPending()) << "the second MSI is for APIC 1";
    cpu.hal().clock.delayNs(100);
    ASSERT_EQ(top->vcpus.size(), 1u);
    EXPECT_TRUE(top->vcpus[0]->apic().irr(0x52));
    EXPECT_EQ(top->fabric.stats().unmatched, 0u);
  });
}

// Two devices in two domains: each sees only its own mappings.
TEST_F(SystemTest, DomainsIsolateDevices) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& a = driver.createDomain();
    fw::Domain& b = driver.createDomain();
    ASSERT_TRUE(driver.map(a, kIova, kPhys, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.map(b, kIova + 4096, kPhys + 4096, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, a));
    ASSERT_TRUE(driver.attach(top->devices[1]->source().value, b));
    ScriptedProgram p0({{DmaOp::Read, kIova, 8, 0, nullptr}, {DmaOp::Read, kIova + 4096, 8, 0, nullptr}});
    ScriptedProgram p1({{DmaOp::Read, kIova, 8, 0, nullptr}, {DmaOp::Read, kIova + 4096, 8, 0, nullptr}});
    runDevice(cpu, 0, p0);
    runDevice(cpu, 1, p1);
    EXPECT_TRUE(p0.ok(0));
    EXPECT_FALSE(p0.ok(1));
    EXPECT_FALSE(p1.ok(0));
    EXPECT_TRUE(p1.ok(1));
  });
}

// Translation off: DMA goes straight to the address the device used.
TEST_F(SystemTest, TranslationDisabledPassesDmaUnchanged) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    ASSERT_TRUE(driver.disable());
    ScriptedProgram p({{DmaOp::Write, 0x0300'0000, 16, 0x3C, nullptr}});
    runDevice(cpu, 0, p);
    ASSERT_TRUE(p.ok(0));
    EXPECT_EQ(*host(0x0300'0000), 0x3C);
    EXPECT_EQ(top->vtd.model().stats().dma_untranslated, 1u);
  });
}

// A miss walks 4 levels through the memory socket: it takes longer than a hit by at least
// the memory latency of those reads.
TEST_F(SystemTest, WalkTimeShowsInDmaLatency) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    ASSERT_TRUE(driver.map(d, kIova, kPhys, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    auto& dev = *top->devices[0];
    ScriptedProgram miss({{DmaOp::Read, kIova, 64, 0, nullptr}});
    runDevice(cpu, 0, miss);
    const uint64_t miss_ps = dev.stats().latency_ps;
    dev.resetStats();
    ScriptedProgram hit({{DmaOp::Read, kIova, 64, 0, nullptr}});
    runDevice(cpu, 0, hit);
    const uint64_t hit_ps = dev.stats().latency_ps;
    const uint64_t four_reads_ps = 4ull * config.memory.read_latency_ns * 1000;
    EXPECT_GE(miss_ps, hit_ps + four_reads_ps);
  });
}

// A write that runs from mapped memory into the interrupt window: the first page lands,
// the window part is refused and nothing reaches the frame the tables map it to (FS 8.1).
TEST_F(SystemTest, DmaRunningIntoTheInterruptWindowStopsThere) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    ASSERT_TRUE(driver.map(d, 0xFEDF'F000, kPhys, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.map(d, 0xFEE0'0000, kPhys + 4096, 4096, fw::Perm::ReadWrite));
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));
    ScriptedProgram p({{DmaOp::Write, 0xFEDF'F000, 8192, 0xAB, nullptr}});
    runDevice(cpu, 0, p);
    EXPECT_FALSE(p.ok(0));
    EXPECT_EQ(*host(kPhys + 4095), 0xAB);
    EXPECT_EQ(*host(kPhys + 4096), 0x00) << "the window part must not land";
    EXPECT_FALSE(top->intc.hasPending()) << "and it is no interrupt either";
    EXPECT_EQ(top->vtd.model().stats().dma_interrupt_window, 1u);
  });
}

// A zero-length read is still a request the unit checks: with no context tables yet
// (nothing attached on bus 0) it faults "root entry not present" and is recorded.
TEST_F(SystemTest, ZeroLengthReadIsTranslated) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    ScriptedProgram p({{DmaOp::Read, 0x1000, 0, 0, nullptr}});
    runDevice(cpu, 1, p);
    EXPECT_FALSE(p.ok(0));
    const auto records = driver.handleFaults();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].reason, 0x1);
    EXPECT_EQ(records[0].source_id, top->devices[1]->source().value);
  });
}

// A device started by a program at time 0, before the device's thread first waits, still
// runs its program (the start is a flag, not only an event).
TEST_F(SystemTest, DeviceStartedAtTimeZeroRuns) {
  elaborate();
  ScriptedProgram p({{DmaOp::Write, 0x0300'0000, 8, 0x5A, nullptr}});
  bool finished = false;
  top->cpu.setProgram([&](platform::HostCpu& cpu) {
    runDevice(cpu, 0, p);
    finished = true;
  });
  sc_core::sc_start();
  EXPECT_TRUE(finished);
  EXPECT_EQ(*host(0x0300'0000), 0x5A);
}

}  // namespace
}  // namespace vtd::test
