// SyntheticTrace: drawing records.
#include "traces/gen/synthetic_trace.h"

#include <cmath>
#include <stdexcept>

namespace vtd::trace {

namespace {
uint64_t threshold(double fraction) {
  if (fraction <= 0) return 0;
  if (fraction >= 1) return ~0ull;
  return uint64_t(std::ldexp(fraction, 64));
}
}  // namespace

SyntheticTrace::SyntheticTrace(const SyntheticParams& p)
    : p_(p), rng_(p.seed), write_threshold_(threshold(p.write_fraction)),
      hot_threshold_(threshold(p.hot_fraction)) {
  if (p.pages == 0) throw std::invalid_argument("synthetic trace: pages must be at least 1");
  if (p.size == 0 || p.size > 4096) throw std::invalid_argument("synthetic trace: size must be 1..4096 bytes");
  if (p.hot_fraction > 0 && (p.hot_pages == 0 || p.hot_pages > p.pages))
    throw std::invalid_argument("synthetic trace: hot_pages must be 1..pages");
  // Requests start on size-aligned slots within a page (none crosses a 4 KiB boundary).
  slots_per_page_ = 4096 / p.size;
}

bool SyntheticTrace::next(TraceRecord& r) {
  if (emitted_ == p_.events) return false;
  r.kind = RecordKind::Dma;
  r.time_ps = emitted_ * p_.gap_ps;
  DmaEvent& d = r.dma;
  d = DmaEvent{};
  d.source = p_.source;
  d.size = p_.size;
  d.write = write_threshold_ == ~0ull || rng_() < write_threshold_;
  uint64_t offset;
  if (hot_threshold_ && (hot_threshold_ == ~0ull || rng_() < hot_threshold_)) {
    offset = (rng_() % p_.hot_pages) * 4096 + (rng_() % slots_per_page_) * p_.size;
  } else if (p_.pattern == SyntheticParams::Pattern::Random) {
    offset = (rng_() % p_.pages) * 4096 + (rng_() % slots_per_page_) * p_.size;
  } else {
    if (cursor_ % 4096 + p_.size > 4096) cursor_ = (cursor_ / 4096 + 1) * 4096;  // next page
    if (cursor_ >= p_.pages * 4096) cursor_ = 0;
    offset = cursor_;
    cursor_ += p_.size;
  }
  d.address = p_.base + offset;
  ++emitted_;
  return true;
}

}  // namespace vtd::trace
