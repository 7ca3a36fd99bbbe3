// Randomized DMA through the whole platform (device -> TLM shell -> model -> memory): random
// lengths (0 to over two pages), offsets, directions and data over IOVA pages with random
// permissions, some unmapped and some next to and inside the interrupt window. An oracle
// applies the architectural rules page by page (a request stops at its first blocked
// 4 KiB piece); afterwards every byte of the host frames must equal the oracle's copy and
// every untouched frame must still be zero. Catches the shell writing anything the tables
// do not allow, whatever the request looks like.
#include <cstring>
#include <map>
#include <random>

#include "testbench/system/system_fixture.h"

namespace vtd::test {
namespace {

using platform::DmaOp;
constexpr uint64_t kFramesBase = 128ull << 20, kFrames = 2048;  // 8 MiB of host frames
constexpr uint64_t kLowIova = 0x0010'0000, kWindowIova = 0xFEDF'0000;  // 32 pages each; the
// second set straddles 0xFEE00000, so the tables map pages inside the interrupt window

struct PageMap {
  uint64_t frame = 0;
  fw::Perm perm = fw::Perm::ReadWrite;
};

class RandomDma : public SystemTest {
 protected:
  std::map<uint64_t, PageMap> pages;               // IOVA page -> frame, permissions
  std::map<uint64_t, std::vector<uint8_t>> shadow;  // frame -> expected contents

  // Whether the piece at `iova` (inside one page) may proceed, and where it lands.
  bool allowed(uint64_t iova, bool write, uint64_t& hpa) const {
    if ((iova >> 20) == 0xFEE) return false;  // interrupt window: never DMA
    auto it = pages.find(iova & ~0xFFFull);
    if (it == pages.end()) return false;
    const unsigned need = write ? unsigned(fw::Perm::Write) : unsigned(fw::Perm::Read);
    if (!(unsigned(it->second.perm) & need)) return false;
    hpa = it->second.frame + (iova & 0xFFF);
    return true;
  }
  std::vector<uint8_t>& frame(uint64_t f) {
    auto& v = shadow[f];
    if (v.empty()) v.assign(4096, 0);
    return v;
  }
};

TEST_F(RandomDma, WritesLandOnlyWhereTablesAllow) {
  std::mt19937_64 rng(2024);
  runHost([&](platform::HostCpu& cpu, fw::VtdDriver& driver) {
    fw::Domain& d = driver.createDomain();
    std::vector<uint64_t> free_frames;
    for (uint64_t f = 0; f < kFrames; ++f) free_frames.push_back(kFramesBase + f * 4096);
    std::shuffle(free_frames.begin(), free_frames.end(), rng);
    for (uint64_t base : {kLowIova, kWindowIova}) {
      for (uint64_t p = 0; p < 32; ++p) {
        if (rng() % 5 == 0) continue;  // unmapped
        const fw::Perm perm = fw::Perm(1 + rng() % 3);
        PageMap m{free_frames.back(), perm};
        free_frames.pop_back();
        ASSERT_TRUE(driver.map(d, base + p * 4096, m.frame, 4096, perm));
        pages[base + p * 4096] = m;
      }
    }
    ASSERT_TRUE(driver.attach(top->devices[0]->source().value, d));

    std::vector<std::vector<uint8_t>> payloads;
    std::vector<DmaOp> ops;
    for (int i = 0; i < 400; ++i) {
      const uint64_t base = rng() % 2 ? kLowIova : kWindowIova;
      const uint64_t iova = base + rng() % (40 * 4096);  // runs past the mapped pages too
      const uint32_t length = rng() % 6 == 0 ? 0 : uint32_t(1 + rng() % 9000);
      const bool write = rng() % 2;
      payloads.emplace_back(length);
      for (auto& b : payloads.back()) b = uint8_t(rng());
      if (write && length == 4 && (iova & 3) == 0 && (iova >> 20) == 0xFEE) continue;  // an MSI
      ops.push_back({write ? DmaOp::Write : DmaOp::Read, iova, length, 0, payloads.back().data()});
    }
    ScriptedProgram program(ops);
    runDevice(cpu, 0, program);

    for (size_t i = 0; i < ops.size(); ++i) {
      const DmaOp& op = ops[i];
      const bool write = op.kind == DmaOp::Write;
      bool all = true;
      uint32_t done = 0;
      do {  // the oracle's pieces: 4 KiB-bounded, stopping at the first refused one
        const uint64_t in = op.address + done;
        const uint32_t piece = std::min<uint32_t>(op.size - done, 4096 - (in & 0xFFF));
        uint64_t hpa = 0;
        if (!allowed(in, write, hpa)) {
          all = false;
          break;
        }
        auto& f = frame(hpa & ~0xFFFull);
        if (write) {
          std::memcpy(&f[hpa & 0xFFF], op.data + done, piece);
        } else if (piece) {
          EXPECT_EQ(0, std::memcmp(&f[hpa & 0xFFF], program.data(i).data() + done, piece)) << "op " << i;
        }
        done += piece;
      } while (done < op.size);
      EXPECT_EQ(program.ok(i), all) << "op " << i << " at 0x" << std::hex << op.address << " length " << std::dec << op.size;
    }
    for (uint64_t f = kFramesBase; f < kFramesBase + kFrames * 4096; f += 4096) {
      auto it = shadow.find(f);
      const uint8_t* mem = host(f, 4096);
      if (it == shadow.end()) {
        for (int b = 0; b < 4096; ++b) ASSERT_EQ(mem[b], 0) << "stray byte in untouched frame 0x" << std::hex << f;
      } else {
        ASSERT_EQ(0, std::memcmp(mem, it->second.data(), 4096)) << "frame 0x" << std::hex << f;
      }
    }
    EXPECT_GT(top->vtd.model().stats().dma_interrupt_window, 0u) << "the window was exercised";
    EXPECT_GT(top->vtd.model().stats().faults, 0u);
    EXPECT_GT(top->vtd.model().stats().translations, 100u);
  });
}

}  // namespace
}  // namespace vtd::test
