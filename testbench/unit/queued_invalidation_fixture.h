// Shared by the queued-invalidation tests: descriptor encodings and register offsets typed
// from the fact sheet (FS 1.1, 6.1-6.6; not from model/invalidation/), and a fixture that
// drives the queue the way a driver does (IQT = 0, IQA, GCMD.QIE; descriptors into memory,
// then IQT) over a small set of cached contexts and translations.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <set>

#include "testbench/support/unit_fixture.h"

namespace vtd::test::qi {

// Offsets (FS 1.1) and bits (FS 3.1, 6.6, 7.1, 7.3, 7.5).
constexpr uint32_t kIqh = 0x80, kIqt = 0x88, kIqa = 0x90, kIcs = 0x9C, kIectl = 0xA0,
                   kIedata = 0xA4, kIeaddr = 0xA8, kIeuaddr = 0xAC, kIqercd = 0xB0;
constexpr uint32_t kGcmd = 0x18, kGsts = 0x1C, kCcmd = 0x28, kFsts = 0x34, kFectl = 0x38,
                   kFedata = 0x3C, kFeaddr = 0x40;
constexpr uint32_t kQie = 1u << 26, kTe = 1u << 31, kRecipe = 0x96FFFFFFu;
constexpr uint32_t kIwc = 1, kIm = 1u << 31, kIp = 1u << 30;
constexpr uint32_t kIqe = 1u << 4, kPpf = 1u << 1;
constexpr uint64_t kIqaDw = 1ull << 11;
// IQERCD.IQEI values (FS 7.3).
constexpr uint64_t kTail = 1, kFetch = 2, kType = 3, kReserved = 4, kWidth = 5;

// One 128-bit descriptor: qword 0 (bits 63:0) and qword 1 (127:64).
struct Desc {
  uint64_t lo = 0, hi = 0;
};

// Type 1 (FS 6.2): G 5:4, DID 31:16, SID 47:32, FM 49:48.
inline Desc ccDesc(unsigned g, uint16_t did = 0, uint16_t sid = 0, unsigned fm = 0) {
  return {0x1 | uint64_t(g) << 4 | uint64_t(did) << 16 | uint64_t(sid) << 32 | uint64_t(fm) << 48,
          0};
}
// Type 2 (FS 6.3): G 5:4, DW 6, DR 7, DID 31:16; AM 69:64, IH 70, ADDR 127:76.
inline Desc iotlbDesc(unsigned g, uint16_t did = 0, uint64_t addr = 0, unsigned am = 0,
                      bool ih = false, bool dr = false, bool dw = false) {
  return {
      0x2 | uint64_t(g) << 4 | (dw ? 1ull << 6 : 0) | (dr ? 1ull << 7 : 0) | uint64_t(did) << 16,
      addr | (ih ? 1ull << 6 : 0) | am};
}
// Type 5 (FS 6.6): IF 4, SW 5, FN 6, status data 63:32, status address 127:66.
inline Desc waitDesc(bool sw, bool irq, uint32_t data = 0, uint64_t addr = 0, bool fn = false) {
  return {0x5 | (irq ? 1ull << 4 : 0) | (sw ? 1ull << 5 : 0) | (fn ? 1ull << 6 : 0) |
              uint64_t(data) << 32,
          addr};
}

class QueueTest : public UnitTest {
 protected:
  static constexpr uint64_t kQueue = 0x0060'0000;   // queue pages from 6 MiB (up to 512 KiB)
  static constexpr uint64_t kStatus = 0x0080'0000;  // status words at 8 MiB
  static constexpr uint16_t kDid1 = 1, kDid2 = 2;

  void SetUp() override { setUpWith(UnitConfig{}); }

  // Devices 00:01.0-00:01.7 in domain 1 and 00:02.0 in domain 2; pages 0..15 mapped in both
  // and a 2 MiB page at 1 GiB in domain 1; translation on; the queue empty (and enabled).
  void setUpWith(const UnitConfig& c, unsigned qs = 0, bool enable = true) {
    build(c);
    const uint64_t top1 = tables->newPage(), top2 = tables->newPage();
    for (unsigned fn = 0; fn < 8; ++fn)
      tables->setContext(SourceId::fromBdf(0, 1, fn), top1, 4, kDid1);
    tables->setContext(SourceId::fromBdf(0, 2, 0), top2, 4, kDid2);
    for (uint64_t p = 0; p < 16; ++p) {
      tables->map(top1, 4, p << 12, 0x100000 + (p << 12), PageSize::Size4K);
      tables->map(top2, 4, p << 12, 0x200000 + (p << 12), PageSize::Size4K);
    }
    tables->map(top1, 4, 0x4000'0000, 0x0040'0000, PageSize::Size2M);
    enableTranslation();
    setUpQueue(qs);
    if (enable) enableQi();
  }
  // The Linux order (FS 9.B.2): IQT = 0, then IQA.
  void setUpQueue(unsigned qs, uint64_t base = kQueue) {
    write64(kIqt, 0);
    write64(kIqa, base | qs);
    base_ = base;
    bytes_ = 4096ull << qs;
    tail_ = 0;
  }
  void enableQi() { write32(kGcmd, (read32(kGsts) & kRecipe) | kQie); }
  void disableQi() { write32(kGcmd, (read32(kGsts) & kRecipe) & ~kQie); }

  // Caches every context (9) and translation (16 + 16 + the 2 MiB page = 33).
  void warm() {
    for (unsigned fn = 0; fn < 8; ++fn) dmaRead(SourceId::fromBdf(0, 1, fn), 0);
    dmaRead(SourceId::fromBdf(0, 2, 0), 0);
    for (uint64_t p = 0; p < 16; ++p) {
      dmaRead(SourceId::fromBdf(0, 1, 0), p << 12);
      dmaRead(SourceId::fromBdf(0, 2, 0), p << 12);
    }
    dmaRead(SourceId::fromBdf(0, 1, 0), 0x4000'0000);
  }

  // Writes descriptors at the software tail (wrapping at the queue end) without moving IQT.
  void put(const Desc& d) {
    sys->memory.write64(base_ + tail_, d.lo);
    sys->memory.write64(base_ + tail_ + 8, d.hi);
    tail_ = (tail_ + 16) % bytes_;
  }
  // Writes descriptors and moves IQT past them; returns IQH afterwards.
  uint64_t submit(std::initializer_list<Desc> ds) {
    for (const Desc& d : ds) put(d);
    write64(kIqt, tail_);
    return read64(kIqh);
  }
  uint64_t iqh() { return read64(kIqh); }
  uint32_t fsts() { return read32(kFsts); }
  uint64_t iqei() { return read64(kIqercd) & 0xF; }

  std::set<uint64_t> cachedPages(uint16_t did) {
    std::set<uint64_t> pages;
    unit().iotlb().forEachValid([&](uint64_t page, const IotlbEntry& e) {
      if (e.did == did) pages.insert(page);
    });
    return pages;
  }
  std::set<uint16_t> cachedSources() {
    std::set<uint16_t> s;
    unit().contextCache().forEachValid(
        [&](SourceId sid, const ContextInfo&) { s.insert(sid.value); });
    return s;
  }

  uint64_t base_ = kQueue, bytes_ = 4096, tail_ = 0;
};

}  // namespace vtd::test::qi
