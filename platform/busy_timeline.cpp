// BusyTimeline: gap search and interval merging.
#include "platform/busy_timeline.h"

#include <algorithm>

namespace vtd::platform {

uint64_t BusyTimeline::reserve(uint64_t earliest, uint64_t duration, uint64_t horizon) {
  while (!busy_.empty() && (busy_.front().end <= horizon || busy_.size() >= kMaxIntervals))
    busy_.pop_front();
  if (duration == 0) return earliest;
  booked_ps_ += duration;
  // In-order requests (the common case): the slot starts at `earliest`, after every booking.
  if (busy_.empty() || earliest >= busy_.back().end) {
    if (!busy_.empty() && busy_.back().end == earliest)
      busy_.back().end += duration;
    else
      busy_.push_back(Interval{earliest, earliest + duration});
    return earliest;
  }
  // First interval that ends after `earliest` (ends are sorted: the intervals are disjoint).
  auto it = std::upper_bound(busy_.begin(), busy_.end(), earliest,
                             [](uint64_t t, const Interval& i) { return t < i.end; });
  uint64_t start = earliest;
  while (it != busy_.end() && it->start < start + duration) {
    start = std::max(start, it->end);
    ++it;
  }
  const uint64_t end = start + duration;
  // Insert [start, end) before `it`, merging with touching neighbours.
  const bool join_prev = it != busy_.begin() && std::prev(it)->end == start;
  const bool join_next = it != busy_.end() && it->start == end;
  if (join_prev && join_next) {
    std::prev(it)->end = it->end;
    busy_.erase(it);
  } else if (join_prev) {
    std::prev(it)->end = end;
  } else if (join_next) {
    it->start = start;
  } else {
    busy_.insert(it, Interval{start, end});
  }
  return start;
}

}  // namespace vtd::platform
