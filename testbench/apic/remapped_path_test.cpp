// Interrupt remapping and posting end to end, with the unit's interrupt remapping on (IRTA,
// SIRTP, IRE through its registers): an I/O APIC pin with a remappable RTE -> VtdUnit (IRTE
// lookup, source-id check against the I/O APIC's F0:1F.0) -> either a remapped interrupt to a
// host LAPIC, or a posted interrupt: the descriptor updated in memory and the notification
// sent through the ApicFabric to the vCPU, which moves PIR into vIRR and the guest takes the
// vector. One elaboration per process.
#include <gtest/gtest.h>

#include "model/interrupt/irte.h"
#include "model/interrupt/posted_descriptor.h"
#include "model/registers/register_map.h"
#include "platform/apic/ioapic_rte.h"
#include "testbench/apic/interrupt_machine.h"

namespace vtd::test {
namespace {

namespace rte = platform::rte;

constexpr uint64_t kIrt = 0x30'0000;         // 256 IRTEs (IRTA.S = 7)
constexpr uint64_t kDescriptor = 0x31'0000;  // vCPU 0's posted-interrupt descriptor
constexpr uint8_t kNotification = 0xF2, kWakeup = 0xF1;

UnitConfig irConfig() {
  UnitConfig c;
  c.unit.interrupt_remapping = true;
  c.unit.posted_interrupts = true;
  return c;
}

struct Machine : InterruptMachine {
  Machine() : InterruptMachine(irConfig()) {
    vcpu0.setPostedInterrupts(kDescriptor, kNotification, kWakeup);
    PostedDescriptor d;
    d.setNv(kNotification);
    d.setNdst(0 << 8);  // xAPIC: the APIC ID in NDST[15:8]
    std::memcpy(memory.hostPointer(kDescriptor, 64), d.qw.data(), 64);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  // Linux's order without the queued IEC flush (the cache is empty): IRTA, SIRTP, IRE.
  void enableInterruptRemapping() {
    registers.write(reg::IRTA, uint32_t(kIrt | 7));
    registers.write(reg::IRTA + 4, 0);
    registers.write(reg::GCMD, reg::gcmd::SIRTP);
    registers.write(reg::GCMD, reg::gcmd::IRE);
    ASSERT_TRUE(registers.read(reg::GSTS) & reg::gsts::IRES);
  }
  void setIrte(unsigned index, const IrteRaw& r) {
    std::memcpy(memory.hostPointer(kIrt + 16 * index, 8), &r.lo, 8);
    std::memcpy(memory.hostPointer(kIrt + 16 * index + 8, 8), &r.hi, 8);
  }
  // An I/O APIC pin whose RTE points at IRTE `index`, the pin number as its vector (Linux).
  void routePin(unsigned pin, uint16_t index, bool level) {
    rte::Fields f;
    f.index = index;
    f.vector = uint8_t(pin);
    f.level_triggered = level;
    const uint64_t e = rte::makeRemappable(f);
    ioapic.writeRegister(uint8_t(0x11 + 2 * pin), uint32_t(e >> 32));
    ioapic.writeRegister(uint8_t(0x10 + 2 * pin), uint32_t(e));
  }
  PostedDescriptor descriptor() {
    PostedDescriptor d;
    std::memcpy(d.qw.data(), memory.hostPointer(kDescriptor, 64), 64);
    return d;
  }
};

PostedIrteFields postedTo(uint8_t vector, uint16_t sid) {
  PostedIrteFields f;
  f.vector = vector;
  f.descriptor = kDescriptor;
  f.sid = sid;
  f.svt = SourceValidation::RequesterId;
  return f;
}

TEST(RemappedPath, AnIoApicInterruptPostedToARunningVcpuReachesTheGuest) {
  Machine m;
  m.enableInterruptRemapping();
  m.setIrte(5, encodePostedIrte(postedTo(0x61, platform::IoApic::kDefaultSourceId)));
  m.routePin(3, 5, false);
  m.vcpu0.run();
  m.ioapic.pulse(3);
  sc_core::sc_start(ns(2000));
  EXPECT_EQ(m.vtd.model().stats().interrupts_posted, 1u);
  EXPECT_EQ(m.vtd.model().stats().post_notifications, 1u);
  EXPECT_EQ(m.vcpu0.stats().notifications_processed, 1u);
  ASSERT_EQ(m.vcpu0.guestLog().size(), 1u);
  EXPECT_EQ(m.vcpu0.guestLog()[0].vector, 0x61);
  EXPECT_GT(m.vcpu0.guestLog()[0].time, sc_core::SC_ZERO_TIME);
  const PostedDescriptor d = m.descriptor();
  EXPECT_FALSE(d.on());
  EXPECT_FALSE(d.pir(0x61));
  EXPECT_TRUE(m.vcpu0.apic().log().empty()) << "nothing reached the host";
  EXPECT_TRUE(m.vcpu1.apic().log().empty());
}

TEST(RemappedPath, WhilePreemptedWithSnThePostWaitsInPirForTheRun) {
  Machine m;
  m.enableInterruptRemapping();
  m.setIrte(5, encodePostedIrte(postedTo(0x62, platform::IoApic::kDefaultSourceId)));
  m.routePin(3, 5, false);
  // KVM on preemption: SN = 1. On load: SN = 0, and ON = 1 when PIR is not empty.
  m.vcpu0.setTransitionHook([](platform::Vcpu& v, platform::VcpuState, platform::VcpuState to) {
    const uint64_t control = v.descriptorAddress() + 32;
    uint64_t c = v.memory().read64(control);
    uint64_t pir = 0;
    for (unsigned i = 0; i < 4; ++i) pir |= v.memory().read64(v.descriptorAddress() + 8 * i);
    if (to == platform::VcpuState::Preempted) c |= 2;
    if (to == platform::VcpuState::Running) c = (c & ~2ull) | (pir ? 1 : 0);
    v.memory().write64(control, c);
  });
  m.vcpu0.run();
  m.vcpu0.preempt();
  m.ioapic.pulse(3);
  sc_core::sc_start(ns(2000));
  EXPECT_EQ(m.vtd.model().stats().post_suppressed, 1u);
  EXPECT_TRUE(m.descriptor().pir(0x62));
  EXPECT_EQ(m.fabric.stats().messages, 0u) << "no notification";
  EXPECT_TRUE(m.vcpu0.guestLog().empty());
  m.vcpu0.run();
  ASSERT_EQ(m.vcpu0.guestLog().size(), 1u);
  EXPECT_EQ(m.vcpu0.guestLog()[0].vector, 0x62);
}

// Linux's remapped I/O APIC level interrupt: IRTE TM = 0 (edge at the LAPIC), the pin as
// the RTE vector, and the directed EOI through the I/O APIC's EOI register.
TEST(RemappedPath, ARemappedLevelInterruptComesBackAfterTheDirectedEoi) {
  Machine m;
  m.enableInterruptRemapping();
  RemappedIrteFields f;
  f.vector = 0x52;
  f.destination = 1;
  f.sid = platform::IoApic::kDefaultSourceId;
  f.svt = SourceValidation::RequesterId;
  m.setIrte(6, encodeRemappedIrte(f, false));
  m.routePin(6, 6, true);
  m.ioapic.setPin(6, true);
  sc_core::sc_start(ns(2000));
  EXPECT_EQ(m.vtd.model().stats().interrupts_remapped, 1u);
  EXPECT_TRUE(m.vcpu1.apic().irr(0x52));
  EXPECT_FALSE(m.vcpu1.apic().tmr(0x52));
  EXPECT_EQ(m.vcpu1.apic().acknowledge(), 0x52);
  m.vcpu1.apic().eoi();  // edge at the LAPIC: no broadcast
  EXPECT_TRUE(rte::remoteIrr(m.ioapic.redirectionEntry(6)));
  m.ioapic.eoi(6);  // what Linux writes to the EOI register: the pin (RTE vector)
  sc_core::sc_start(ns(2000));
  EXPECT_EQ(m.ioapic.stats().interrupts_sent, 2u);
  EXPECT_TRUE(m.vcpu1.apic().irr(0x52)) << "still asserted: it came again";
  EXPECT_EQ(m.vtd.model().stats().interrupts_remapped, 2u);
}

TEST(RemappedPath, AnIrteForAnotherSourceBlocksTheIoApic) {
  Machine m;
  m.enableInterruptRemapping();
  m.setIrte(5, encodePostedIrte(postedTo(0x63, 0x0008)));  // 00:01.0, not the I/O APIC
  m.routePin(3, 5, false);
  m.vcpu0.run();
  m.ioapic.pulse(3);
  sc_core::sc_start(ns(2000));
  EXPECT_EQ(m.vtd.model().stats().interrupts_faulted, 1u);
  EXPECT_TRUE(m.registers.read(reg::FSTS) & 2) << "a fault is recorded (PPF)";
  EXPECT_FALSE(m.descriptor().pir(0x63));
  EXPECT_EQ(m.fabric.stats().messages, 0u) << "the fault event is masked at reset";
  EXPECT_TRUE(m.vcpu0.guestLog().empty());
}

}  // namespace
}  // namespace vtd::test
