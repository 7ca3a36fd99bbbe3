// The interrupt path as VtdPlatform is to wire it: I/O APIC -> VtdUnit::dma_in (with the
// I/O APIC's requester id) -> VtdUnit::msi_out -> ApicFabric -> Vcpu, and a LAPIC's EOI of a
// level-triggered vector broadcast back to the I/O APIC. Interrupt remapping is off in the
// unit, so compatibility-format requests pass unchanged (FS 8.1). One elaboration per process.
#include <gtest/gtest.h>

#include "platform/apic/ioapic_rte.h"
#include "testbench/apic/interrupt_machine.h"

namespace vtd::test {
namespace {

namespace rte = platform::rte;

struct Machine : InterruptMachine {
  Machine() : InterruptMachine(UnitConfig{}) {
    for (platform::Vcpu* v : {&vcpu0, &vcpu1})
      v->apic().setEoiBroadcast([this](uint8_t vector) { ioapic.eoi(vector); });
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

TEST(InterruptPath, ALevelIoApicInterruptReachesItsCpuAndComesBackAfterEoiWhileAsserted) {
  Machine m;
  rte::Fields f;
  f.vector = 0x48;
  f.destination = 1;
  f.level_triggered = true;
  m.ioapic.writeRegister(0x11 + 2 * 10, uint32_t(rte::makeCompatibility(f) >> 32));
  m.ioapic.writeRegister(0x10 + 2 * 10, uint32_t(rte::makeCompatibility(f)));
  m.ioapic.setPin(10, true);
  sc_core::sc_start(ns(1000));
  EXPECT_EQ(m.vtd.shellStats().interrupts_in, 1u) << "through the unit's upstream port";
  EXPECT_TRUE(m.vcpu1.apic().irr(0x48));
  EXPECT_TRUE(m.vcpu1.apic().tmr(0x48));
  EXPECT_FALSE(m.vcpu0.apic().irr(0x48));
  EXPECT_EQ(m.vcpu1.stats().host_interrupts, 1u);

  // The host handles it while the line stays asserted: EOI -> Remote IRR cleared -> again.
  EXPECT_EQ(m.vcpu1.apic().acknowledge(), 0x48);
  EXPECT_TRUE(m.vcpu1.apic().eoi().level_triggered);
  sc_core::sc_start(ns(1000));
  EXPECT_EQ(m.ioapic.stats().remote_irr_cleared, 1u);
  EXPECT_EQ(m.ioapic.stats().interrupts_sent, 2u);
  EXPECT_TRUE(m.vcpu1.apic().irr(0x48));
  EXPECT_EQ(m.vcpu1.apic().stats().accepted, 2u);

  // Deasserted before the EOI: nothing more.
  m.ioapic.setPin(10, false);
  EXPECT_EQ(m.vcpu1.apic().acknowledge(), 0x48);
  m.vcpu1.apic().eoi();
  sc_core::sc_start(ns(1000));
  EXPECT_EQ(m.ioapic.stats().interrupts_sent, 2u);
  EXPECT_FALSE(rte::remoteIrr(m.ioapic.redirectionEntry(10)));
  EXPECT_EQ(m.fabric.stats().deliveries, 2u);
  EXPECT_EQ(m.fabric.stats().unmatched, 0u);
}

TEST(InterruptPath, AnEdgeBroadcastReachesEveryCpu) {
  Machine m;
  rte::Fields f;
  f.vector = 0x49;
  f.destination = 0xFF;
  m.ioapic.writeRegister(0x11, uint32_t(rte::makeCompatibility(f) >> 32));
  m.ioapic.writeRegister(0x10, uint32_t(rte::makeCompatibility(f)));
  m.ioapic.pulse(0);
  sc_core::sc_start(ns(1000));
  EXPECT_TRUE(m.vcpu0.apic().irr(0x49));
  EXPECT_TRUE(m.vcpu1.apic().irr(0x49));
  EXPECT_FALSE(m.vcpu0.apic().tmr(0x49));
  EXPECT_EQ(m.fabric.stats().broadcasts, 1u);
}

}  // namespace
}  // namespace vtd::test
