// The NVMe workload's DMA pattern: submission entry, PRP list, one data operation per PRP
// segment at the slot's buffer pages, completion entry, MSI; PRP2 used directly for two
// pages; queue slots in turn.
#include "platform/workloads/nvme_workload.h"
#include "testbench/workloads/workload_bench.h"

namespace vtd::test {
namespace {

using platform::DmaOp;

// 16 KiB starting 512 bytes into a page spans 5 pages: PRP1 with the offset, a list of
// the other four (one 32-byte list read), then 3584 + 3 x 4096 + 512 bytes of data.
TEST_F(PatternTest, NvmeCommandsFollowTheirPrpLists) {
  platform::NvmeParams p;
  p.commands = 10;
  p.queue_depth = 4;
  p.block_bytes = 16384;
  p.buffer_offset = 512;
  p.read_fraction = 0.5;
  platform::NvmeWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  ASSERT_EQ(ops.size(), 10u * (1 + 1 + 5 + 1 + 1));
  const uint32_t sizes[5] = {3584, 4096, 4096, 4096, 512};
  uint64_t reads = 0;
  for (uint64_t c = 0; c < 10; ++c) {
    const auto* op = &ops[c * 9];
    const uint32_t slot = uint32_t(c % 4);
    const auto& s = w.slots()[slot];
    EXPECT_EQ(op[0].kind, DmaOp::Read);
    EXPECT_EQ(op[0].address, dma(w.sqGpa() + 64 * slot));
    EXPECT_EQ(op[0].size, 64u);
    EXPECT_EQ(op[1].kind, DmaOp::Read);
    ASSERT_EQ(s.list_pages.size(), 1u);
    EXPECT_EQ(op[1].address, dma(s.list_pages[0]));
    EXPECT_EQ(op[1].size, 4u * 8);
    const DmaOp::Kind data_kind = op[2].kind;  // write for a read command
    reads += data_kind == DmaOp::Write;
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(op[2 + i].kind, data_kind);
      EXPECT_EQ(op[2 + i].address, dma(s.pages[i]) + (i == 0 ? 512 : 0));
      EXPECT_EQ(op[2 + i].size, sizes[i]);
    }
    EXPECT_EQ(op[7].kind, DmaOp::Write);
    EXPECT_EQ(op[7].address, dma(w.cqGpa() + 16 * slot));
    EXPECT_EQ(op[7].size, 16u);
    EXPECT_EQ(op[8].kind, DmaOp::Msi);
  }
  EXPECT_GT(reads, 0u);
  EXPECT_LT(reads, 10u);
}

// Exactly two pages: PRP2 is the second page itself, no list is read.
TEST_F(PatternTest, NvmeTwoPageTransfersUsePrp2Directly) {
  platform::NvmeParams p;
  p.commands = 6;
  p.queue_depth = 2;
  p.block_bytes = 8192;
  p.interrupt_every = 3;
  platform::NvmeWorkload w(p, nullptr);
  run(w, platform::AllocPolicy::Contiguous);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  ASSERT_EQ(ops.size(), 6u * 4 + 2);
  for (uint64_t c = 0, i = 0; c < 6; ++c) {
    const auto& s = w.slots()[c % 2];
    EXPECT_TRUE(s.list_pages.empty());
    EXPECT_EQ(s.prp2, dma(s.pages[1]));
    i += 1;  // submission entry
    EXPECT_EQ(ops[i].address, dma(s.pages[0]));
    EXPECT_EQ(ops[i + 1].address, dma(s.pages[1]));
    EXPECT_EQ(ops[i].size + ops[i + 1].size, 8192u);
    i += 3;  // two data operations and the completion
    if ((c + 1) % 3 == 0) {
      EXPECT_EQ(ops[i++].kind, DmaOp::Msi);
    }
  }
  // Contiguous placement: the slots' buffers are neighbours.
  EXPECT_EQ(w.slots()[0].pages[1], w.slots()[0].pages[0] + 4096);
}

// 2 MiB per command: 512 pages, 511 list entries: one full list page read in one go.
TEST_F(PatternTest, NvmeLargeTransfersReadWholeListPages) {
  platform::NvmeParams p;
  p.commands = 2;
  p.queue_depth = 2;
  p.block_bytes = 2u << 20;
  p.buffer_offset = 4;  // 513 pages: 512 list entries
  platform::NvmeWorkload w(p, nullptr);
  run(w);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  ASSERT_EQ(ops.size(), 2u * (1 + 1 + 513 + 1 + 1));
  for (size_t c = 0; c < 2; ++c) {
    const auto* op = &ops[c * 517];
    EXPECT_EQ(op[1].address, dma(w.slots()[c].list_pages[0]));
    EXPECT_EQ(op[1].size, 512u * 8);
    uint64_t data = 0;
    for (int i = 0; i < 513; ++i) data += op[2 + i].size;
    EXPECT_EQ(data, 2ull << 20);
    EXPECT_EQ(op[2].size, 4092u);
    EXPECT_EQ(op[514].size, 4u);
  }
}

}  // namespace
}  // namespace vtd::test
