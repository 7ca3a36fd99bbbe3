// A model-level test fixture: a DirectSystem, a TableBuilder over its memory, and short
// helpers to enable translation through the registers and issue DMA requests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "model/registers/register_map.h"
#include "model/registers/register_table.h"
#include "testbench/support/direct_hal.h"
#include "testbench/support/table_builder.h"

namespace vtd::test {

class UnitTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMemoryBytes = 64ull << 20;
  static constexpr uint64_t kTablesBase = 0x0100'0000;  // tables live in 16..32 MiB
  static constexpr uint64_t kTablesSize = 16ull << 20;

  void build(const UnitConfig& config = UnitConfig{}) {
    sys = std::make_unique<DirectSystem>(config, kMemoryBytes);
    tables = std::make_unique<TableBuilder>(sys->memory, kTablesBase, kTablesSize);
  }
  void SetUp() override { build(); }

  RemappingUnit& unit() { return sys->unit; }
  uint32_t read32(uint32_t off) { return uint32_t(unit().mmioRead(off, 4)); }
  uint64_t read64(uint32_t off) { return unit().mmioRead(off, 8); }
  void write32(uint32_t off, uint32_t v) { unit().mmioWrite(off, 4, v); }
  void write64(uint32_t off, uint64_t v) { unit().mmioWrite(off, 8, v); }

  // RTADDR, SRTP, TE: the minimum sequence (FS 9.C.5, 9.D.1) for the model.
  void enableTranslation(uint64_t root, unsigned ttm = 0) {
    write64(reg::RTADDR, root | uint64_t(ttm) << 10);
    write32(reg::GCMD, reg::gcmd::SRTP);
    write32(reg::GCMD, reg::gcmd::TE);
  }
  void enableTranslation() { enableTranslation(tables->root()); }

  Translation dma(SourceId sid, uint64_t address, AccessKind kind = AccessKind::Read,
                  uint32_t size = 64) {
    DmaRequest r;
    r.source = sid;
    r.address = address;
    r.size = size;
    r.kind = kind;
    return unit().translate(r);
  }
  Translation dmaRead(SourceId sid, uint64_t a) { return dma(sid, a, AccessKind::Read); }
  Translation dmaWrite(SourceId sid, uint64_t a) { return dma(sid, a, AccessKind::Write); }

  uint32_t iotlbRegOffset() const { return sys->unit.params().iotlb_reg_offset + 8; }
  uint32_t ivaOffset() const { return sys->unit.params().iotlb_reg_offset; }
  uint32_t frcdOffset(unsigned i) const { return sys->unit.params().fault_record_offset + 16 * i; }

  std::unique_ptr<DirectSystem> sys;
  std::unique_ptr<TableBuilder> tables;
};

}  // namespace vtd::test
