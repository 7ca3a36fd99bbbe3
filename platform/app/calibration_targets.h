// The derived calibration targets of CALIBRATION.md, computed the same way from the model's
// sweep and from the measured figures: the knee (first window whose IOMMU bandwidth falls
// below 90 % of the 4 KiB figure; target in (256 KiB, 1 MiB]), the 64 MiB bandwidth ratio
// with/without IOMMU (35 +- 3 %), the mean miss penalty (latency increase over the miss
// fraction, a least-squares slope through the origin over the windows with misses; 290 +-
// 30 ns), the miss-fraction curve (largest distance to the implied fractions; <= 3
// points) and the flatness of the no-IOMMU bandwidth ((max - min) / max; <= 3 %). A target
// whose windows the sweep lacks is "n/a".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd::app {

// One window of a sweep; a negative figure is missing.
struct SweepPoint {
  uint32_t window_kib = 0;
  double bw_iommu = -1, bw_no_iommu = -1;    // Gb/s
  double lat_iommu = -1, lat_no_iommu = -1;  // mean ns
  double miss_fraction = -1;                 // IOTLB misses per lookup, IOMMU on
};

struct TargetResult {
  std::string name, unit, target;
  double model = 0, measured = 0;
  bool model_known = false, measured_known = false;
  std::string verdict;  // PASS, FAIL, n/a
};

// `reference` carries the measured miss fractions for the curve target.
std::vector<TargetResult> evaluateTargets(const std::vector<SweepPoint>& model,
                                          const std::vector<SweepPoint>& measured);

}  // namespace vtd::app
