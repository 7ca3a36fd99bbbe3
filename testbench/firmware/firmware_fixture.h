// Test fixture for the firmware driver against the model: a DirectSystem (FlatMemory +
// RemappingUnit + HAL), a PhysAllocator over a table region, and a VtdDriver, with short
// helpers for DMA and register reads. Register offsets and bits the tests check are typed
// in by hand from the fact sheet (namespace spec below), so a test never validates the
// driver with the driver's own definitions or the model's.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"
#include "testbench/support/direct_hal.h"

namespace vtd::test {

// Fact-sheet values, independent of firmware/vtd_regs.h and model/registers/.
namespace spec {
constexpr uint32_t kGcmd = 0x18, kGsts = 0x1C, kRtaddr = 0x20, kCcmd = 0x28, kFsts = 0x34,
                   kFectl = 0x38, kFedata = 0x3C, kFeaddr = 0x40, kFeuaddr = 0x44;
constexpr uint32_t kTe = 1u << 31, kRtps = 1u << 30, kWbf = 1u << 27, kSrtp = 1u << 30;
constexpr uint32_t kPfo = 1u << 0, kPpf = 1u << 1;
constexpr uint32_t kFectlIm = 1u << 31, kFectlIp = 1u << 30;
constexpr uint64_t kPteR = 1, kPteW = 2, kPtePs = 1u << 7;
}  // namespace spec

// Counts clflush requests on top of the direct memory (ECAP.C = 0 tests); `after_write`,
// when set, runs after every driver write (a test lets the unit act between two writes).
class CountingMemory final : public fw::PhysMemory {
 public:
  explicit CountingMemory(fw::PhysMemory& inner) : inner_(inner) {}
  void read(uint64_t a, void* d, size_t n) override { inner_.read(a, d, n); }
  void write(uint64_t a, const void* d, size_t n) override {
    inner_.write(a, d, n);
    if (after_write) after_write(a, n);
  }
  void flushCache(uint64_t a, size_t n) override {
    ++flushes;
    flushed_bytes += n;
    inner_.flushCache(a, n);
  }
  uint64_t flushes = 0;
  uint64_t flushed_bytes = 0;
  std::function<void(uint64_t address, size_t length)> after_write;

 private:
  fw::PhysMemory& inner_;
};

// Logs every register access the driver makes, then passes it to the unit.
class LoggingMmio final : public fw::MmioPort {
 public:
  struct Access {
    bool write;
    unsigned size;
    uint32_t offset;
    uint64_t value;
  };
  explicit LoggingMmio(fw::MmioPort& inner) : inner_(inner) {}
  uint32_t read32(uint32_t o) override { return uint32_t(log(false, 4, o, inner_.read32(o))); }
  uint64_t read64(uint32_t o) override { return log(false, 8, o, inner_.read64(o)); }
  void write32(uint32_t o, uint32_t v) override {
    log(true, 4, o, v);
    inner_.write32(o, v);
  }
  void write64(uint32_t o, uint64_t v) override {
    log(true, 8, o, v);
    inner_.write64(o, v);
  }
  std::vector<Access> writesTo(uint32_t offset) const {
    std::vector<Access> out;
    for (const auto& a : accesses)
      if (a.write && a.offset == offset) out.push_back(a);
    return out;
  }
  std::vector<Access> accesses;

 private:
  uint64_t log(bool w, unsigned size, uint32_t o, uint64_t v) {
    accesses.push_back({w, size, o, v});
    return v;
  }
  fw::MmioPort& inner_;
};

class FirmwareTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMemoryBytes = 64ull << 20;
  static constexpr uint64_t kTablesBase = 16ull << 20;  // tables in 16..32 MiB
  static constexpr uint64_t kTablesSize = 16ull << 20;
  static constexpr uint16_t kSid = 0x0018;   // 00:03.0
  static constexpr uint16_t kSid2 = 0x0020;  // 00:04.0

  void build(const UnitConfig& config = UnitConfig{}, fw::DriverOptions options = {}) {
    driver.reset();
    allocator.reset();
    sys = std::make_unique<DirectSystem>(config, kMemoryBytes);
    mmio = std::make_unique<LoggingMmio>(sys->mmio);
    memory = std::make_unique<CountingMemory>(sys->phys);
    hal = std::make_unique<fw::Hal>(fw::Hal{*mmio, *memory, sys->clock});
    allocator = std::make_unique<fw::PhysAllocator>(*memory, kTablesBase, kTablesSize);
    driver = std::make_unique<fw::VtdDriver>(*hal, *allocator, options);
  }
  void SetUp() override { build(); }

  void bringUp() {
    fw::Status s = driver->probe();
    ASSERT_TRUE(s) << s.error;
    s = driver->enable();
    ASSERT_TRUE(s) << s.error;
  }
  // Bring-up, one 48-bit domain, kSid attached in translate mode.
  fw::Domain& bringUpWithDomain(unsigned width = 48) {
    bringUp();
    fw::Domain& d = driver->createDomain(width);
    fw::Status s = driver->attach(kSid, d);
    EXPECT_TRUE(s) << s.error;
    return d;
  }

  Translation dma(uint16_t sid, uint64_t address, AccessKind kind = AccessKind::Read) {
    DmaRequest r;
    r.source = SourceId{sid};
    r.address = address;
    r.size = 8;
    r.kind = kind;
    return sys->unit.translate(r);
  }
  Translation dmaRead(uint64_t a, uint16_t sid = kSid) { return dma(sid, a, AccessKind::Read); }
  Translation dmaWrite(uint64_t a, uint16_t sid = kSid) { return dma(sid, a, AccessKind::Write); }

  uint32_t reg32(uint32_t offset) { return uint32_t(sys->unit.mmioRead(offset, 4)); }
  uint64_t reg64(uint32_t offset) { return sys->unit.mmioRead(offset, 8); }
  uint64_t mem64(uint64_t address) { return sys->memory.read64(address); }

  std::unique_ptr<DirectSystem> sys;
  std::unique_ptr<LoggingMmio> mmio;
  std::unique_ptr<CountingMemory> memory;
  std::unique_ptr<fw::Hal> hal;
  std::unique_ptr<fw::PhysAllocator> allocator;
  std::unique_ptr<fw::VtdDriver> driver;
};

}  // namespace vtd::test
