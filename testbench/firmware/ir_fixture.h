// Fixture for the firmware's interrupt remapping against the model: a unit with ECAP.IR
// (CAP.PI, ECAP.EIM as asked), a driver with queued invalidation, brought up; helpers to
// send an interrupt request through the unit (RemappingUnit::remapInterrupt, as a device's
// MSI write reaches it) and to read back the descriptors the driver put in the invalidation
// queue. Bit positions the tests check are typed by hand from the fact sheet (namespace
// irspec), never taken from firmware/interrupt_regs.h or model/interrupt/.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "testbench/firmware/firmware_fixture.h"

namespace vtd::test {

namespace irspec {
constexpr uint32_t kIrta = 0xB8, kIqt = 0x88, kIqa = 0x90;                                // FS 1.1
constexpr uint32_t kQie = 1u << 26, kIre = 1u << 25, kSirtp = 1u << 24, kCfi = 1u << 23;  // FS 3.1
constexpr uint64_t kIrtaEime = 1ull << 11;                                                // FS 8.2
}  // namespace irspec

class IrFirmwareTest : public FirmwareTest {
 protected:
  struct Desc {
    uint64_t lo, hi;
  };

  static UnitConfig irConfig(bool posted = true, bool eim = true) {
    UnitConfig c;
    c.unit.interrupt_remapping = true;
    c.unit.posted_interrupts = posted;
    c.unit.extended_interrupt_mode = eim;
    return c;
  }
  static fw::DriverOptions withQueue() {
    fw::DriverOptions o;
    o.queued_invalidation = true;
    return o;
  }
  void SetUp() override { build(irConfig(), withQueue()); }

  // probe, enable (DMA remapping with the queue), then interrupt remapping.
  void bringUpIr(const fw::InterruptRemappingOptions& options = {}) {
    bringUp();
    const fw::Status s = driver->enableInterruptRemapping(options);
    ASSERT_TRUE(s) << s.error;
  }
  fw::InterruptRemapping& ir() { return driver->interruptRemapping(); }

  // A device's interrupt request, remapped by the unit.
  InterruptResult request(const fw::MsiMessage& m, uint16_t sid = kSid) {
    return sys->unit.remapInterrupt(MsiRequest{SourceId{sid}, m.address, m.data});
  }
  // The interrupt that a sent message carries (SDM MSI format; x2APIC ID bits 31:8 in
  // address 63:40, as the model's interrupt bus places them).
  static uint32_t destinationOf(const InterruptResult& r) {
    return uint32_t((r.address >> 12) & 0xFF) | uint32_t(r.address >> 40) << 8;
  }
  static uint8_t vectorOf(const InterruptResult& r) { return uint8_t(r.data & 0xFF); }

  // The two quadwords of table entry `index` in memory.
  Desc irteInMemory(uint16_t index) {
    const uint64_t a = ir().table() + 16ull * index;
    return {mem64(a), mem64(a + 8)};
  }

  // The descriptors submitted by the IQT writes logged from `from` on (queue at IQA, one
  // page of 16-byte slots; the tail before the first of them is the previous IQT write).
  std::vector<Desc> submittedSince(size_t from) {
    const uint64_t queue = reg64(irspec::kIqa) & ~0xFFFull;
    std::vector<Desc> out;
    uint64_t tail = 0;
    for (size_t i = 0; i < mmio->accesses.size(); ++i) {
      const auto& a = mmio->accesses[i];
      if (!a.write || a.offset != irspec::kIqt) continue;
      if (i >= from)
        for (uint64_t t = tail; t != a.value; t = (t + 16) % 4096)
          out.push_back({mem64(queue + t), mem64(queue + t + 8)});
      tail = a.value;
    }
    return out;
  }
  // Only the interrupt-entry-cache descriptors (type 4) among them.
  std::vector<Desc> iecSince(size_t from) {
    std::vector<Desc> out;
    for (const Desc& d : submittedSince(from))
      if ((d.lo & 0xF) == 4) out.push_back(d);
    return out;
  }
  size_t logMark() const { return mmio->accesses.size(); }
};

}  // namespace vtd::test
