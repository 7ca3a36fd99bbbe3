// IRTE updates never seen half-written (FS 8.3, 8.4; Linux writes a live IRTE with
// cmpxchg16b): with the interrupt-entry cache off, the unit reads the entry on every
// request; after each driver write to the entry, requests from two requesters probe what
// the unit would see, and every probe must match the entry before or after the change,
// never a mix of its two quadwords. Covers a new entry (P written last), remapped <->
// posted (both quadwords change: one 16-byte access) and clearing (P dropped first).
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "testbench/firmware/ir_fixture.h"

namespace vtd::test {
namespace {

using fw::Status;

class IrteUpdateTest : public IrFirmwareTest {
 protected:
  struct Outcome {
    bool ok;
    FaultReason reason;
    bool posted;
    uint8_t vector;
    bool operator==(const Outcome& o) const {
      return ok == o.ok && reason == o.reason && posted == o.posted && vector == o.vector;
    }
  };
  using Probe = std::vector<Outcome>;

  void SetUp() override {
    UnitConfig c = irConfig();
    c.interrupt_cache.enable = false;
    build(c, withQueue());
    bringUpIr();
    index = *ir().allocate();
    const uint64_t a = ir().table() + 16ull * index;
    memory->after_write = [this, a](uint64_t w, size_t n) {
      if (w < a + 16 && w + n > a) seen.push_back(probe());
    };
  }
  Probe probe() {
    Probe p;
    for (uint16_t sid : {kSid, kSid2}) {
      const InterruptResult r = request(fw::InterruptRemapping::msiFor(index), sid);
      p.push_back({r.ok, r.reason, r.posted, r.posted ? uint8_t(0) : vectorOf(r)});
    }
    return p;
  }
  // Runs `change` and checks every intermediate probe; returns how many writes it saw.
  size_t expectAtomic(const std::function<Status()>& change, const char* what) {
    const Probe before = probe();
    seen.clear();
    const Status s = change();
    EXPECT_TRUE(s) << what << ": " << s.error;
    const Probe after = probe();
    EXPECT_FALSE(before == after) << what << ": the probe cannot tell the entries apart";
    for (size_t i = 0; i < seen.size(); ++i)
      EXPECT_TRUE(seen[i] == before || seen[i] == after)
          << what << ": write " << i << " left a mixed entry visible";
    return seen.size();
  }
  static fw::RemappedEntry remapped(uint8_t vector, uint16_t sid) {
    fw::RemappedEntry e;
    e.vector = vector;
    e.source = fw::SourceCheck::requester(sid);
    return e;
  }
  uint16_t index = 0;
  std::vector<Probe> seen;
};

TEST_F(IrteUpdateTest, NewEntryBecomesPresentLast) {
  EXPECT_EQ(expectAtomic([&] { return ir().setRemapped(index, remapped(0x51, kSid)); }, "new"), 2u);
}

TEST_F(IrteUpdateTest, RemappedToPostedAndBack) {
  ASSERT_TRUE(ir().setRemapped(index, remapped(0x52, kSid2)));
  fw::PostedEntry p;
  p.vector = 0x60;
  p.descriptor = 0x10'0000;
  p.source = fw::SourceCheck::requester(kSid);
  expectAtomic([&] { return ir().setPosted(index, p); }, "remapped -> posted");
  expectAtomic([&] { return ir().setRemapped(index, remapped(0x53, kSid2)); },
               "posted -> remapped");
}

TEST_F(IrteUpdateTest, ClearingDropsPresentFirst) {
  fw::PostedEntry p;
  p.descriptor = 0x10'0000;
  p.source = fw::SourceCheck::requester(kSid);
  ASSERT_TRUE(ir().setPosted(index, p));
  EXPECT_EQ(expectAtomic([&] { return ir().clear(index); }, "clear"), 2u);
}

}  // namespace
}  // namespace vtd::test
