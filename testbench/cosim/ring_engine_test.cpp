// The co-simulation machine without QEMU: the ring DMA engine (platform/devices/
// ring_dma_abi.h) on the machine's unit, programmed by the project's firmware the way the
// guest's intel-iommu driver programs it, with the guest's accesses made the way the
// session makes them (CosimMachine's register and ring entry points).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "firmware/vtd_driver.h"
#include "platform/cosim/cosim_machine.h"

using namespace vtd;
using platform::CosimMachine;

namespace {

constexpr uint64_t kRing = 0x100000, kBufA = 0x200000, kBufB = 0x300000;
constexpr uint16_t kSource = 4 << 3;  // 00:04.0

class MachineMmio : public fw::MmioPort {
 public:
  explicit MachineMmio(CosimMachine& m) : m_(m) {}
  uint32_t read32(uint32_t o) override { return uint32_t(m_.vtdRegisterRead(o, 4)); }
  uint64_t read64(uint32_t o) override { return m_.vtdRegisterRead(o, 8); }
  void write32(uint32_t o, uint32_t v) override { m_.vtdRegisterWrite(o, 4, v); }
  void write64(uint32_t o, uint64_t v) override { m_.vtdRegisterWrite(o, 8, v); }

 private:
  CosimMachine& m_;
};

class MachineMemory : public fw::PhysMemory {
 public:
  explicit MachineMemory(CosimMachine& m) : m_(m) {}
  void read(uint64_t a, void* d, size_t n) override { std::memcpy(d, m_.memory.hostPointer(a, n), n); }
  void write(uint64_t a, const void* d, size_t n) override { std::memcpy(m_.memory.hostPointer(a, n), d, n); }

 private:
  CosimMachine& m_;
};

class SimClock : public fw::Clock {
 public:
  uint64_t nowNs() override { return sc_core::sc_time_stamp().value() / 1000 + extra_; }
  void delayNs(uint64_t ns) override { extra_ += ns; }

 private:
  uint64_t extra_ = 0;
};

struct Recorder : CosimMachine::SequenceObserver {
  void registerWrite(uint64_t offset, unsigned, uint64_t value) override { writes.push_back({offset, value}); }
  void invalidationDescriptor(uint64_t lo, uint64_t) override { descriptors.push_back(lo); }
  std::vector<std::pair<uint64_t, uint64_t>> writes;
  std::vector<uint64_t> descriptors;
};

platform::CosimLayout shortBudget() {
  platform::CosimLayout l;
  l.access_budget = sc_core::sc_time(10, sc_core::SC_US);
  return l;
}

platform::SimConfig smallConfig() {
  platform::SimConfig c;
  c.memory.size_mib = 64;
  return c;
}

class RingEngine : public ::testing::Test {
 protected:
  explicit RingEngine(const platform::CosimLayout& layout = {})
      : m("m", smallConfig(), layout), mmio(m), mem(m), hal{mmio, mem, clock} {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    // As the firmware and vfio-pci do: BAR0 placed, memory decoding and bus mastering on.
    m.rings[0]->configWrite(0x10, 4, 0xFEBFE000);
    m.rings[0]->configWrite(0x04, 2, 0x6);
  }
  uint8_t* at(uint64_t a, uint64_t n = 1) { return m.memory.hostPointer(a, n); }
  vrdm_desc& desc(unsigned i) { return *reinterpret_cast<vrdm_desc*>(at(kRing + 64 * i, 64)); }
  uint32_t reg(uint64_t o) { return uint32_t(m.ringRegisterRead(0, o, 4)); }
  void setReg(uint64_t o, uint32_t v) { m.ringRegisterWrite(0, o, 4, v); }
  void startRing(uint64_t base, uint32_t entries) {
    setReg(VRDM_REG_CONTROL, VRDM_CONTROL_RESET);
    setReg(VRDM_REG_RING_LO, uint32_t(base));
    setReg(VRDM_REG_RING_HI, uint32_t(base >> 32));
    setReg(VRDM_REG_RING_SIZE, entries);
    setReg(VRDM_REG_CONTROL, VRDM_CONTROL_ENABLE);
  }
  void put(unsigned i, uint32_t op, uint64_t src, uint64_t dst, uint32_t len, uint32_t seed = 0) {
    vrdm_desc d{};
    d.op = op;
    d.src = src;
    d.dst = dst;
    d.len = len;
    d.seed = seed;
    desc(i) = d;
  }
  uint8_t pattern(uint32_t seed, uint64_t i) { return uint8_t(vrdm_pattern_word(seed, i / 8) >> (8 * (i % 8))); }

  CosimMachine m;
  MachineMmio mmio;
  MachineMemory mem;
  SimClock clock;
  fw::Hal hal;
};

}  // namespace

TEST_F(RingEngine, IdentifiesItself) {
  EXPECT_EQ(reg(VRDM_REG_ID), VRDM_ID_VALUE);
  m.rings[0]->configWrite(0x04, 2, 0x4);  // memory decoding off: the BAR answers nothing
  EXPECT_EQ(reg(VRDM_REG_ID), 0u);
  m.rings[0]->configWrite(0x04, 2, 0x6);
  EXPECT_EQ(reg(VRDM_REG_VERSION), VRDM_VERSION);
  EXPECT_EQ(m.rings[0]->configRead(0, 4), VRDM_DEVICE_ID << 16 | VRDM_VENDOR_ID);
}

// Translation off (GSTS.TES = 0): IOVAs reach memory as they are.
TEST_F(RingEngine, FillCopyChecksumWithTranslationOff) {
  startRing(kRing, 8);
  const uint32_t len = 3 * 4096 + 123;  // crosses pages, ends mid-page
  put(0, VRDM_OP_FILL, 0, kBufA + 7, len, 42);
  put(1, VRDM_OP_COPY, kBufA + 7, kBufB + 1, len);
  put(2, VRDM_OP_CHECKSUM, kBufB + 1, 0, len);
  at(kBufA + 7 + len)[0] = 0xEE;  // a guard byte after the fill
  setReg(VRDM_REG_TAIL, 3);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 3u);
  EXPECT_EQ(reg(VRDM_REG_COMPLETED), 3u);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(desc(i).status, VRDM_DESC_OK) << i;
  for (uint32_t i = 0; i < len; ++i) ASSERT_EQ(at(kBufA + 7 + i)[0], pattern(42, i)) << i;
  EXPECT_EQ(at(kBufA + 7 + len)[0], 0xEE);
  EXPECT_EQ(std::memcmp(at(kBufA + 7, len), at(kBufB + 1, len), len), 0);
  EXPECT_EQ(desc(2).result, vrdm_fnv1a64(VRDM_FNV_START, at(kBufB + 1, len), len));
  EXPECT_EQ(desc(0).result, len);
  EXPECT_GT(m.rings[0]->stats().busy_ps, 0u);  // the work took simulated time
}

TEST_F(RingEngine, RingWrapsAndUnknownOpsAreReported) {
  startRing(kRing, 2);
  put(0, 77, 0, kBufA, 16);
  put(1, VRDM_OP_FILL, 0, kBufA, 0);  // length 0
  setReg(VRDM_REG_TAIL, 1);
  setReg(VRDM_REG_TAIL, 0);  // wraps: entry 1, then HEAD back to 0
  EXPECT_EQ(desc(0).status, VRDM_DESC_BAD_OP);
  EXPECT_EQ(desc(1).status, VRDM_DESC_BAD_OP);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 0u);
  EXPECT_EQ(reg(VRDM_REG_COMPLETED), 2u);
}

TEST_F(RingEngine, DoorbellIsIgnoredWithoutBusMasterOrWithABadRing) {
  startRing(kRing, 4);
  put(0, VRDM_OP_FILL, 0, kBufA, 64, 1);
  m.rings[0]->configWrite(0x04, 2, 0x2);  // Bus Master off
  setReg(VRDM_REG_TAIL, 1);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 0u);
  EXPECT_EQ(desc(0).status, VRDM_DESC_PENDING);
  m.rings[0]->configWrite(0x04, 2, 0x6);
  startRing(kRing + 8, 4);  // not 64-byte aligned
  setReg(VRDM_REG_TAIL, 1);
  EXPECT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BAD_RING);
  EXPECT_EQ(m.rings[0]->stats().doorbells_ignored, 2u);
}

// With the unit on, programmed by the firmware: DMA goes through the driver's mappings,
// an unmapped IOVA faults (legacy mode, not-present leaf: reason 5 for a write, FS 7.1.3)
// and ends the descriptor with DMA_ERROR; a ring at an unmapped IOVA stops the engine.
TEST_F(RingEngine, TranslatedThroughTheFirmwareAndFaultsAfterUnmap) {
  fw::PhysAllocator alloc(mem, 32ull << 20, 16ull << 20);
  fw::DriverOptions options;
  options.queued_invalidation = true;
  fw::VtdDriver driver(hal, alloc, options);
  Recorder rec;
  m.setSequenceObserver(&rec);
  ASSERT_TRUE(driver.probe().ok);
  ASSERT_TRUE(driver.enable().ok);
  fw::Domain& dom = driver.createDomain(39);
  ASSERT_TRUE(driver.attach(kSource, dom).ok);
  const uint64_t ring_iova = 0x40000000, a = 0x40100000, b = 0x40200000;
  ASSERT_TRUE(driver.map(dom, ring_iova, kRing, 4096, fw::Perm::ReadWrite).ok);
  ASSERT_TRUE(driver.map(dom, a, kBufA, 2 * 4096, fw::Perm::ReadWrite).ok);
  ASSERT_TRUE(driver.map(dom, b, kBufB, 2 * 4096, fw::Perm::ReadWrite).ok);
  startRing(ring_iova, 4);
  put(0, VRDM_OP_FILL, 0, a, 8192, 9);
  put(1, VRDM_OP_COPY, a, b, 8192);
  setReg(VRDM_REG_TAIL, 2);
  ASSERT_EQ(desc(1).status, VRDM_DESC_OK);
  EXPECT_EQ(std::memcmp(at(kBufA, 8192), at(kBufB, 8192), 8192), 0);
  EXPECT_EQ(at(kBufB + 100)[0], pattern(9, 100));
  EXPECT_GT(uint64_t(m.vtd.model().stats().iotlb_lookup), 0u);

  ASSERT_TRUE(driver.unmap(dom, b + 4096, 4096).ok);
  put(2, VRDM_OP_FILL, 0, b, 8192, 3);
  setReg(VRDM_REG_TAIL, 3);
  EXPECT_EQ(desc(2).status, VRDM_DESC_DMA_ERROR);
  EXPECT_EQ(desc(2).error_iova, b + 4096);
  EXPECT_EQ(desc(2).result, 4096u);  // the mapped half was written
  EXPECT_EQ(reg(VRDM_REG_DMA_ERRORS), 1u);
  EXPECT_EQ(m.vtd.model().stats().fault_reason[0x05], 1u);

  // The ring itself unmapped: the fetch fails and the engine stops until RESET.
  ASSERT_TRUE(driver.unmap(dom, ring_iova, 4096).ok);
  setReg(VRDM_REG_TAIL, 0);
  EXPECT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_FETCH_ERROR);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 3u);
  EXPECT_EQ(m.rings[0]->stats().fetch_errors, 1u);

  // The sequence observer saw the driver's register writes and queued descriptors,
  // among them page-selective IOTLB invalidations (type 2, granularity 3) for the unmaps.
  EXPECT_FALSE(rec.writes.empty());
  unsigned psi = 0;
  for (uint64_t lo : rec.descriptors) psi += (lo & 0xF) == 2 && ((lo >> 4) & 3) == 3;
  EXPECT_GE(psi, 2u);
}

// A batch longer than the access budget: the doorbell is answered with the engine still
// busy (the guest sees BUSY and pending descriptors), and the rest runs in background
// slices, as the session runs it between accesses.
class RingEngineShortBudget : public RingEngine {
 protected:
  RingEngineShortBudget() : RingEngine(shortBudget()) {}
};

TEST_F(RingEngineShortBudget, LongBatchFinishesInTheBackground) {
  startRing(kRing, 16);
  for (unsigned i = 0; i < 8; ++i) put(i, VRDM_OP_FILL, 0, kBufA + i * 0x10000, 0x10000, i);
  setReg(VRDM_REG_TAIL, 8);
  EXPECT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BUSY);
  EXPECT_LT(reg(VRDM_REG_HEAD), 8u);
  EXPECT_EQ(desc(7).status, VRDM_DESC_PENDING);
  unsigned slices = 0;
  while (!m.runBackground(sc_core::sc_time(10, sc_core::SC_US))) ASSERT_LT(++slices, 100000u);
  EXPECT_GT(slices, 0u);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 8u);
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(desc(i).status, VRDM_DESC_OK) << i;
  EXPECT_EQ(at(kBufA + 7 * 0x10000 + 5)[0], pattern(7, 5));
  EXPECT_FALSE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BUSY);
}

// A guest cannot make the engine run forever or replay old descriptors: a TAIL outside the
// ring is refused, the ring's geometry stays fixed while a batch runs, and RESET stops a
// running batch after its current descriptor.
TEST_F(RingEngineShortBudget, BadTailAndGeometryChangesDuringABatchAreRefused) {
  startRing(kRing, 16);
  for (unsigned i = 0; i < 8; ++i) put(i, VRDM_OP_FILL, 0, kBufA + i * 0x10000, 0x10000, i);
  setReg(VRDM_REG_TAIL, 8);
  ASSERT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BUSY);
  setReg(VRDM_REG_TAIL, 16);     // outside the ring: refused
  setReg(VRDM_REG_RING_SIZE, 4);  // ignored while busy
  EXPECT_EQ(reg(VRDM_REG_TAIL), 8u);
  EXPECT_EQ(reg(VRDM_REG_RING_SIZE), 16u);
  EXPECT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BAD_RING);
  unsigned slices = 0;
  while (!m.runBackground(sc_core::sc_time(10, sc_core::SC_US))) ASSERT_LT(++slices, 100000u);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 8u);
  EXPECT_EQ(reg(VRDM_REG_COMPLETED), 8u);
  EXPECT_EQ(m.rings[0]->stats().ring_writes_while_busy, 1u);
}

TEST_F(RingEngineShortBudget, ResetStopsARunningBatch) {
  startRing(kRing, 16);
  for (unsigned i = 0; i < 8; ++i) put(i, VRDM_OP_FILL, 0, kBufA + i * 0x10000, 0x10000, i);
  setReg(VRDM_REG_TAIL, 8);
  ASSERT_TRUE(reg(VRDM_REG_STATUS) & VRDM_STATUS_BUSY);
  setReg(VRDM_REG_CONTROL, VRDM_CONTROL_RESET | VRDM_CONTROL_ENABLE);
  unsigned slices = 0;
  while (!m.runBackground(sc_core::sc_time(10, sc_core::SC_US))) ASSERT_LT(++slices, 100000u);
  EXPECT_EQ(reg(VRDM_REG_HEAD), 0u);  // nothing replayed after the reset
  EXPECT_LE(m.rings[0]->stats().descriptors, 2u);
  EXPECT_EQ(desc(7).status, VRDM_DESC_PENDING);
}
