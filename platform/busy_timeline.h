// BusyTimeline: when one shared resource (a PCIe link direction, a memory channel) is
// busy, as sorted, disjoint busy intervals in absolute simulated time (picoseconds).
// reserve() books the first gap long enough at or after the requested time and returns its
// start, so the caller's wait is start - requested. This is a next-free-time timeline that
// also fills gaps: loosely-timed initiators with temporal decoupling present requests out
// of time order (request k+1 may ask for an earlier slot than request k took), and a plain
// next-free time would queue such a request behind a later one (head-of-line blocking the
// resource does not have). When requests come in time order it behaves exactly like a
// next-free time. Intervals that end before `horizon` (the kernel time: no initiator's local
// time lies before it) are dropped; at most kMaxIntervals are kept (the oldest go first).
// Not modelled: priorities, preemption (a booking is never moved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace vtd::platform {

class BusyTimeline {
 public:
  static constexpr size_t kMaxIntervals = 4096;

  // Books `duration` ps at the earliest start >= `earliest` where the resource is free for
  // that long; returns the start. A zero duration books nothing and returns `earliest`.
  uint64_t reserve(uint64_t earliest, uint64_t duration, uint64_t horizon);
  // Sum of every booking so far (for utilisation statistics).
  const uint64_t& bookedPs() const { return booked_ps_; }
  size_t intervals() const { return busy_.size(); }
  void resetStats() { booked_ps_ = 0; }

 private:
  struct Interval {
    uint64_t start, end;  // [start, end)
  };
  std::deque<Interval> busy_;
  uint64_t booked_ps_ = 0;
};

}  // namespace vtd::platform
