// Calibration targets: one function per target, applied to the model and the measurements.
#include "platform/app/calibration_targets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "platform/app/calibration_reference.h"

namespace vtd::app {

namespace {

using Sweep = std::vector<SweepPoint>;

const SweepPoint* at(const Sweep& s, uint32_t kib) {
  for (const SweepPoint& p : s)
    if (p.window_kib == kib) return &p;
  return nullptr;
}

std::optional<double> knee(const Sweep& s) {
  const SweepPoint* first = at(s, 4);
  if (!first || first->bw_iommu < 0) return std::nullopt;
  for (const SweepPoint& p : s)
    if (p.bw_iommu >= 0 && p.bw_iommu < kKneeDrop * first->bw_iommu) return double(p.window_kib);
  return std::nullopt;
}

std::optional<double> ratio64M(const Sweep& s) {
  const SweepPoint* p = at(s, 65536);
  if (!p || p->bw_iommu < 0 || p->bw_no_iommu <= 0) return std::nullopt;
  return p->bw_iommu / p->bw_no_iommu;
}

std::optional<double> missPenalty(const Sweep& s, double no_iommu_latency) {
  double mm = 0, md = 0;
  for (const SweepPoint& p : s) {
    if (p.miss_fraction <= 0 || p.lat_iommu < 0) continue;
    const double base = p.lat_no_iommu >= 0 ? p.lat_no_iommu : no_iommu_latency;
    if (base < 0) continue;
    mm += p.miss_fraction * p.miss_fraction;
    md += p.miss_fraction * (p.lat_iommu - base);
  }
  if (mm <= 0) return std::nullopt;
  return md / mm;
}

std::optional<double> missCurveDistance(const Sweep& model, const Sweep& measured) {
  std::optional<double> worst;
  for (const SweepPoint& m : measured) {
    const SweepPoint* p = at(model, m.window_kib);
    if (m.miss_fraction < 0 || !p || p->miss_fraction < 0) continue;
    worst = std::max(worst.value_or(0.0), std::fabs(p->miss_fraction - m.miss_fraction));
  }
  return worst;
}

std::optional<double> flatness(const Sweep& s) {
  double lo = 1e300, hi = 0;
  int n = 0;
  for (const SweepPoint& p : s)
    if (p.bw_no_iommu > 0) lo = std::min(lo, p.bw_no_iommu), hi = std::max(hi, p.bw_no_iommu), ++n;
  if (n < 2) return std::nullopt;
  return (hi - lo) / hi;
}

TargetResult make(const char* name, const char* unit, const char* target,
                  std::optional<double> model, std::optional<double> measured,
                  bool (*pass)(double)) {
  TargetResult t;
  t.name = name, t.unit = unit, t.target = target;
  t.model_known = model.has_value();
  t.measured_known = measured.has_value();
  t.model = model.value_or(0);
  t.measured = measured.value_or(0);
  t.verdict = !model ? "n/a" : pass(*model) ? "PASS" : "FAIL";
  return t;
}

}  // namespace

std::vector<TargetResult> evaluateTargets(const Sweep& model, const Sweep& measured) {
  std::vector<TargetResult> r;
  r.push_back(make("knee", "KiB",
                   "first window below 90 % of the 4 KiB IOMMU bandwidth, in (256 KiB, 1 MiB]",
                   knee(model), knee(measured),
                   [](double k) { return k > kKneeAboveKib && k <= kKneeAtMostKib; }));
  r.push_back(make("bandwidth_ratio_64m", "ratio",
                   "IOMMU / no-IOMMU bandwidth at 64 MiB, 0.35 +- 0.03", ratio64M(model),
                   ratio64M(measured),
                   [](double x) { return std::fabs(x - kRatio64M) <= kRatio64MTolerance; }));
  r.push_back(
      make("miss_penalty", "ns", "mean latency increase per IOTLB miss, 290 +- 30 ns",
           missPenalty(model, -1), missPenalty(measured, kNoIommuLatencyMeanNs),
           [](double x) { return std::fabs(x - kMissPenaltyNs) <= kMissPenaltyToleranceNs; }));
  r.push_back(make("miss_fraction_curve", "fraction",
                   "largest distance to the implied miss fractions, <= 0.03",
                   missCurveDistance(model, measured), std::nullopt,
                   [](double x) { return x <= kMissFractionTolerance; }));
  r.push_back(make("no_iommu_flatness", "ratio",
                   "(max - min) / max of the no-IOMMU bandwidth, <= 0.03", flatness(model),
                   flatness(measured), [](double x) { return x <= kFlatnessTolerance; }));
  return r;
}

}  // namespace vtd::app
