// System tests of the interrupt path through the whole platform (VtdPlatform): the host
// firmware enables interrupt remapping, a device's MSI is posted into a vCPU's descriptor
// with KVM's descriptor policy run on every vCPU transition (FS 8.4, 8.5; SDM Vol. 3C
// posted-interrupt processing), and the I/O APIC's pins reach the APICs through remappable
// RTEs (FS 8.1 "I/O APIC interrupts", 5.1.5).
#include <gtest/gtest.h>

#include "firmware/interrupt_remapping.h"
#include "firmware/posted_interrupts.h"
#include "model/common/stat_registry.h"
#include "testbench/system/system_fixture.h"

namespace vtd::test {
namespace {

using platform::DmaOp;
using platform::Vcpu;
using platform::VcpuState;

constexpr uint64_t kDescriptor = 0x0800'0000;  // the vCPU's posted-interrupt descriptor (128 MiB)
constexpr uint8_t kGuestVector = 0x61;

class InterruptSystemTest : public SystemTest {
 protected:
  InterruptSystemTest() {
    config.unit.unit.interrupt_remapping = true;
    config.unit.unit.posted_interrupts = true;
    driver_options.queued_invalidation = true;
  }

  // Elaboration is over before the host program runs: vCPU hook installed by the program.
  void installKvmHook(Vcpu& v) {
    v.setPostedInterrupts(kDescriptor, policy.notificationVector(), policy.wakeupVector());
    v.setTransitionHook([this](Vcpu& cpu, VcpuState, VcpuState to) {
      fw::PhysMemory& m = cpu.memory();
      if (to == VcpuState::Running) policy.onRun(m, cpu.descriptorAddress(), cpu.localApic().id());
      if (to == VcpuState::Preempted) policy.onPreempt(m, cpu.descriptorAddress());
      if (to == VcpuState::Blocked && policy.onBlock(m, cpu.descriptorAddress()))
        cpu.sendSelfIpi(cpu.wakeupVector());
    });
  }

  // One MSI from device 0 to `msi`, then enough time for the vCPU to act on it.
  void sendMsi(platform::HostCpu& cpu, const fw::MsiMessage& msi) {
    ScriptedProgram p({{DmaOp::Msi, msi.address, 4, msi.data, nullptr}});
    runDevice(cpu, 0, p);
    ASSERT_TRUE(p.ok(0));
    cpu.hal().clock.delayNs(2000);
  }

  // The host's side of KVM's irq bypass for device 0: interrupt remapping on, a posted IRTE
  // for the guest vector into vcpu0's descriptor, the policy on vcpu0's transitions.
  // Returns the MSI the device is given.
  fw::MsiMessage postToVcpu0(platform::HostCpu& cpu, fw::VtdDriver& driver, bool urgent) {
    EXPECT_TRUE(driver.enableInterruptRemapping());
    fw::InterruptRemapping& ir = driver.interruptRemapping();
    const auto index = ir.allocate();
    EXPECT_TRUE(index);
    Vcpu& v = *top->vcpus[0];
    policy.initDescriptor(cpu.hal().memory, kDescriptor, v.localApic().id());
    installKvmHook(v);
    fw::PostedEntry e;
    e.vector = kGuestVector;
    e.descriptor = kDescriptor;
    e.urgent = urgent;
    e.source = fw::SourceCheck::requester(top->devices[0]->source().value);
    EXPECT_TRUE(ir.setPosted(index.value_or(0), e));
    return fw::InterruptRemapping::msiFor(index.value_or(0));
  }

  uint64_t stat(const char* name) {
    StatRegistry r;
    top->describeStats(r);
    return uint64_t(r.value(name));
  }
  uint64_t control() { return *reinterpret_cast<uint64_t*>(host(kDescriptor + 32, 8)); }
  uint64_t pirWord(unsigned i) { return *reinterpret_cast<uint64_t*>(host(kDescriptor + 8 * i, 8)); }

  fw::PostedInterruptPolicy policy;
};

// Posting meets each vCPU state (FS 8.5 posting rules; KVM's vmx_vcpu_pi_load / _put and
// pi_enable_wakeup_handler): running -> notification, processed at once; preempted -> SN
// suppresses the notification, the entry sync delivers; halted -> NV is the wakeup vector,
// the posting wakes the vCPU.
TEST_F(InterruptSystemTest, PostedInterruptReachesTheGuestInEveryVcpuState) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    const fw::MsiMessage msi = postToVcpu0(cpu, driver, false);
    Vcpu& v = *top->vcpus[0];

    // Running: the notification (0xF2 to APIC 1) is processed in the guest.
    v.run();
    sendMsi(cpu, msi);
    EXPECT_EQ(v.stats().notifications_processed, 1u);
    ASSERT_EQ(v.guestLog().size(), 1u);
    EXPECT_EQ(v.guestLog()[0].vector, kGuestVector);
    EXPECT_EQ(control() & 1, 0u) << "ON cleared by posted-interrupt processing";

    // Preempted: SN = 1, so the unit only sets PIR (no ON, no notification).
    v.preempt();
    EXPECT_EQ(control() >> 1 & 1, 1u) << "SN set on preemption";
    sendMsi(cpu, msi);
    EXPECT_EQ(stat("vtd.post_suppressed"), 1u);
    EXPECT_NE(pirWord(kGuestVector / 64) & (1ull << (kGuestVector % 64)), 0u);
    EXPECT_EQ(v.guestLog().size(), 1u) << "nothing reaches the guest while preempted";
    v.run();  // onRun finds PIR non-empty, sets ON; the entry sync delivers
    EXPECT_EQ(v.guestLog().size(), 2u);
    EXPECT_EQ(pirWord(kGuestVector / 64), 0u);

    // Halted: NV = wakeup vector, SN = 0; the posting wakes the vCPU, which then takes it.
    v.block();
    EXPECT_EQ(control() >> 16 & 0xFF, policy.wakeupVector());
    sendMsi(cpu, msi);
    EXPECT_EQ(v.stats().wakeups, 1u);
    EXPECT_EQ(v.state(), VcpuState::Running);
    EXPECT_EQ(v.guestLog().size(), 3u);
    EXPECT_EQ(control() >> 16 & 0xFF, policy.notificationVector()) << "NV restored on entry";
    EXPECT_EQ(stat("vtd.interrupts_posted"), 3u);
    EXPECT_EQ(stat("vtd.post_notifications"), 2u);
    EXPECT_EQ(top->intc.delivered(), 0u) << "the host CPU saw none of it";
  });
}

// URG (FS 8.4): an urgent posted interrupt notifies even when SN is set; the preempted
// vCPU's CPU takes the notification as a host interrupt, the vector waits in PIR (with ON
// set) until the vCPU runs.
TEST_F(InterruptSystemTest, UrgentPostingNotifiesAPreemptedVcpu) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    const fw::MsiMessage msi = postToVcpu0(cpu, driver, true);
    Vcpu& v = *top->vcpus[0];
    v.run();
    v.preempt();
    sendMsi(cpu, msi);
    EXPECT_EQ(stat("vtd.post_urgent"), 1u);
    EXPECT_EQ(v.stats().notifications_not_running, 1u);
    EXPECT_EQ(control() & 1, 1u) << "ON set by the urgent posting";
    EXPECT_TRUE(v.guestLog().empty());
    v.run();
    ASSERT_EQ(v.guestLog().size(), 1u);
    EXPECT_EQ(v.guestLog()[0].vector, kGuestVector);
  });
}

// An I/O APIC pin in remappable format (FS 8.1): the RTE carries the IRTE index; the
// remapped-format IRTE decides vector and destination. Edge pin -> host CPU; level pin ->
// APIC 1, whose EOI is broadcast back and clears Remote IRR (82093AA).
TEST_F(InterruptSystemTest, IoApicPinsAreRemappedThroughTheUnit) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    ASSERT_TRUE(driver.enableInterruptRemapping());
    fw::InterruptRemapping& ir = driver.interruptRemapping();
    const auto edge = ir.allocate(), level = ir.allocate();
    ASSERT_TRUE(edge && level);
    fw::RemappedEntry host_entry;
    host_entry.vector = 0x71;
    host_entry.destination = platform::VtdPlatform::kHostApicId;
    host_entry.source = fw::SourceCheck::requester(top->ioapic.source().value);
    ASSERT_TRUE(ir.setRemapped(*edge, host_entry));
    fw::RemappedEntry cpu1_entry = host_entry;
    cpu1_entry.vector = 0x72;
    cpu1_entry.destination = platform::VtdPlatform::vcpuApicId(0);
    cpu1_entry.level = true;
    ASSERT_TRUE(ir.setRemapped(*level, cpu1_entry));

    // The host programs the RTEs through the I/O APIC's window on the bus.
    auto write32 = [&](uint64_t address, uint32_t value) { cpu.hal().memory.write(address, &value, 4); };
    auto writeRte = [&](unsigned pin, uint64_t rte) {
      write32(0xFEC0'0000, 0x10 + 2 * pin);  // IOREGSEL: RTE low half
      write32(0xFEC0'0010, uint32_t(rte));   // IOWIN
      write32(0xFEC0'0000, 0x11 + 2 * pin);
      write32(0xFEC0'0010, uint32_t(rte >> 32));
    };
    fw::IoapicPin pin3;
    pin3.vector = 0x71;
    writeRte(3, fw::InterruptRemapping::ioapicRteFor(*edge, pin3));
    fw::IoapicPin pin5;
    pin5.vector = 0x72;
    pin5.level = true;
    writeRte(5, fw::InterruptRemapping::ioapicRteFor(*level, pin5));
    EXPECT_EQ(top->ioapic.redirectionEntry(3), fw::InterruptRemapping::ioapicRteFor(*edge, pin3));

    top->ioapic.pulse(3);
    cpu.hal().clock.delayNs(1000);
    ASSERT_TRUE(top->intc.hasPending());
    EXPECT_EQ(top->intc.take().vector, 0x71);

    top->ioapic.setPin(5, true);
    cpu.hal().clock.delayNs(1000);
    platform::LocalApic& apic1 = top->vcpus[0]->apic();
    EXPECT_TRUE(apic1.irr(0x72));
    EXPECT_TRUE(apic1.tmr(0x72)) << "TM from the IRTE: level";
    EXPECT_EQ(top->ioapic.stats().interrupts_sent, 2u);
    EXPECT_EQ(apic1.acknowledge(), 0x72);
    top->ioapic.setPin(5, false);
    apic1.eoi();
    EXPECT_EQ(top->ioapic.stats().remote_irr_cleared, 1u);
    EXPECT_EQ(stat("vtd.interrupts_remapped"), 2u);
  });
}

// Blocked (FS 7.1, 8.1 compatibility format): with IRES = 1 and CFI clear, a device's
// compatibility-format MSI is blocked with fault 0x25 and never reaches an APIC.
TEST_F(InterruptSystemTest, CompatibilityFormatIsBlockedOnceRemappingIsOn) {
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    ASSERT_TRUE(driver.enableInterruptRemapping());
    sendMsi(cpu, fw::MsiMessage{0xFEE0'0000, 0x45});
    EXPECT_EQ(top->intc.delivered(), 0u);
    EXPECT_EQ(stat("vtd.fault_reason_0x25"), 1u);
    const auto records = driver.handleFaults();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].reason, 0x25);
  });
}

}  // namespace
}  // namespace vtd::test
