// TLP splitting (PCIe Base Specification 2.2.7, 2.3.1.1) and link rates (4.2), with the
// figures typed by hand.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "platform/pcie/pcie_params.h"
#include "platform/pcie/tlp_split.h"

using namespace vtd::platform;
using Pieces = std::vector<std::pair<uint64_t, uint32_t>>;

namespace {
Pieces requests(uint64_t address, uint32_t length, uint32_t max) {
  Pieces p;
  tlp::forEachRequest(address, length, max, [&](uint64_t a, uint32_t n) { p.emplace_back(a, n); });
  return p;
}
Pieces completions(uint64_t address, uint32_t length, const PcieParams& params) {
  Pieces p;
  tlp::forEachCompletion(address, length, params,
                         [&](uint64_t a, uint32_t n) { p.emplace_back(a, n); });
  return p;
}
}  // namespace

TEST(TlpSplit, RequestsStopAtTheMaximumAndAtEach4KiBBoundary) {
  EXPECT_EQ(requests(0x1000, 64, 512), (Pieces{{0x1000, 64}}));
  EXPECT_EQ(requests(0x1000, 1024, 512), (Pieces{{0x1000, 512}, {0x1200, 512}}));
  EXPECT_EQ(requests(0x1F00, 512, 512), (Pieces{{0x1F00, 256}, {0x2000, 256}}));
  EXPECT_EQ(requests(0x10, 0, 256), (Pieces{{0x10, 0}}));
}

TEST(TlpSplit, CompletionsAsLargeAsMpsEndOnTheCompletionBoundary) {
  PcieParams p;  // MPS 256, RCB 64, split at MPS
  EXPECT_EQ(completions(0x1000, 64, p), (Pieces{{0x1000, 64}}));
  EXPECT_EQ(completions(0x1000, 512, p), (Pieces{{0x1000, 256}, {0x1100, 256}}));
  // Unaligned start: the first completion ends on a 64-byte boundary within MPS.
  EXPECT_EQ(completions(0x1010, 512, p), (Pieces{{0x1010, 240}, {0x1100, 256}, {0x1200, 16}}));
}

TEST(TlpSplit, RcbSplitReturnsOneCompletionPerBlock) {
  PcieParams p;
  p.completion_split = CompletionSplit::Rcb;
  EXPECT_EQ(completions(0x1000, 256, p),
            (Pieces{{0x1000, 64}, {0x1040, 64}, {0x1080, 64}, {0x10C0, 64}}));
  EXPECT_EQ(completions(0x1030, 64, p), (Pieces{{0x1030, 16}, {0x1040, 48}}));
}

TEST(TlpSplit, HeadersAre3DwBelow4GiBAnd4DwAbove) {
  EXPECT_EQ(tlp::requestHeaderBytes(0xFFFF'F000), 12u);
  EXPECT_EQ(tlp::requestHeaderBytes(0x1'0000'0000), 16u);
  EXPECT_EQ(tlp::kCompletionHeaderBytes, 12u);
}

TEST(PcieParams, LaneRatesFollowTheLineCode) {
  PcieParams p;
  const double expected[] = {0.25, 0.5, 8.0 * 128 / 130 / 8, 16.0 * 128 / 130 / 8,
                             32.0 * 128 / 130 / 8};
  for (uint32_t g = 1; g <= 5; ++g) {
    p.generation = g;
    EXPECT_DOUBLE_EQ(p.laneBytesPerNs(), expected[g - 1]) << "gen" << g;
  }
  p.generation = 3;
  p.lanes = 8;
  p.dllp_share = 0.0;
  EXPECT_NEAR(p.tlpBytesPerNs() * 8, 63.015, 0.001);  // gen3 x8: 63 Gb/s after 128b/130b
}

TEST(PcieParams, ValidationNamesBadSizes) {
  PcieParams p;
  EXPECT_TRUE(p.validate("pcie.").empty());
  p.max_payload_bytes = 384;
  p.lanes = 6;
  p.read_completion_boundary_bytes = 96;
  EXPECT_EQ(p.validate("pcie.").size(), 3u);
}
