// Randomized queued invalidation (FS 6.1-6.6, 6.12, 7.3): random descriptors (valid ones,
// bit-flipped ones and random qwords), random queue sizes, bases and capabilities, and
// random interleavings of IQT writes, IQE clearing with and without repair, QIE toggles and
// ICS/IECTL writes. An independent reference, written from the fact sheet's field tables
// (not from model/invalidation/), predicts IQH, FSTS.IQE, IQERCD.IQEI, ICS.IWC and every
// status write; the unit must agree after every step and never write memory elsewhere.
// Fixed seeds: every failure replays.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "testbench/support/direct_hal.h"

namespace {

using namespace vtd;

constexpr uint64_t kMem = 16ull << 20, kQueueArea = 1ull << 20, kStatusArea = 2ull << 20;
constexpr uint32_t kIqh = 0x80, kIqt = 0x88, kIqa = 0x90, kIcs = 0x9C, kIectl = 0xA0,
                   kIqercd = 0xB0, kGcmd = 0x18, kGsts = 0x1C, kFsts = 0x34, kQie = 1u << 26;

// The reference: what FS 6.2, 6.3, 6.6 and 7.3 say about one 128-bit descriptor.
struct Reference {
  bool drd = true, dwd = true;
  // 0 when the descriptor is performed, else its IQEI.
  uint64_t verdict(uint64_t lo, uint64_t hi) const {
    const unsigned type = unsigned(lo & 0xF) | unsigned((lo >> 9) & 7) << 4;
    const unsigned g = unsigned(lo >> 4) & 3;
    switch (type) {
      case 1:  // reserved 8:6, 15:12, 63:50, qword 1; G 00
        return (lo & 0xFFFC'0000'0000'F1C0ull) || hi || g == 0 ? 4 : 0;
      case 2: {  // reserved 8, 15:12, 63:32, 75:71; DW/DR without DWD/DRD; G 00
        uint64_t rsv = 0xFFFF'FFFF'0000'F100ull | (dwd ? 0 : 0x40) | (drd ? 0 : 0x80);
        return (lo & rsv) || (hi & 0xF80) || g == 0 ? 4 : 0;
      }
      case 5:  // reserved 7 (no PDS), 8, 31:12, 65:64
        return (lo & 0xFFFF'F180ull) || (hi & 3) ? 4 : 0;
      default:
        return 3;  // no DT, no IR, no scalable mode
    }
  }
};

class Round {
 public:
  explicit Round(uint64_t seed) : rng_(seed), sys_(config(), kMem) {
    std::memset(status_ref_, 0, sizeof status_ref_);
    sys_.unit.setInterruptSink(&sink_);
    setUp();
  }

  const UnitStats& stats() const { return sys_.unit.stats(); }

  void run(unsigned steps) {
    for (unsigned i = 0; i < steps; ++i) {
      SCOPED_TRACE(i);
      switch (below(12)) {
        case 0:
        case 1:
          clearIqe(below(4) != 0);
          break;
        case 2:
          if (below(4) == 0) {
            disable();
            setUp();
          }
          break;
        case 3: {  // IWC is RW1C
          const uint32_t v = uint32_t(below(2));
          write32(kIcs, v);
          if (v) ics_ = 0;
          break;
        }
        case 4:
          write32(kIectl, below(2) ? 0x8000'0000u : 0);
          break;
        default:
          submit(1 + unsigned(below(6)));
      }
      check();
    }
  }

 private:
  UnitConfig config() {
    UnitConfig c;
    ref_.drd = c.unit.drain_reads = below(2);
    ref_.dwd = c.unit.drain_writes = below(2);
    return c;
  }
  uint64_t below(uint64_t n) { return rng_() % n; }
  uint32_t read32(uint32_t o) { return uint32_t(sys_.unit.mmioRead(o, 4)); }
  uint64_t read64(uint32_t o) { return sys_.unit.mmioRead(o, 8); }
  void write32(uint32_t o, uint32_t v) { sys_.unit.mmioWrite(o, 4, v); }
  void write64(uint32_t o, uint64_t v) { sys_.unit.mmioWrite(o, 8, v); }

  void setUp() {
    qs_ = unsigned(below(4)) / 2;  // mostly QS 0: wraps often
    bytes_ = 4096ull << qs_;
    base_ = kQueueArea + (below(8) << 12) * 8;  // 32 KiB-aligned slots: no overlap with QS <= 3
    write64(kIqt, 0);
    write64(kIqa, base_ | qs_);
    tail_ = head_ = 0;
    write32(kGcmd, (read32(kGsts) & 0x96FFFFFFu) | kQie);
  }
  void disable() {
    write32(kGcmd, (read32(kGsts) & 0x96FFFFFFu) & ~kQie);
    head_ = 0;
  }

  // A descriptor: valid of each type, a bit-flipped valid one, or random qwords.
  void randomDescriptor(uint64_t& lo, uint64_t& hi) {
    const uint64_t status = kStatusArea + 4 * below(64);
    switch (below(8)) {
      case 0:
        lo = 0x1 | (1 + below(3)) << 4 | below(0x10000) << 16 | below(0x10000) << 32 |
             below(4) << 48;
        hi = 0;
        break;
      case 1:
        lo = 0x2 | (1 + below(3)) << 4 | below(4) << 6 | below(0x10000) << 16;
        hi = (below(1 << 20) << 12) | below(0x80);
        break;
      case 2:
        lo = 0x5 | below(8) << 4 | below(0x1'0000'0000) << 32;
        hi = status;
        break;
      case 3:
        lo = rng_();
        hi = rng_();
        break;
      case 4:
      case 5:
        lo = 0x2 | 1 << 4;
        hi = 0;
        break;  // IOTLB global
      default:
        lo = 0x5 | 1 << 5 | below(0x1'0000'0000) << 32;
        hi = status;
        break;
    }
    if (below(10) == 0) (below(2) ? lo : hi) ^= 1ull << below(64);
    // Keep every possible status write inside the status area.
    if ((lo & 0xF) == 5 && !(lo & 0xE00)) hi = (hi & 3) | (kStatusArea + (hi & 0xFC));
  }

  void submit(unsigned n) {
    for (unsigned i = 0; i < n && (tail_ + 16) % bytes_ != head_; ++i) {
      uint64_t lo, hi;
      randomDescriptor(lo, hi);
      sys_.memory.write64(base_ + tail_, lo);
      sys_.memory.write64(base_ + tail_ + 8, hi);
      tail_ = (tail_ + 16) % bytes_;
    }
    write64(kIqt, tail_);
    advance();
  }

  // The reference queue: runs from head_ to tail_ unless stopped (QI off or IQE set).
  void advance() {
    if (!qie() || iqe_) return;
    while (head_ != tail_) {
      uint64_t lo = sys_.memory.read64(base_ + head_), hi = sys_.memory.read64(base_ + head_ + 8);
      if (uint64_t v = ref_.verdict(lo, hi)) {
        iqe_ = true;
        iqei_ = v;
        return;
      }
      if ((lo & 0xF) == 5) {
        if (lo & 0x20) {  // SW: 4 bytes of status data, little-endian
          const uint32_t data = uint32_t(lo >> 32);
          std::memcpy(&status_ref_[(hi & ~3ull) - kStatusArea], &data, 4);
          ++status_writes_;
        }
        if (lo & 0x10) ics_ |= 1;  // IF: IWC
      }
      head_ = (head_ + 16) % bytes_;
    }
  }

  void clearIqe(bool repair) {
    if (iqe_ && repair) {
      sys_.memory.write64(base_ + head_, 0x5);  // a bare wait
      sys_.memory.write64(base_ + head_ + 8, 0);
    }
    write32(kFsts, 1u << 4);
    iqe_ = false;
    advance();
  }

  bool qie() { return read32(kGsts) & kQie; }

  void check() {
    const uint64_t writes = status_writes_;
    ASSERT_EQ(read64(kIqh), head_);
    ASSERT_EQ(bool(read32(kFsts) & (1u << 4)), iqe_);
    if (iqe_) {
      ASSERT_EQ(read64(kIqercd) & 0xF, iqei_);
    }
    ASSERT_EQ(read32(kIcs), ics_);
    ASSERT_EQ(sys_.memory.writeCount(), writes) << "only status writes touch memory";
    ASSERT_EQ(std::memcmp(sys_.memory.data() + kStatusArea, status_ref_, sizeof status_ref_), 0);
    ASSERT_EQ(read32(kFsts) & 0x60, 0u) << "no ICE/ITE without a device-TLB";
  }

  std::mt19937_64 rng_;
  Reference ref_;
  test::DirectSystem sys_;
  test::RecordingSink sink_;
  unsigned qs_ = 0;
  uint64_t bytes_ = 4096, base_ = kQueueArea, head_ = 0, tail_ = 0;
  bool iqe_ = false;
  uint64_t iqei_ = 0, status_writes_ = 0;
  uint32_t ics_ = 0;
  uint8_t status_ref_[256];
};

TEST(QueuedInvalidationRobustness, RandomQueuesAgreeWithTheReference) {
  uint64_t errors = 0, performed = 0, status_writes = 0, wraps = 0;  // over all rounds
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    Round r(seed);
    r.run(600);
    if (::testing::Test::HasFatalFailure()) return;
    const UnitStats& s = r.stats();
    errors += s.inv_queue_errors;
    performed += s.inv_desc_context_global + s.inv_desc_context_domain + s.inv_desc_context_device +
                 s.inv_desc_iotlb_global + s.inv_desc_iotlb_domain + s.inv_desc_iotlb_page;
    status_writes += s.inv_queue_status_writes;
    wraps += s.inv_queue_fetches > 256;
  }
  // The mix exercises every path (sanity check of the generator, not of the unit).
  EXPECT_GT(errors, 1000u);
  EXPECT_GT(performed, 2000u);
  EXPECT_GT(status_writes, 1000u);
  EXPECT_GT(wraps, 20u) << "rounds that fetched more than a QS=0 queue holds";
}

}  // namespace
