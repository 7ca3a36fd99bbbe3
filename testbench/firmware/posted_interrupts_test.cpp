// KVM's posted-interrupt descriptor policy in the firmware (FS 8.4, 8.5): descriptor
// initialisation, the three vCPU transitions (Running: NDST/NV/SN and ON when PIR is
// pending; Preempted: SN; Blocked: wakeup NV, SN = 0, self-IPI when ON is set), updates
// made as single read-modify-writes of the control quadword, a posting between two steps
// never stranded, and end to end: a posted IRTE written by the firmware, posted by the
// model into a descriptor that the policy manages. Descriptor bit positions are typed from
// FS 8.5: PIR 255:0; in quadword 4 (byte 32): ON 0, SN 1, NV 23:16, NDST 63:32 (xAPIC: the
// ID in NDST[15:8], bits 47:40).
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <vector>

#include "firmware/posted_interrupts.h"
#include "testbench/firmware/ir_fixture.h"

namespace vtd::test {
namespace {

constexpr uint64_t kOn = 1, kSn = 2;
constexpr uint8_t kNotify = 0xF2, kWakeup = 0xF1;
uint64_t nv(uint8_t v) {
  return uint64_t(v) << 16;
}
uint64_t xapicNdst(uint8_t id) {
  return uint64_t(id) << 40;
}

// Memory that logs the policy's accesses and can let "the hardware" act before one.
class LoggingPhys final : public fw::PhysMemory {
 public:
  struct Access {
    bool write;
    uint64_t address;
    size_t length;
  };
  explicit LoggingPhys(fw::PhysMemory& inner) : inner_(inner) {}
  void read(uint64_t a, void* d, size_t n) override {
    before(false);
    log.push_back({false, a, n});
    inner_.read(a, d, n);
  }
  void write(uint64_t a, const void* d, size_t n) override {
    before(true);
    log.push_back({true, a, n});
    inner_.write(a, d, n);
  }
  std::vector<Access> log;
  // Called before access number `log.size()`; `write` says which kind it is.
  std::function<void(size_t index, bool write)> before_access;

 private:
  void before(bool w) {
    if (before_access) before_access(log.size(), w);
  }
  fw::PhysMemory& inner_;
};

class PostedPolicy : public ::testing::Test {
 protected:
  static constexpr uint64_t kDesc = 0x1040;
  PostedPolicy() : flat(1 << 20), phys(flat), logged(phys) {}

  uint64_t qw(unsigned i) { return flat.read64(kDesc + 8 * i); }
  void setQw(unsigned i, uint64_t v) { flat.write64(kDesc + 8 * i, v); }
  void setPir(uint8_t v) { setQw(v / 64, qw(v / 64) | 1ull << (v % 64)); }
  bool pir(uint8_t v) { return (qw(v / 64) >> (v % 64)) & 1; }
  // The posting hardware (FS 8.5): PIR[v]; if ON = 0 and (URG or SN = 0), ON and notify.
  bool post(uint8_t v, bool urgent = false) {
    setPir(v);
    const uint64_t c = qw(4);
    if ((c & kOn) || ((c & kSn) && !urgent)) return false;
    setQw(4, c | kOn);
    notified_with.push_back(uint8_t(c >> 16));
    return true;
  }

  FlatMemory flat;
  DirectMemory phys;
  LoggingPhys logged;
  fw::PostedInterruptPolicy policy;  // xAPIC, 0xF2 / 0xF1
  std::vector<uint8_t> notified_with;
};

// FS 8.5, KVM's vCPU reset: PIR empty, ON 0, SN 1 (not running yet), NV, NDST.
TEST_F(PostedPolicy, InitWritesAFreshDescriptor) {
  for (unsigned i = 0; i < 8; ++i) setQw(i, ~0ull);
  policy.initDescriptor(phys, kDesc, 5);
  for (unsigned i : {0u, 1u, 2u, 3u, 5u, 6u, 7u}) EXPECT_EQ(qw(i), 0u) << "quadword " << i;
  EXPECT_EQ(qw(4), kSn | nv(kNotify) | xapicNdst(5));
  fw::PostedInterruptPolicy x2(true);
  x2.initDescriptor(phys, kDesc, 0x12345);
  EXPECT_EQ(qw(4), kSn | nv(kNotify) | 0x12345ull << 32) << "x2APIC: NDST 63:32";
}

// vmx_vcpu_pi_load: NDST = this CPU, NV = notification (back from the wakeup vector),
// SN = 0; ON untouched with PIR empty.
TEST_F(PostedPolicy, RunSetsNdstAndNvAndClearsSn) {
  setQw(4, kSn | nv(kWakeup) | xapicNdst(9) | 0xFC00);  // 0xFC00: bits the policy must keep
  EXPECT_FALSE(policy.onRun(phys, kDesc, 4));
  EXPECT_EQ(qw(4), nv(kNotify) | xapicNdst(4) | 0xFC00);
  fw::PostedInterruptPolicy x2(true);
  EXPECT_FALSE(x2.onRun(phys, kDesc, 0xABCDE));
  EXPECT_EQ(qw(4), nv(kNotify) | 0xABCDEull << 32 | 0xFC00);
}

// PIR non-empty on load (posted while SN suppressed notifications): ON is set.
TEST_F(PostedPolicy, RunWithPirPendingSetsOn) {
  setQw(4, kSn | nv(kNotify));
  setPir(0x45);
  EXPECT_TRUE(policy.onRun(phys, kDesc, 0));
  EXPECT_EQ(qw(4) & (kOn | kSn), kOn);
  EXPECT_TRUE(pir(0x45));
  setQw(4, qw(4) & ~kOn);
  setQw(0, 0);
  setQw(1, 0);
  setPir(0xFF);  // the highest vector, quadword 3
  EXPECT_TRUE(policy.onRun(phys, kDesc, 0));
  EXPECT_TRUE(qw(4) & kOn);
}

// vmx_vcpu_pi_put of a preempted vCPU: SN only.
TEST_F(PostedPolicy, PreemptSetsSnOnly) {
  const uint64_t before = kOn | nv(kNotify) | xapicNdst(3);
  setQw(4, before);
  setPir(0x80);
  policy.onPreempt(phys, kDesc);
  EXPECT_EQ(qw(4), before | kSn);
  EXPECT_TRUE(pir(0x80));
}

// pi_enable_wakeup_handler: NV = wakeup, SN = 0; ON already set -> self-IPI needed.
TEST_F(PostedPolicy, BlockSwitchesToTheWakeupVector) {
  setQw(4, nv(kNotify) | xapicNdst(3));
  EXPECT_FALSE(policy.onBlock(phys, kDesc));
  EXPECT_EQ(qw(4), nv(kWakeup) | xapicNdst(3));
  setQw(4, kOn | kSn | nv(kNotify) | xapicNdst(3));
  EXPECT_TRUE(policy.onBlock(phys, kDesc)) << "ON set: the notification went to the old vector";
  EXPECT_EQ(qw(4), kOn | nv(kWakeup) | xapicNdst(3));
}

// The atomicity rule (posted_interrupts.h): every write is the 8-byte control quadword
// right after an 8-byte read of it; PIR is only ever read.
TEST_F(PostedPolicy, UpdatesAreSingleReadModifyWritesOfTheControlQuadword) {
  auto checkLog = [&](const char* what) {
    const auto& log = logged.log;
    ASSERT_FALSE(log.empty()) << what;
    for (size_t i = 0; i < log.size(); ++i) {
      if (!log[i].write) continue;
      EXPECT_EQ(log[i].address, kDesc + 32) << what;
      EXPECT_EQ(log[i].length, 8u) << what;
      ASSERT_GT(i, 0u) << what;
      EXPECT_FALSE(log[i - 1].write) << what;
      EXPECT_EQ(log[i - 1].address, kDesc + 32) << what << ": read right before the write";
      EXPECT_EQ(log[i - 1].length, 8u) << what;
    }
    logged.log.clear();
  };
  setQw(4, kSn | nv(kNotify));
  setPir(0x31);
  EXPECT_TRUE(policy.onRun(logged, kDesc, 1));
  checkLog("run");
  policy.onPreempt(logged, kDesc);
  checkLog("preempt");
  policy.onBlock(logged, kDesc);
  checkLog("block");
}

// KVM clears SN before it reads PIR: a posting at any point between the policy's steps
// either notifies by itself (SN already 0) or is found in PIR and flagged with ON, so the
// entry sync (which moves PIR only when ON is set) never leaves it behind.
TEST_F(PostedPolicy, APostingBetweenStepsIsNeverStranded) {
  for (size_t k = 0; k < 8; ++k) {
    for (unsigned i = 0; i < 8; ++i) setQw(i, 0);
    setQw(4, kSn | nv(kNotify));  // preempted, nothing pending
    notified_with.clear();
    bool injected = false;
    // Only between operations: never between a read and the write that completes it.
    logged.before_access = [&](size_t index, bool write) {
      if (index == k && !write) {
        post(0x66);
        injected = true;
      }
    };
    policy.onRun(logged, kDesc, 2);
    logged.before_access = nullptr;
    const size_t accesses = logged.log.size();
    logged.log.clear();
    if (accesses <= k) break;
    if (!injected) continue;
    EXPECT_TRUE(pir(0x66)) << "posting before access " << k;
    EXPECT_TRUE(qw(4) & kOn) << "posting before access " << k << " would be stranded";
  }
}

// A posting that lands before the switch to the wakeup vector notifies the old vector:
// onBlock must ask for the self-IPI; one after the switch wakes the vCPU by itself.
TEST_F(PostedPolicy, BlockRacingAPosting) {
  setQw(4, nv(kNotify) | xapicNdst(2));
  logged.before_access = [&](size_t index, bool write) {
    if (index == 0) post(0x21);
  };
  EXPECT_TRUE(policy.onBlock(logged, kDesc));
  EXPECT_EQ(notified_with, std::vector<uint8_t>{kNotify});
  setQw(4, nv(kNotify) | xapicNdst(2));
  logged.before_access = nullptr;
  EXPECT_FALSE(policy.onBlock(logged, kDesc));
  EXPECT_TRUE(post(0x22));
  EXPECT_EQ(notified_with.back(), kWakeup);
}

TEST_F(PostedPolicy, RefusesWhatTheDescriptorCannotHold) {
  EXPECT_THROW(policy.onRun(phys, kDesc + 8, 1), std::invalid_argument) << "64-byte alignment";
  EXPECT_THROW(policy.initDescriptor(phys, kDesc, 0x100), std::invalid_argument)
      << "xAPIC IDs are 8 bits";
  EXPECT_NO_THROW(fw::PostedInterruptPolicy(true).onRun(phys, kDesc, 0x100));
}

// --- end to end: the firmware's posted IRTE, the model's posting, the policy ---

class PostedEndToEnd : public IrFirmwareTest {
 protected:
  static constexpr uint64_t kDesc = 0x10'0000;
  static constexpr uint8_t kGuestVector = 0x55;

  void setUpPosted(bool x2apic, uint32_t apic_id) {
    fw::InterruptRemappingOptions o;
    o.x2apic = x2apic;
    bringUpIr(o);
    policy = fw::PostedInterruptPolicy(ir().x2apic());
    policy.initDescriptor(*memory, kDesc, apic_id);
    handle = *ir().allocate();
    fw::PostedEntry e;
    e.vector = kGuestVector;
    e.descriptor = kDesc;
    e.source = fw::SourceCheck::requester(kSid);
    ASSERT_TRUE(ir().setPosted(handle, e));
  }
  InterruptResult deviceInterrupt() { return request(ir().msiFor(handle)); }
  uint64_t control() { return mem64(kDesc + 32); }
  bool pirBit(uint8_t v) { return (mem64(kDesc + 8 * (v / 64)) >> (v % 64)) & 1; }
  // The CPU's posted-interrupt processing: PIR moved out, ON cleared.
  void processPosted() {
    for (unsigned i = 0; i < 4; ++i) sys->memory.write64(kDesc + 8 * i, 0);
    sys->memory.write64(kDesc + 32, control() & ~kOn);
  }

  fw::PostedInterruptPolicy policy;
  uint16_t handle = 0;
};

TEST_F(PostedEndToEnd, KvmTransitionsDecideTheNotification) {
  setUpPosted(false, 3);
  // Not yet run: SN = 1 from init, the posting is recorded silently.
  InterruptResult r = deviceInterrupt();
  ASSERT_TRUE(r.ok) << faultReasonName(r.reason);
  EXPECT_TRUE(r.posted);
  EXPECT_FALSE(r.send);
  EXPECT_TRUE(pirBit(kGuestVector));
  EXPECT_FALSE(control() & kOn);

  // Running: PIR was pending, so ON is set and the entry sync will take it.
  EXPECT_TRUE(policy.onRun(*memory, kDesc, 3));
  EXPECT_EQ(control() & (kOn | kSn), kOn);
  r = deviceInterrupt();
  EXPECT_TRUE(r.ok && r.posted);
  EXPECT_FALSE(r.send) << "ON already set: coalesced";
  processPosted();
  r = deviceInterrupt();
  ASSERT_TRUE(r.send) << "running: notification";
  EXPECT_EQ(vectorOf(r), kNotify);
  EXPECT_EQ(destinationOf(r), 3u);

  // Blocked: the next posting notifies the wakeup vector.
  processPosted();
  EXPECT_FALSE(policy.onBlock(*memory, kDesc));
  r = deviceInterrupt();
  ASSERT_TRUE(r.send);
  EXPECT_EQ(vectorOf(r), kWakeup);
  EXPECT_EQ(destinationOf(r), 3u);
  EXPECT_TRUE(policy.onBlock(*memory, kDesc)) << "ON set: self-IPI needed";

  // Preempted: suppressed again.
  policy.onRun(*memory, kDesc, 3);
  processPosted();
  policy.onPreempt(*memory, kDesc);
  r = deviceInterrupt();
  EXPECT_TRUE(r.ok && r.posted);
  EXPECT_FALSE(r.send);
  EXPECT_TRUE(pirBit(kGuestVector));
  EXPECT_EQ(sys->unit.stats().post_suppressed, 2u);
}

// FS 8.4: URG notifies even while SN is set.
TEST_F(PostedEndToEnd, UrgentEntryNotifiesWhilePreempted) {
  setUpPosted(false, 7);
  fw::PostedEntry e;
  e.vector = kGuestVector;
  e.descriptor = kDesc;
  e.urgent = true;
  ASSERT_TRUE(ir().setPosted(handle, e));
  const InterruptResult r = deviceInterrupt();
  ASSERT_TRUE(r.send);
  EXPECT_EQ(vectorOf(r), kNotify);
  EXPECT_EQ(destinationOf(r), 7u);
}

// FS 8.5: in x2APIC mode (EIME = 1) NDST is the full 32-bit ID.
TEST_F(PostedEndToEnd, X2apicNotificationDestination) {
  setUpPosted(true, 0x1'0203);
  ASSERT_TRUE(policy.x2apic());
  policy.onRun(*memory, kDesc, 0x1'0203);
  const InterruptResult r = deviceInterrupt();
  ASSERT_TRUE(r.send);
  EXPECT_EQ(destinationOf(r), 0x1'0203u);
  EXPECT_EQ(vectorOf(r), kNotify);
}

}  // namespace
}  // namespace vtd::test
