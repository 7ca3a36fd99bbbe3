// MissCurve: histograms of stack depths and the curves they give.
#include "platform/replay/miss_curve.h"

#include "model/caches/iotlb.h"

namespace vtd::replay {

MissCurve::MissCurve(uint32_t sets, uint32_t max_entries)
    : sets_(sets), max_entries_(max_entries), set_stacks_(sets) {
  for (auto& h : fa_hits_) h.assign(max_entries, 0);
  for (auto& h : sa_hits_) h.assign(max_entries / sets, 0);
}

void MissCurve::access(uint16_t did, PageSize size, uint64_t iova) {
  ++lookups_;
  const unsigned s = unsigned(size);
  ++accesses_[s];
  const uint64_t page = iova >> pageShift(size);
  const uint64_t tag = Iotlb::tagOf(did, size, page);
  const uint32_t set = uint32_t(Iotlb::setIndex(did, page)) & (sets_ - 1);
  LruStackDistance& set_stack = set_stacks_[set];
  set_stack.prefetch(tag);  // overlaps its cache miss with the fully associative stack's
  const uint64_t d = fa_.touch(tag);
  if (d < fa_hits_[s].size()) ++fa_hits_[s][d];
  const uint64_t ds = set_stack.touch(tag);
  if (ds < sa_hits_[s].size()) ++sa_hits_[s][ds];
}

void MissCurve::prefetch(uint16_t did, PageSize size, uint64_t iova) const {
  const uint64_t page = iova >> pageShift(size);
  const uint64_t tag = Iotlb::tagOf(did, size, page);
  fa_.prefetch(tag);
  set_stacks_[uint32_t(Iotlb::setIndex(did, page)) & (sets_ - 1)].prefetch(tag);
}

size_t MissCurve::bytes() const {
  size_t b = fa_.bytes();
  for (auto& st : set_stacks_) b += st.bytes();
  return b;
}

std::vector<CurvePoint> MissCurve::points(const Histogram& h, const std::array<uint64_t, 3>& accesses,
                                          uint64_t unfilled, uint32_t sets, uint32_t count) {
  std::vector<CurvePoint> out;
  std::array<uint64_t, 3> hits{};
  for (uint32_t ways = 1; ways <= count; ++ways) {
    CurvePoint p;
    p.sets = sets;
    p.ways = ways;
    p.entries = sets * ways;
    for (unsigned s = 0; s < 3; ++s) {
      hits[s] += h[s][ways - 1];  // depth ways-1 hits with `ways` ways and more
      p.misses_by_size[s] = accesses[s] - hits[s];
      p.misses += p.misses_by_size[s];
    }
    p.misses += unfilled;
    out.push_back(p);
  }
  return out;
}

std::vector<CurvePoint> MissCurve::fullyAssociative() const {
  return points(fa_hits_, accesses_, unfilled_, 1, max_entries_);
}

std::vector<CurvePoint> MissCurve::setAssociative() const {
  return points(sa_hits_, accesses_, unfilled_, sets_, max_entries_ / sets_);
}

}  // namespace vtd::replay
