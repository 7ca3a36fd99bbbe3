// Vcpu: posted-interrupt processing by run state, against a KVM-like transition hook (what
// the firmware's KVM model is to do: vmx_vcpu_pi_load/put) and the posting hardware's
// descriptor update (FS 8.5 "Posting semantics", done here on host memory). Times are
// exact: the default memory answers a read in 80 ns and a write in 40 ns, plus 1 ns per
// 16 bytes (a 64-byte descriptor: 84 ns to read, 44 ns to write; 8 bytes: 80.5 / 40.5 ns).
// One elaboration per process.
#include <gtest/gtest.h>

#include <functional>

#include "model/common/stat_registry.h"
#include "platform/apic/vcpu.h"
#include "platform/memory.h"
#include "testbench/apic/apic_bench.h"

namespace vtd::test {
namespace {

using platform::VcpuState;

constexpr uint64_t kDescriptor = 0x1'0000;
constexpr uint8_t kNotification = 0xF2, kWakeup = 0xF1;  // Linux's POSTED_INTR_(WAKEUP_)VECTOR

// The 64-byte posted-interrupt descriptor in host memory (FS 8.5).
struct Descriptor {
  uint64_t* qw;
  bool pir(uint8_t v) const { return (qw[v / 64] >> (v % 64)) & 1; }
  bool pirEmpty() const { return (qw[0] | qw[1] | qw[2] | qw[3]) == 0; }
  bool on() const { return qw[4] & 1; }
  bool sn() const { return (qw[4] >> 1) & 1; }
  uint8_t nv() const { return uint8_t(qw[4] >> 16); }
  uint32_t ndst() const { return uint32_t(qw[4] >> 32); }
};

// The posting hardware (FS 8.5): set PIR[vector]; if ON = 0 and (URG or SN = 0), set ON and
// send NV to NDST (xAPIC: NDST[15:8]) through the fabric. Returns whether it notified.
bool post(platform::Memory& memory, platform::ApicFabric& fabric, uint64_t address, uint8_t vector,
          sc_time delay = sc_core::SC_ZERO_TIME, bool urgent = false) {
  auto* qw = reinterpret_cast<uint64_t*>(memory.hostPointer(address, 64));
  qw[vector / 64] |= 1ull << (vector % 64);
  Descriptor d{qw};
  if (d.on() || (d.sn() && !urgent)) return false;
  qw[4] |= 1;
  fabric.route(fixedMessage((d.ndst() >> 8) & 0xFF, d.nv()), delay);
  return true;
}

// KVM's descriptor updates on vCPU transitions (arch/x86/kvm/vmx/posted_intr.c):
//  -> Running (vmx_vcpu_pi_load): NDST = this CPU, NV = notification vector, SN = 0, and
//     ON = 1 if PIR is not empty (so the entry sync picks up what was posted while away);
//  -> Preempted (vmx_vcpu_pi_put): SN = 1, notifications suppressed;
//  -> Blocked (pi_enable_wakeup_handler): NV = wakeup vector, SN = 0; if ON is already set
//     a self-IPI of the wakeup vector makes sure the vCPU wakes.
struct KvmHook {
  std::vector<std::pair<platform::VcpuState, platform::VcpuState>> transitions;

  void operator()(platform::Vcpu& v, platform::VcpuState from, platform::VcpuState to) {
    transitions.emplace_back(from, to);
    fw::PhysMemory& m = v.memory();
    const uint64_t control = v.descriptorAddress() + 32;
    uint64_t c = m.read64(control);
    uint64_t pir_any = 0;
    for (unsigned i = 0; i < 4; ++i) pir_any |= m.read64(v.descriptorAddress() + 8 * i);
    c &= ~(0xFFull << 16);
    if (to == platform::VcpuState::Running) {
      c = (c & 0xFFFF'FFFFull) | uint64_t(v.localApic().id() << 8) << 32;
      c |= uint64_t(v.notificationVector()) << 16;
      c &= ~2ull;
      if (pir_any) c |= 1;
    } else if (to == platform::VcpuState::Preempted) {
      c |= uint64_t(v.notificationVector()) << 16 | 2;
    } else {
      c = (c | uint64_t(v.wakeupVector()) << 16) & ~2ull;
    }
    m.write64(control, c);
    if (to == platform::VcpuState::Blocked && (c & 1)) v.sendSelfIpi(v.wakeupVector());
  }
};

platform::MemoryParams smallMemory() {
  platform::MemoryParams p;
  p.size_mib = 16;
  return p;
}

struct VcpuBench {
  platform::Memory memory{"memory", smallMemory()};
  platform::ApicFabric fabric{"fabric"};
  platform::Vcpu vcpu{"vcpu0", 0};
  KvmHook hook;

  explicit VcpuBench(bool with_hook = true, uint64_t descriptor = kDescriptor) {
    vcpu.mem_out.bind(memory.port);
    fabric.attach(vcpu);
    vcpu.setPostedInterrupts(descriptor, kNotification, kWakeup);
    if (with_hook) vcpu.setTransitionHook(std::ref(hook));
    // As KVM sets the descriptor up at vCPU creation: NV = notification, NDST = APIC 0.
    if (uint8_t* p = memory.hostPointer(descriptor, 64)) {
      auto* qw = reinterpret_cast<uint64_t*>(p);
      qw[4] = uint64_t(kNotification) << 16;
    }
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  Descriptor descriptor() {
    return Descriptor{reinterpret_cast<uint64_t*>(memory.hostPointer(kDescriptor, 64))};
  }
  bool post(uint8_t vector, sc_time delay = sc_core::SC_ZERO_TIME, bool urgent = false) {
    return test::post(memory, fabric, kDescriptor, vector, delay, urgent);
  }
  std::vector<uint8_t> guestVectors() const {
    std::vector<uint8_t> v;
    for (const auto& g : vcpu.guestLog()) v.push_back(g.vector);
    return v;
  }
  void runFor(double nanoseconds) { sc_core::sc_start(ns(nanoseconds)); }
};

TEST(Vcpu, NotificationWhileRunningMovesPirIntoVirrAndClearsOn) {
  VcpuBench b(false);
  b.vcpu.setGuestTakesInterrupts(false);
  b.vcpu.run();  // entry sync: ON is 0, nothing to move
  EXPECT_TRUE(b.post(0x45, ns(100)));
  EXPECT_FALSE(b.post(0x80, ns(100))) << "ON is set: no second notification";
  b.runFor(1000);
  EXPECT_TRUE(b.vcpu.virr().test(0x45));
  EXPECT_TRUE(b.vcpu.virr().test(0x80));
  EXPECT_EQ(b.vcpu.virr().count(), 2u);
  const Descriptor d = b.descriptor();
  EXPECT_TRUE(d.pirEmpty());
  EXPECT_FALSE(d.on());
  EXPECT_FALSE(d.sn());
  EXPECT_EQ(d.nv(), kNotification) << "the CPU changes nothing but ON and PIR";
  EXPECT_EQ(b.vcpu.stats().notifications_processed, 1u);
  EXPECT_EQ(b.vcpu.stats().pir_syncs, 1u);
  EXPECT_EQ(b.vcpu.stats().pir_vectors_moved, 2u);
  EXPECT_TRUE(b.vcpu.guestLog().empty());
  EXPECT_EQ(b.vcpu.guestTakePending(), 2u);
  EXPECT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x80, 0x45}));
}

TEST(Vcpu, TheGuestTakesHighestFirstAtNotificationPlusTheDescriptorAccess) {
  VcpuBench b(false);
  b.vcpu.run();
  b.post(0x45, ns(100));
  b.post(0x80, ns(100));
  b.runFor(1000);
  ASSERT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x80, 0x45}));
  // 100 ns in flight + 84 ns descriptor read + 44 ns write.
  EXPECT_EQ(b.vcpu.guestLog()[0].time, ns(228));
  EXPECT_EQ(b.vcpu.guestLog()[1].time, ns(228));
  EXPECT_TRUE(b.vcpu.virr().count() == 0);
  EXPECT_EQ(b.vcpu.stats().guest_interrupts, 2u);
}

TEST(Vcpu, WakeupVectorWhileBlockedWakesThroughTheHookAndSyncs) {
  VcpuBench b;
  b.vcpu.run();
  b.vcpu.block();
  EXPECT_EQ(b.descriptor().nv(), kWakeup) << "KVM points NV at the wakeup vector";
  EXPECT_TRUE(b.post(0x51, ns(100)));
  b.runFor(2000);
  EXPECT_EQ(b.vcpu.state(), VcpuState::Running);
  EXPECT_EQ(b.vcpu.stats().wakeups, 1u);
  EXPECT_EQ(b.vcpu.stats().notifications, 0u);
  using T = std::pair<VcpuState, VcpuState>;
  EXPECT_EQ(b.hook.transitions, (std::vector<T>{{VcpuState::Preempted, VcpuState::Running},
                                                {VcpuState::Running, VcpuState::Blocked},
                                                {VcpuState::Blocked, VcpuState::Running}}));
  ASSERT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x51}));
  // The CPU's work runs back to back from time 0 (each hook call: 5 reads of 8 bytes and
  // 1 write, 443 ns): run (hook + entry read of the descriptor, 84 ns: ON clear), block
  // (hook), then the wakeup that arrived at 100 ns: hook + sync (84 + 44 ns). 1541 ns.
  EXPECT_EQ(b.vcpu.guestLog()[0].time, ns(443 + 84 + 443 + 443 + 84 + 44));
  const Descriptor d = b.descriptor();
  EXPECT_TRUE(d.pirEmpty());
  EXPECT_FALSE(d.on());
  EXPECT_EQ(d.nv(), kNotification);
}

TEST(Vcpu, PreemptedSuppressesAndAccumulatesThenSyncsOnRun) {
  VcpuBench b;
  b.vcpu.run();
  b.vcpu.preempt();
  EXPECT_TRUE(b.descriptor().sn());
  EXPECT_FALSE(b.post(0x60, ns(10)));
  EXPECT_FALSE(b.post(0x61, ns(20)));
  b.runFor(1000);
  EXPECT_TRUE(b.vcpu.guestLog().empty());
  EXPECT_TRUE(b.descriptor().pir(0x60));
  EXPECT_TRUE(b.descriptor().pir(0x61));
  EXPECT_FALSE(b.descriptor().on());
  EXPECT_EQ(b.vcpu.stats().notifications, 0u);
  b.vcpu.run();  // the hook clears SN and sets ON (PIR is not empty); entry syncs
  EXPECT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x61, 0x60}));
  EXPECT_TRUE(b.descriptor().pirEmpty());
  EXPECT_FALSE(b.descriptor().on());
  EXPECT_FALSE(b.descriptor().sn());
  EXPECT_EQ(b.vcpu.stats().pir_syncs, 1u);
  EXPECT_EQ(b.vcpu.stats().pir_vectors_moved, 2u);
}

TEST(Vcpu, AnUrgentPostWhilePreemptedNotifiesButPirWaitsForTheRun) {
  VcpuBench b;
  b.vcpu.run();
  b.vcpu.preempt();
  EXPECT_TRUE(b.post(0x62, ns(10), true)) << "URG overrides SN";
  b.runFor(1000);
  EXPECT_EQ(b.vcpu.stats().notifications_not_running, 1u);
  EXPECT_TRUE(b.descriptor().pir(0x62));
  EXPECT_TRUE(b.descriptor().on());
  EXPECT_TRUE(b.vcpu.guestLog().empty());
  b.vcpu.run();
  EXPECT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x62}));
}

TEST(Vcpu, WithoutAHookANotificationWhilePreemptedIsSyncedAtTheNextRun) {
  VcpuBench b(false);
  EXPECT_EQ(b.vcpu.state(), VcpuState::Preempted);
  EXPECT_TRUE(b.post(0x70, ns(50)));
  b.runFor(1000);
  EXPECT_EQ(b.vcpu.stats().notifications_not_running, 1u);
  EXPECT_TRUE(b.descriptor().on());
  b.vcpu.run();
  EXPECT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x70}));
  EXPECT_EQ(b.vcpu.guestLog()[0].time, ns(1000 + 84 + 44));
  EXPECT_FALSE(b.descriptor().on());
}

// Blocking while a notification is in flight: KVM finds ON set and sends itself the wakeup
// vector, so the vCPU does not sleep through the interrupt; the late notification then
// finds nothing left to move. The work is serialised: run (443 + 84 ns), block (443 ns),
// the self-IPI's wakeup (443 + 84 + 44 ns), then the notification's sync (84 + 44 ns).
TEST(Vcpu, BlockingWithOnSetWakesThroughTheSelfIpi) {
  VcpuBench b;
  b.vcpu.run();
  EXPECT_TRUE(b.post(0x66, ns(100)));
  b.vcpu.block();
  b.runFor(2000);
  EXPECT_EQ(b.vcpu.state(), VcpuState::Running);
  EXPECT_EQ(b.vcpu.stats().wakeups, 1u);
  EXPECT_EQ(b.vcpu.stats().notifications_processed, 1u);
  EXPECT_EQ(b.vcpu.stats().pir_vectors_moved, 1u);
  EXPECT_EQ(b.guestVectors(), (std::vector<uint8_t>{0x66}));
  EXPECT_EQ(b.vcpu.guestLog()[0].time, ns(443 + 84 + 443 + 443 + 84 + 44));
  EXPECT_EQ(b.descriptor().nv(), kNotification);
}

TEST(Vcpu, OtherVectorsAreOrdinaryHostInterruptsInArrivalOrder) {
  VcpuBench b;
  b.vcpu.run();
  b.fabric.route(fixedMessage(0, 0x31), ns(200));
  b.fabric.route(fixedMessage(0, 0x32), ns(100));
  ApicMessage nmi = fixedMessage(0, kNotification);
  nmi.delivery_mode = platform::kDeliveryNmi;  // not a notification: NV only as a fixed vector
  b.fabric.route(nmi, ns(300));
  b.fabric.route(fixedMessage(0, kWakeup), ns(400));  // running: nothing to wake
  b.runFor(1000);
  const auto& log = b.vcpu.apic().log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].vector, 0x32);
  EXPECT_EQ(log[0].time, ns(100));
  EXPECT_EQ(log[1].vector, 0x31);
  EXPECT_EQ(log[1].time, ns(200));
  EXPECT_TRUE(b.vcpu.apic().irr(0x31));
  EXPECT_EQ(b.vcpu.apic().stats().other_delivery_modes, 1u);
  EXPECT_EQ(b.vcpu.stats().host_interrupts, 3u);
  EXPECT_EQ(b.vcpu.stats().notifications, 0u);
  EXPECT_EQ(b.vcpu.stats().spurious_wakeups, 1u);
  EXPECT_TRUE(b.vcpu.guestLog().empty());
}

TEST(Vcpu, ADescriptorOutsideMemoryIsCountedNotFatal) {
  VcpuBench b(false, 0x4000'0000);  // beyond the 16 MiB
  b.vcpu.run();
  b.fabric.route(fixedMessage(0, kNotification), ns(10));
  b.runFor(100);
  EXPECT_EQ(b.vcpu.stats().descriptor_errors, 2u);
  EXPECT_EQ(b.vcpu.stats().pir_syncs, 0u);
  StatRegistry r;
  b.vcpu.describeStats(r, "vcpu0.");
  EXPECT_EQ(r.value("vcpu0.descriptor_errors"), 2.0);
  EXPECT_EQ(r.value("vcpu0.runs"), 1.0);
  EXPECT_EQ(r.value("vcpu0.apic.accepted"), 0.0);
}

}  // namespace
}  // namespace vtd::test
