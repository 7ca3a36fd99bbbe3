// The measurements `vtdsim calibrate` compares against (../shared/reference/CALIBRATION.md):
// pcie-bench's published raw data for a Netronome NFP6000 (1.2 GHz) DMA engine against a
// Xeon E5-2630 v4 (Broadwell-EP), 64 B random DMA reads in a window, host buffers cold,
// with the IOMMU on and every mapping 4 KiB ("iommu-nosp"), and without the IOMMU.
// Bandwidth from the bandwidth sweep (Gb/s; the raw files label it GB/s), latency from the
// latency sweep (one request at a time; its windows 8 KiB and 64 KiB stand for 4 KiB and
// 16 KiB here, as CALIBRATION.md gives one figure "up to 256 KiB"; 3 MiB was not
// measured), the miss fraction implied by the mean latency (CALIBRATION.md's fit: a fit,
// not a fact). A negative value means "not measured".
#pragma once

#include <cstdint>

namespace vtd::app {

struct CalibrationPoint {
  uint32_t window_kib;
  double bw_iommu_gbps, bw_no_iommu_gbps;
  double lat_iommu_mean_ns, lat_iommu_median_ns;
  double miss_fraction;  // implied by the latency (negative: not given)
};

inline constexpr CalibrationPoint kCalibrationPoints[] = {
    {4, 26.82, 26.92, 612.7, 600, -1},       {16, 27.97, 28.09, 612.7, 600, -1},
    {256, 27.58, 27.72, 612.7, 600, -1},     {512, 20.20, 27.45, 637.9, 600, 0.087},
    {1024, 14.33, 27.59, 769.6, 880, 0.54},  {1536, 12.56, 27.74, 812.8, 880, 0.69},
    {2048, 11.74, 27.87, 835.0, 880, 0.765}, {3072, 11.00, 27.94, -1, -1, -1},
    {4096, 10.65, 27.99, 867.6, 880, 0.88},  {8192, 10.18, 28.04, 885.1, 880, 0.94},
    {16384, 9.95, 28.09, 895.0, 880, 0.97},  {32768, 9.87, 28.08, 898.9, 880, -1},
    {65536, 9.84, 28.12, 901.2, 880, -1},
};

// Without the IOMMU the latency is about the same at every window.
inline constexpr double kNoIommuLatencyMeanNs = 610, kNoIommuLatencyMedianNs = 600;

// Targets of the default configuration (CALIBRATION.md).
inline constexpr uint32_t kKneeAboveKib = 256, kKneeAtMostKib = 1024;  // knee in (256 KiB, 1 MiB]
inline constexpr double kKneeDrop =
    0.9;  // the knee: first window below 90 % of the 4 KiB bandwidth
inline constexpr double kRatio64M = 0.35, kRatio64MTolerance = 0.03;
inline constexpr double kMissPenaltyNs = 290, kMissPenaltyToleranceNs = 30;
inline constexpr double kMissFractionTolerance = 0.03;  // +-3 points
inline constexpr double kFlatnessTolerance = 0.03;      // (max - min) / max without IOMMU

}  // namespace vtd::app
