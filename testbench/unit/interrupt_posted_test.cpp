// Posted-interrupt descriptor updates (FS 8.5): PIR bit set for every ON/SN/URG
// combination, notification only when ON was 0 and (URG or SN = 0), NDST in xAPIC and
// x2APIC form, other fields and PIR bits untouched, read errors. Descriptor bytes are
// checked in memory at hand-typed offsets (PIR at 0..31, ON/SN at byte 32, NV byte 34,
// NDST bytes 36..39).
#include <gtest/gtest.h>

#include "model/common/flat_memory.h"
#include "model/interrupt/posted_descriptor.h"

namespace vtd {
namespace {

constexpr uint64_t kPid = 0x2000;

class Posted : public ::testing::Test {
 protected:
  FlatMemory mem{0x10000};
  // Control qword (bits 319:256): ON bit 0, SN bit 1, NV 23:16, NDST 63:32.
  void setControl(bool on, bool sn, uint8_t nv, uint32_t ndst) {
    mem.write64(kPid + 32,
                (on ? 1ull : 0) | (sn ? 2ull : 0) | uint64_t(nv) << 16 | uint64_t(ndst) << 32);
  }
  uint64_t control() const { return mem.read64(kPid + 32); }
  uint64_t pirQword(unsigned i) const { return mem.read64(kPid + 8 * i); }
};

struct Case {
  bool on, sn, urg;
  PostOutcome outcome;
};

// FS 8.5 steps 1-3 over all eight ON/SN/URG combinations.
TEST_F(Posted, Fs85OnSnUrgCombinations) {
  const Case cases[] = {
      {false, false, false, PostOutcome::Notified},
      {false, false, true, PostOutcome::Notified},
      {false, true, false, PostOutcome::Suppressed},
      {false, true, true, PostOutcome::Notified},  // urgent overrides SN
      {true, false, false, PostOutcome::AlreadyPending},
      {true, false, true, PostOutcome::AlreadyPending},
      {true, true, false, PostOutcome::AlreadyPending},
      {true, true, true, PostOutcome::AlreadyPending},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "ON=" << c.on << " SN=" << c.sn << " URG=" << c.urg);
    for (unsigned i = 0; i < 4; ++i) mem.write64(kPid + 8 * i, 0);
    setControl(c.on, c.sn, 0xF2, 0x0000'0300);  // xAPIC ID 3 in NDST[15:8]
    const PostResult r = postInterrupt(mem, kPid, 0x47, c.urg, /*x2apic=*/false);
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(pirQword(1), 1ull << 7);  // vector 0x47 = qword 1 bit 7
    EXPECT_EQ(pirQword(0) | pirQword(2) | pirQword(3), 0u);
    const bool notified = c.outcome == PostOutcome::Notified;
    EXPECT_EQ(r.notified(), notified);
    // ON ends set whenever it was set or a notification went out; SN and the rest unchanged.
    const uint64_t want = 0x0000'0300'00F2'0000ull | (c.on || notified ? 1 : 0) | (c.sn ? 2 : 0);
    EXPECT_EQ(control(), want);
    if (notified) {
      EXPECT_EQ(r.notification.vector, 0xF2);
      EXPECT_EQ(r.notification.destination, 3u);
      EXPECT_FALSE(r.notification.dm);   // physical mode
      EXPECT_EQ(r.notification.dlm, 0);  // fixed
      EXPECT_FALSE(r.notification.tm);   // edge
    }
    EXPECT_EQ(r.descriptor_reads, 1);
    EXPECT_EQ(r.descriptor_writes, 1);
  }
}

// FS 8.5: PIR bits already set (other vectors, same vector) stay set; the same vector
// coalesces.
TEST_F(Posted, Fs85PirAccumulatesAndCoalesces) {
  mem.write64(kPid + 0, 1ull << 0x20);
  mem.write64(kPid + 24, 1ull << 63);  // vector 0xFF
  setControl(true, false, 0xF2, 0);
  PostResult r = postInterrupt(mem, kPid, 0x21, false, false);
  EXPECT_FALSE(r.pir_was_set);
  EXPECT_EQ(pirQword(0), (1ull << 0x20) | (1ull << 0x21));
  EXPECT_EQ(pirQword(3), 1ull << 63);
  r = postInterrupt(mem, kPid, 0xFF, false, false);
  EXPECT_TRUE(r.pir_was_set);
  EXPECT_EQ(pirQword(3), 1ull << 63);
  EXPECT_EQ(r.outcome, PostOutcome::AlreadyPending);
}

// FS 8.5 NDST: x2APIC uses all 32 bits, xAPIC the ID in NDST[15:8].
TEST_F(Posted, Fs85NotificationDestinationForms) {
  setControl(false, false, 0xEC, 0x0001'2345);
  PostResult r = postInterrupt(mem, kPid, 0x30, false, /*x2apic=*/true);
  ASSERT_TRUE(r.notified());
  EXPECT_EQ(r.notification.destination, 0x0001'2345u);
  EXPECT_TRUE(r.notification.x2apic);
  setControl(false, false, 0xEC, 0x0001'2345);
  r = postInterrupt(mem, kPid, 0x30, false, /*x2apic=*/false);
  ASSERT_TRUE(r.notified());
  EXPECT_EQ(r.notification.destination, 0x23u);
}

// The second interrupt after a notification finds ON set: no second notification until the
// vCPU side clears ON (as KVM does when it syncs PIR into the virtual IRR).
TEST_F(Posted, Fs85OneNotificationUntilOnCleared) {
  setControl(false, false, 0xF2, 0x100);
  EXPECT_EQ(postInterrupt(mem, kPid, 0x40, false, false).outcome, PostOutcome::Notified);
  EXPECT_EQ(postInterrupt(mem, kPid, 0x41, false, false).outcome, PostOutcome::AlreadyPending);
  mem.write64(kPid + 32, control() & ~1ull);  // software clears ON
  EXPECT_EQ(postInterrupt(mem, kPid, 0x42, false, false).outcome, PostOutcome::Notified);
  EXPECT_EQ(pirQword(1), 0x7ull);
}

// Reserved and unrelated bytes (bits 511:320) are written back unchanged.
TEST_F(Posted, Fs85OtherBytesUntouched) {
  for (unsigned i = 5; i < 8; ++i) mem.write64(kPid + 8 * i, 0x1111'1111'1111'1111ull * i);
  setControl(false, false, 0xF2, 0x100);
  postInterrupt(mem, kPid, 1, false, false);
  for (unsigned i = 5; i < 8; ++i)
    EXPECT_EQ(mem.read64(kPid + 8 * i), 0x1111'1111'1111'1111ull * i);
}

// FS 7.4 row 0x27: a descriptor outside memory cannot be read; nothing is posted.
TEST_F(Posted, Fs74DescriptorReadError) {
  const PostResult r = postInterrupt(mem, 0x10000, 1, false, false);
  EXPECT_EQ(r.outcome, PostOutcome::ReadError);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.notified());
  EXPECT_EQ(r.descriptor_writes, 0);
}

}  // namespace
}  // namespace vtd
