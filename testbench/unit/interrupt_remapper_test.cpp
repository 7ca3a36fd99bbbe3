// InterruptRemapper (FS 8.1-8.5, 7.4, 7.5, 6.5): every interrupt-remapping fault reason
// 0x20-0x27 with its fault info and FPD behaviour, compatibility-format blocking, the
// remapped interrupt in xAPIC and x2APIC form, subhandles, posted delivery through the
// remapper, interrupt-entry-cache hits, staleness and invalidation (global, index with mask).
#include <gtest/gtest.h>

#include <set>

#include "model/common/flat_memory.h"
#include "model/interrupt/interrupt_remapper.h"

namespace vtd {
namespace {

constexpr uint64_t kTable = 0x10000;
constexpr uint64_t kPid = 0x40000;
const SourceId kDevice = SourceId::fromBdf(3, 2, 0);

// A memory whose writes fail: a descriptor that can be read but not updated.
class ReadOnlyMemory final : public GuestMemory {
 public:
  explicit ReadOnlyMemory(FlatMemory& m) : m_(m) {}
  bool read(uint64_t a, void* d, size_t n) override { return m_.read(a, d, n); }
  bool write(uint64_t, const void*, size_t) override { return false; }

 private:
  FlatMemory& m_;
};

class Remapper : public ::testing::Test {
 protected:
  Remapper() {
    state.table = kTable;
    state.size = 7;  // 256 entries
    state.enabled = true;
    state.posted_supported = true;
  }
  void setIrte(uint32_t index, const IrteRaw& r) {
    mem.write64(kTable + 16 * index, r.lo);
    mem.write64(kTable + 16 * index + 8, r.hi);
  }
  // A present remapped entry: fixed, physical, vector `v`, destination `dst`.
  void setRemapped(uint32_t index, uint8_t v, uint32_t dst, bool fpd = false) {
    RemappedIrteFields f;
    f.vector = v;
    f.destination = dst;
    f.fpd = fpd;
    setIrte(index, encodeRemappedIrte(f, state.eime));
  }
  MsiRequest request(uint16_t handle, bool shv = false, uint16_t sub = 0, SourceId sid = kDevice) {
    const MsiMessage m = encodeRemappableRequest(handle, shv, sub);
    return MsiRequest{sid, m.address, m.data};
  }
  InterruptRemapResult remap(const MsiRequest& r) { return remapper.remap(state, r); }
  std::set<uint32_t> cached() const {
    std::set<uint32_t> s;
    cache.forEachValid([&](uint32_t i, const Irte&) { s.insert(i); });
    return s;
  }

  FlatMemory mem{0x80000};
  InterruptEntryCache cache{CacheParams{32, 0, ReplacementPolicy::Lru, 1, 1, true}};
  InterruptRemapper remapper{mem, cache};
  InterruptRemapState state;
};

// FS 8.2: SIRTP latches base (63:12), S (3:0) and EIME (11, only with ECAP.EIM).
TEST_F(Remapper, Fs82LatchIrta) {
  InterruptRemapState s;
  s.latchIrta(0x0000'0012'3456'7F8Full, true);
  EXPECT_EQ(s.table, 0x12'3456'7000ull);
  EXPECT_EQ(s.size, 0xF);
  EXPECT_EQ(s.entries(), 65536u);
  EXPECT_TRUE(s.eime);
  s.latchIrta(0x5000 | 1u << 11 | 3, false);
  EXPECT_EQ(s.table, 0x5000u);
  EXPECT_EQ(s.entries(), 16u);
  EXPECT_FALSE(s.eime);
}

// FS 8.1: with IRES = 0 nothing is remapped, whatever the format.
TEST_F(Remapper, Fs81DisabledPassesAsWritten) {
  state.enabled = false;
  const MsiRequest req{kDevice, 0xFEE0'3000, 0x4031};
  const auto r = remap(req);
  EXPECT_EQ(r.disposition, InterruptDisposition::Passthrough);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.message.address, 0xFEE0'3000u);
  EXPECT_EQ(r.message.data, 0x4031u);
  EXPECT_EQ(r.interrupt.destination, 3u);
  EXPECT_EQ(r.interrupt.vector, 0x31);
  EXPECT_EQ(r.cost.iec_lookups, 0);
  EXPECT_EQ(remap(request(5)).disposition, InterruptDisposition::Passthrough);
}

// FS 8.1: compatibility format passes only with CFIS = 1 and EIME = 0; else 0x25, always
// recorded (not qualified), FI 0.
TEST_F(Remapper, Fs81CompatibilityBlockingAndCfis) {
  const MsiRequest req{kDevice, 0xFEE0'200C, 0x0022};
  auto r = remap(req);  // CFIS = 0
  EXPECT_EQ(r.disposition, InterruptDisposition::Fault);
  EXPECT_EQ(r.reason, FaultReason::IrCompatBlocked);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.fault_info, 0u);
  EXPECT_FALSE(r.send);
  state.compat_pass = true;
  r = remap(req);
  EXPECT_EQ(r.disposition, InterruptDisposition::Compatibility);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.message.address, 0xFEE0'200Cu);
  EXPECT_EQ(r.interrupt.destination, 2u);
  EXPECT_TRUE(r.interrupt.dm);
  EXPECT_TRUE(r.interrupt.rh);
  EXPECT_EQ(r.interrupt.vector, 0x22);
  state.eime = true;  // x2APIC mode blocks it whatever CFIS says
  EXPECT_EQ(remap(req).reason, FaultReason::IrCompatBlocked);
}

// FS 7.4 row 0x20: reserved request field; not qualified; FI holds the decoded index.
TEST_F(Remapper, Fs74Fault0x20ReservedRequest) {
  setRemapped(0x12, 0x30, 1, /*fpd=*/true);
  MsiRequest req = request(0x10, true, 2);
  req.data |= 0x0001'0000;
  const auto r = remap(req);
  EXPECT_EQ(r.reason, FaultReason::IrReservedRequest);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.fault_info, 0x0012'0000'0000'0000ull);
  EXPECT_EQ(r.cost.irte_reads, 0);
  MsiRequest high = request(0x12);
  high.address |= 1ull << 32;
  EXPECT_EQ(remap(high).reason, FaultReason::IrReservedRequest);
}

// FS 8.1 / 7.4 row 0x21: index >= 2^(S+1), nothing read.
TEST_F(Remapper, Fs74Fault0x21IndexOutOfRange) {
  state.size = 0;  // 2 entries
  setRemapped(1, 0x30, 1);
  EXPECT_TRUE(remap(request(1)).ok());
  const auto r = remap(request(1, true, 1));  // index 2
  EXPECT_EQ(r.reason, FaultReason::IrIndexOutOfRange);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.index, 2u);
  EXPECT_EQ(r.fault_info, 0x0002'0000'0000'0000ull);
  EXPECT_EQ(r.cost.irte_reads, 0);
  // Handle + subhandle beyond 16 bits is out of even the largest table.
  state.size = 15;
  EXPECT_EQ(remap(request(0xFFFF, true, 1)).reason, FaultReason::IrIndexOutOfRange);
}

// FS 7.4 row 0x23: the IRTE cannot be read; not qualified.
TEST_F(Remapper, Fs74Fault0x23ReadError) {
  state.table = 0x7F000;  // entry 0x100 would be at 0x80000, past the memory
  state.size = 15;
  const auto r = remap(request(0x100));
  EXPECT_EQ(r.reason, FaultReason::IrEntryReadError);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.cost.irte_reads, 1);
  EXPECT_EQ(r.fault_info, 0x0100'0000'0000'0000ull);
}

// FS 7.4 row 0x22: P = 0; qualified, FPD of the not-present entry honoured.
TEST_F(Remapper, Fs74Fault0x22NotPresentAndFpd) {
  setIrte(4, {0, 0});
  auto r = remap(request(4));
  EXPECT_EQ(r.reason, FaultReason::IrEntryNotPresent);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.fault_info, 0x0004'0000'0000'0000ull);
  setIrte(4, {0x2, 0});  // FPD = 1, P = 0
  r = remap(request(4));
  EXPECT_EQ(r.reason, FaultReason::IrEntryNotPresent);
  EXPECT_TRUE(r.fpd);
  EXPECT_FALSE(r.record);
  EXPECT_TRUE(cached().empty());  // not-present entries are never cached
  setRemapped(4, 0x30, 1);
  EXPECT_TRUE(remap(request(4)).ok());  // so no invalidation is needed to see it
}

// FS 7.4 row 0x24: reserved bit in a present IRTE; qualified. Also IM = 1 without CAP.PI.
TEST_F(Remapper, Fs74Fault0x24ReservedAndFpd) {
  IrteRaw raw = encodeRemappedIrte(RemappedIrteFields{}, false);
  raw.lo |= 1ull << 13;
  setIrte(6, raw);
  auto r = remap(request(6));
  EXPECT_EQ(r.reason, FaultReason::IrEntryReserved);
  EXPECT_TRUE(r.record);
  raw.lo |= 0x2;  // FPD
  setIrte(6, raw);
  r = remap(request(6));
  EXPECT_EQ(r.reason, FaultReason::IrEntryReserved);
  EXPECT_FALSE(r.record);
  EXPECT_TRUE(cached().empty());
  PostedIrteFields p;
  p.descriptor = kPid;
  setIrte(7, encodePostedIrte(p));
  state.posted_supported = false;
  EXPECT_EQ(remap(request(7)).reason, FaultReason::IrEntryReserved);
  // xAPIC mode: DST bits 39:32 reserved.
  state.posted_supported = true;
  setIrte(8, {0x0000'0001'0020'0001ull, 0});
  EXPECT_EQ(remap(request(8)).reason, FaultReason::IrEntryReserved);
}

// FS 7.4 row 0x26: source-id check fails; qualified; checked on cache hits too.
TEST_F(Remapper, Fs74Fault0x26SourceCheckAndFpd) {
  RemappedIrteFields f;
  f.vector = 0x30;
  f.svt = SourceValidation::RequesterId;
  f.sid = kDevice.value;
  setIrte(9, encodeRemappedIrte(f, false));
  EXPECT_TRUE(remap(request(9)).ok());
  auto r = remap(request(9, false, 0, SourceId::fromBdf(3, 2, 1)));
  EXPECT_TRUE(r.iec_hit);
  EXPECT_EQ(r.reason, FaultReason::IrSourceCheckFailed);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.fault_info, 0x0009'0000'0000'0000ull);
  f.fpd = true;
  setIrte(10, encodeRemappedIrte(f, false));
  r = remap(request(10, false, 0, SourceId::fromBdf(4, 0, 0)));
  EXPECT_EQ(r.reason, FaultReason::IrSourceCheckFailed);
  EXPECT_FALSE(r.record);
}

// FS 7.4 row 0x27: the posted descriptor cannot be read (or written); qualified.
TEST_F(Remapper, Fs74Fault0x27PostedDescriptor) {
  PostedIrteFields p;
  p.vector = 0x50;
  p.descriptor = 0x80000;  // past the memory
  setIrte(11, encodePostedIrte(p));
  auto r = remap(request(11));
  EXPECT_EQ(r.reason, kIrPostedDescriptorError);
  EXPECT_EQ(uint8_t(r.reason), 0x27);
  EXPECT_TRUE(r.record);
  EXPECT_EQ(r.cost.descriptor_reads, 1);
  p.fpd = true;
  setIrte(12, encodePostedIrte(p));
  EXPECT_FALSE(remap(request(12)).record);
  // Readable but not writable: 0x27 as well, and no notification.
  ReadOnlyMemory ro(mem);
  InterruptEntryCache c2(CacheParams{});
  InterruptRemapper r2(ro, c2);
  p.fpd = false;
  p.descriptor = kPid;
  setIrte(13, encodePostedIrte(p));
  r = r2.remap(state, request(13));
  EXPECT_EQ(r.reason, kIrPostedDescriptorError);
  EXPECT_FALSE(r.send);
}

// FS 8.3: every IRTE attribute reaches the interrupt; xAPIC ID from DST bits 47:40.
TEST_F(Remapper, Fs83RemappedXapic) {
  setIrte(0x21, {0x0000'2A00'0031'0A5Dull, 0});  // DM RH TM, DLM 010, V 0x31, dest 0x2A
  const auto r = remap(request(0x21));
  ASSERT_EQ(r.disposition, InterruptDisposition::Remapped);
  EXPECT_TRUE(r.send);
  EXPECT_EQ(r.interrupt.destination, 0x2Au);
  EXPECT_FALSE(r.interrupt.x2apic);
  EXPECT_TRUE(r.interrupt.dm);
  EXPECT_TRUE(r.interrupt.rh);
  EXPECT_TRUE(r.interrupt.tm);
  EXPECT_EQ(r.interrupt.dlm, 2);
  EXPECT_EQ(r.interrupt.vector, 0x31);
  EXPECT_EQ(r.message.address, 0xFEE2'A00Cull);
  EXPECT_EQ(r.message.data, 0xC231u);
  EXPECT_EQ(r.record, false);
  EXPECT_FALSE(r.posted_entry);
  EXPECT_EQ(r.cost.iec_lookups, 1);
  EXPECT_EQ(r.cost.irte_reads, 1);
}

// FS 8.2 / 8.3: EIME = 1 takes the 32-bit x2APIC ID from DST.
TEST_F(Remapper, Fs83RemappedX2apic) {
  state.eime = true;
  setIrte(3, {0x0001'2345'0040'0001ull, 0});
  const auto r = remap(request(3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.interrupt.destination, 0x0001'2345u);
  EXPECT_TRUE(r.interrupt.x2apic);
  EXPECT_EQ(r.interrupt.vector, 0x40);
  EXPECT_EQ(r.message.address, 0x0001'2300'FEE4'5000ull);
}

// FS 8.1: SHV = 1 selects HANDLE + SUBHANDLE (a multi-message MSI block).
TEST_F(Remapper, Fs81SubhandleSelectsEntry) {
  for (uint32_t i = 0; i < 4; ++i) setRemapped(0x40 + i, uint8_t(0x60 + i), 1);
  EXPECT_EQ(remap(request(0x40, true, 3)).interrupt.vector, 0x63);
  EXPECT_EQ(remap(request(0x40, true, 0)).interrupt.vector, 0x60);
  EXPECT_EQ(remap(request(0x41, false, 2)).interrupt.vector, 0x61);  // SHV = 0: data ignored
}

// FS 8.4, 8.5 through the remapper: PIR set, notification NV -> NDST, urgent vs SN.
TEST_F(Remapper, Fs85PostedDeliveryThroughRemapper) {
  mem.write64(kPid + 32, 0x0000'0500'00F2'0002ull);  // SN = 1, NV 0xF2, NDST xAPIC ID 5
  PostedIrteFields p;
  p.vector = 0x55;
  p.descriptor = kPid;
  setIrte(20, encodePostedIrte(p));
  p.urgent = true;
  setIrte(21, encodePostedIrte(p));
  auto r = remap(request(20));
  EXPECT_EQ(r.disposition, InterruptDisposition::Posted);
  EXPECT_TRUE(r.posted_entry);
  EXPECT_EQ(r.post.outcome, PostOutcome::Suppressed);
  EXPECT_FALSE(r.send);
  EXPECT_EQ(mem.read64(kPid + 8), 1ull << (0x55 - 64));
  EXPECT_EQ(r.cost.descriptor_reads, 1);
  EXPECT_EQ(r.cost.descriptor_writes, 1);
  r = remap(request(21));  // urgent: notifies despite SN
  EXPECT_EQ(r.post.outcome, PostOutcome::Notified);
  EXPECT_TRUE(r.send);
  EXPECT_TRUE(r.urgent);
  EXPECT_EQ(r.descriptor, kPid);
  EXPECT_EQ(r.posted_vector, 0x55);
  EXPECT_EQ(r.interrupt.vector, 0xF2);
  EXPECT_EQ(r.interrupt.destination, 5u);
  EXPECT_EQ(r.message.address, 0xFEE0'5000ull);
  EXPECT_EQ(r.message.data, 0x40F2u);
  EXPECT_EQ(mem.read64(kPid + 32), 0x0000'0500'00F2'0003ull);
}

// Cache: a hit reads nothing; a changed IRTE is not seen until it is invalidated.
TEST_F(Remapper, IecHitAndStaleUntilInvalidated) {
  setRemapped(5, 0x30, 1);
  auto r = remap(request(5));
  EXPECT_FALSE(r.iec_hit);
  EXPECT_EQ(r.cost.irte_reads, 1);
  r = remap(request(5));
  EXPECT_TRUE(r.iec_hit);
  EXPECT_EQ(r.cost.iec_hits, 1);
  EXPECT_EQ(r.cost.irte_reads, 0);
  setRemapped(5, 0x31, 1);
  EXPECT_EQ(remap(request(5)).interrupt.vector, 0x30);  // stale, as on hardware
  EXPECT_EQ(remapper.invalidate(IecInvalidation{true, 5, 0}), 1u);
  EXPECT_EQ(remap(request(5)).interrupt.vector, 0x31);
}

// FS 6.5: index-selective invalidation drops the 2^IM-entry aligned block holding IIDX.
TEST_F(Remapper, Fs65IecInvalidationWithMask) {
  for (uint32_t i = 0; i < 16; ++i) {
    setRemapped(i, 0x30, 1);
    ASSERT_TRUE(remap(request(uint16_t(i))).ok());
  }
  EXPECT_EQ(cache.validCount(), 16u);
  EXPECT_EQ(remapper.invalidate(IecInvalidation{true, 5, 2}), 4u);  // 4..7
  std::set<uint32_t> want;
  for (uint32_t i = 0; i < 16; ++i)
    if (i < 4 || i > 7) want.insert(i);
  EXPECT_EQ(cached(), want);
  EXPECT_EQ(remapper.invalidate(IecInvalidation{true, 9, 0}), 1u);  // only 9
  want.erase(9);
  EXPECT_EQ(cached(), want);
  EXPECT_EQ(remapper.invalidate(IecInvalidation{true, 12, 3}), 7u);  // 8..15 but 9 (gone)
  EXPECT_EQ(cached(), (std::set<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(remapper.invalidate(IecInvalidation{false, 0, 0}), 4u);  // global
  EXPECT_TRUE(cached().empty());
}

// A disabled cache: every request reads its IRTE.
TEST_F(Remapper, DisabledCacheReadsEveryTime) {
  CacheParams off;
  off.enable = false;
  InterruptEntryCache none(off);
  InterruptRemapper r2(mem, none);
  setRemapped(2, 0x30, 1);
  for (int i = 0; i < 2; ++i) {
    const auto r = r2.remap(state, request(2));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.cost.irte_reads, 1);
    EXPECT_FALSE(r.iec_hit);
  }
}

}  // namespace
}  // namespace vtd
