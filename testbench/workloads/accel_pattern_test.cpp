// The accelerator workload's DMA pattern: job descriptor, scatter-list fetches, input read
// in chunks with output written in proportion as it goes, completion, MSI.
#include "platform/workloads/accel_workload.h"
#include "testbench/workloads/workload_bench.h"

namespace vtd::test {
namespace {

using platform::DmaOp;

// Contiguous buffers: one list entry each. 64 KiB in 8 KiB chunks with output ratio 0.5:
// after each input chunk, 4 KiB of output; then the completion and the MSI.
TEST_F(PatternTest, AccelStreamsInputAndWritesOutputInProportion) {
  platform::AccelParams p;
  p.jobs = 3;
  p.job_bytes = 64 * 1024;
  p.output_ratio = 0.5;
  p.chunk_bytes = 8192;
  p.buffers = 2;
  p.ring_entries = 4;
  platform::AccelWorkload w(p, nullptr);
  run(w, platform::AllocPolicy::Contiguous);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& ops = recorder->ops;
  // descriptor, input list, then 8 x (input chunk, [output list], output chunk), completion, MSI
  ASSERT_EQ(ops.size(), 3u * (1 + 1 + 1 + 16 + 1 + 1));
  for (uint64_t j = 0; j < 3; ++j) {
    const auto* op = &ops[j * 21];
    const auto& pair = w.pairs()[j % 2];
    EXPECT_EQ(pair.in.entries, 1u);
    EXPECT_EQ(op[0].size, 64u);
    EXPECT_EQ(op[1].address, dma(pair.in.list));
    EXPECT_EQ(op[1].size, 16u);
    EXPECT_EQ(op[2].kind, DmaOp::Read);
    EXPECT_EQ(op[2].address, dma(pair.in.pages[0]));
    EXPECT_EQ(op[2].size, 8192u);
    EXPECT_EQ(op[3].address, dma(pair.out.list));  // the output list, when first needed
    size_t i = 4;
    for (int chunk = 0; chunk < 8; ++chunk) {
      if (chunk) {
        EXPECT_EQ(op[i].kind, DmaOp::Read);
        EXPECT_EQ(op[i].address, dma(pair.in.pages[0]) + 8192ull * chunk);
        ++i;
      }
      EXPECT_EQ(op[i].kind, DmaOp::Write);
      EXPECT_EQ(op[i].address, dma(pair.out.pages[0]) + 4096ull * chunk);
      EXPECT_EQ(op[i].size, 4096u);
      ++i;
    }
    EXPECT_EQ(op[i].address, op[0].address + 48);  // the completion in the descriptor
    EXPECT_EQ(op[i].size, 16u);
    EXPECT_EQ(op[i + 1].kind, DmaOp::Msi);
  }
}

// Scattered buffers: an entry per run of neighbouring pages (random placement makes most
// runs one page long), and no piece of the stream crosses an entry.
TEST_F(PatternTest, AccelFollowsScatteredBuffersEntryByEntry) {
  platform::AccelParams p;
  p.jobs = 2;
  p.job_bytes = 40 * 4096;
  p.output_ratio = 1.0;
  p.chunk_bytes = 16384;
  p.buffers = 1;
  p.interrupt_every = 0;
  platform::AccelWorkload w(p, nullptr);
  run(w, platform::AllocPolicy::Random);
  EXPECT_TRUE(problems.empty()) << problems.front();
  const auto& pair = w.pairs()[0];
  std::vector<platform::SgEntry> entries[2];
  for (int b = 0; b < 2; ++b) {
    std::vector<uint64_t> pages;
    for (uint64_t g : (b ? pair.out : pair.in).pages) pages.push_back(dma(g));
    entries[b] = platform::buildSgList(pages, 40 * 4096);
  }
  EXPECT_EQ(pair.in.entries, entries[0].size());
  EXPECT_GT(pair.in.entries, 30u);
  uint64_t bytes[2] = {0, 0}, list_reads = 0;
  for (const auto& o : recorder->ops) {
    if (o.address == dma(pair.in.list) || o.address == dma(pair.out.list)) {
      ++list_reads;
      EXPECT_EQ(o.size, 16u * (o.address == dma(pair.in.list) ? pair.in.entries : pair.out.entries));
      continue;
    }
    if (o.size == 64 || o.size == 16) continue;  // descriptor, completion
    const int b = o.kind == DmaOp::Read ? 0 : 1;
    bool inside = false;
    for (const auto& e : entries[b]) inside |= o.address >= e.address && o.address + o.size <= e.address + e.length;
    EXPECT_TRUE(inside) << "a piece crosses a scatter-list entry";
    EXPECT_LE(o.size, 16384u);
    bytes[b] += o.size;
  }
  EXPECT_EQ(bytes[0], 2ull * 40 * 4096);
  EXPECT_EQ(bytes[1], 2ull * 40 * 4096);
  EXPECT_EQ(list_reads, 4u);
}

}  // namespace
}  // namespace vtd::test
