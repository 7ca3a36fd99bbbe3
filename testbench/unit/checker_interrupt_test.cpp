// The driver checker on interrupt remapping: interrupt-entry-cache invalidations (FS 6.5;
// VT-d 3.x 6.5.2.7) recorded with their scope.
#include <gtest/gtest.h>

#include "model/interrupt/interrupt_request.h"
#include "testbench/unit/queued_invalidation_fixture.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr uint64_t kIrt = 0x0030'0000;  // interrupt-remapping table: 256 entries (S = 7)
const SourceId kDev = SourceId::fromBdf(0, 1, 0);

UnitConfig checkedIr(bool stale = true, bool ordering = true) {
  UnitConfig c;
  c.unit.interrupt_remapping = true;
  c.unit.posted_interrupts = true;
  c.checker.stale = stale;
  c.checker.ordering = ordering;
  return c;
}

// Type 4 (FS 6.5): G bit 4 (1 = index-selective), IM 31:27, IIDX 47:32.
qi::Desc iecDesc(bool index, uint16_t iidx = 0, unsigned im = 0) {
  return {0x4 | (index ? 1ull << 4 : 0) | uint64_t(im) << 27 | uint64_t(iidx) << 32, 0};
}

class IrChecker : public qi::QueueTest {
 protected:
  void SetUp() override { setUpWith(checkedIr()); }

  void latchTable(uint64_t table, unsigned s = 7, bool eime = false) {
    write64(IRTA, table | (eime ? 1ull << 11 : 0) | s);
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::SIRTP);
  }
  void invalidateIec(const qi::Desc& d) { submit({d, qi::waitDesc(false, false)}); }
  // The Linux order (FS 9.B.4-6): IRTA, SIRTP, global IEC invalidation, IRE.
  void enableIr(uint64_t table = kIrt) {
    latchTable(table);
    invalidateIec(iecDesc(false));
    write32(GCMD, (read32(GSTS) & qi::kRecipe) | gcmd::IRE);
  }
  InterruptResult msi(uint16_t handle, SourceId sid = kDev, bool shv = false, uint16_t sub = 0) {
    const MsiMessage m = encodeRemappableRequest(handle, shv, sub);
    return unit().remapInterrupt(MsiRequest{sid, m.address, m.data});
  }
};

// FS 6.5: type-4 descriptors are recorded with their scope, numbered by interrupt request,
// for the reports to name; DMA-side records never cover an IRTE.
TEST_F(IrChecker, IecInvalidationsAreRecordedWithTheirScope) {
  enableIr();
  msi(5);
  invalidateIec(iecDesc(true, 8, 2));
  const InvalidationHistory& h = unit().invalidationHistory();
  auto r = h.lastCoveringInterruptEntry(11);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->describe(), "interrupt-entry-cache index 0x8 IM 2 (queued)");
  EXPECT_EQ(r->sequence, 1u) << "after the first interrupt request";
  r = h.lastCoveringInterruptEntry(12);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->describe(), "interrupt-entry-cache global (queued)") << "the one of enableIr";
  EXPECT_EQ(r->sequence, 0u);
  submit({qi::iotlbDesc(kGranGlobal), qi::ccDesc(kGranGlobal), qi::waitDesc(false, false)});
  EXPECT_EQ(h.lastCoveringInterruptEntry(12)->sequence, 0u);
}

}  // namespace
}  // namespace vtd::test
