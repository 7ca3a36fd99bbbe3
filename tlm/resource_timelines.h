// Resource timelines of the loosely-timed unit: when each shared resource is next free, in
// absolute picoseconds of simulated time, so that requests processed one after the other
// by b_transport (each with its own annotated time) still see contention.
//   WalkerPool     the page walkers (a walk holds one from its first table read to its last)
//   RequestQueue   requests in flight (arrived, not completed) against the queue's bound
//   InFlightWalks  walks whose result is not available yet, by (DID, page): miss merging
// Times are absolute so that arrivals need not be monotonic (several initiators, or one
// initiator with several outstanding requests, each a quantum ahead of the others).
// Nothing here knows SystemC: the shell (vtd_unit_timing.cpp) passes times in and out.
// Not modelled: the lookup pipeline as a resource (a hit costs its lookup cycles but never
// waits for another request's lookup), per-walker busy intervals (a walker is busy until its
// last walk's end, also for a request that arrives "earlier" in simulated time).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "model/common/types.h"

namespace vtd::tlm {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

class WalkerPool {
 public:
  explicit WalkerPool(unsigned walkers) : free_at_(walkers ? walkers : 1, 0) {}

  struct Grant {
    unsigned walker;
    uint64_t start_ps;  // >= the time asked for: later when every walker was busy
  };
  // Among the walkers free at `want_ps`, the one that became free last (when any is free,
  // the walker with the latest free time overall is); when none is, the one that frees
  // first (the walk waits for it). Taking the most recently freed walker
  // keeps the others' free times old, so a request from an initiator that runs behind in
  // simulated time finds them free, as they were at its time.
  Grant acquire(uint64_t want_ps) const {
    if (free_at_[latest_] <= want_ps) return {latest_, want_ps};  // the latest free is idle
    unsigned best_free = kNone, earliest = 0;
    for (unsigned i = 0; i < free_at_.size(); ++i) {
      const uint64_t f = free_at_[i];
      if (f <= want_ps && (best_free == kNone || f > free_at_[best_free])) best_free = i;
      if (f < free_at_[earliest]) earliest = i;
    }
    if (best_free != kNone) return {best_free, want_ps};
    return {earliest, free_at_[earliest]};
  }
  void hold(unsigned walker, uint64_t until_ps) {
    const bool was_latest = walker == latest_;
    free_at_[walker] = until_ps;
    if (until_ps >= free_at_[latest_]) {
      latest_ = walker;
    } else if (was_latest) {  // moved back (not by walks: they only end later): rescan
      for (unsigned i = 0; i < free_at_.size(); ++i)
        if (free_at_[i] > free_at_[latest_]) latest_ = i;
    }
  }
  unsigned size() const { return unsigned(free_at_.size()); }
  uint64_t freeAt(unsigned walker) const { return free_at_[walker]; }

 private:
  static constexpr unsigned kNone = ~0u;
  std::vector<uint64_t> free_at_;
  unsigned latest_ = 0;  // a walker with the latest free time
};

// The bounded request queue: a request that arrives when `bound` requests are in flight
// (arrived at or before it, not completed) is admitted at the earliest of their
// completions (again, until fewer than `bound` are in flight): the upstream sees the delay.
// Entries are kept sorted by completion (requests usually complete in the order they are
// added: one comparison). Those completed by `now` (no request arrives before the current
// simulated time) are dropped once `bound` entries are kept, so below that the check is one
// comparison, and above it a scan of the entries completing after the arrival. This is on
// every request's path: the common cases are inline, the rest is not.
class RequestQueue {
 public:
  explicit RequestQueue(unsigned bound) : bound_(bound ? bound : 1) { resize(64); }

  uint64_t admit(uint64_t arrival_ps, uint64_t now_ps) {
    return mayBeFull() ? admitWhenFull(arrival_ps, now_ps) : arrival_ps;
  }
  // False: fewer than `bound` entries kept, so a request is admitted at its arrival.
  bool mayBeFull() const { return tail_ - head_ >= bound_; }
  // Completions are at or after the current time, so a new one is never earlier than an
  // entry already dropped (completed by then): the slot before the tail needs no check for
  // being in use, a dropped (or never used, zero) entry there compares as earlier.
  void add(uint64_t arrival_ps, uint64_t completion_ps) {
    const uint64_t t = tail_;
    Entry* const ring = ring_.data();
    if (__builtin_expect(t - head_ > mask_ || ring[(t - 1) & mask_].completion > completion_ps, 0))
      return addSorted(arrival_ps, completion_ps);
    ring[t & mask_] = Entry{completion_ps, arrival_ps};
    tail_ = t + 1;
  }
  unsigned bound() const { return bound_; }
  size_t tracked() const { return size_t(tail_ - head_); }

  // The admission when mayBeFull(): drops the entries completed by `now`, then counts.
  __attribute__((noinline)) uint64_t admitWhenFull(uint64_t a, uint64_t now) {
    uint64_t lo = 0, hi = tail_ - head_;  // drop those completed by now (sorted: a prefix)
    while (lo < hi) {
      const uint64_t mid = (lo + hi) / 2;
      if (at(mid).completion <= now)
        lo = mid + 1;
      else
        hi = mid;
    }
    head_ += lo;
    for (;;) {
      unsigned in_flight = 0;
      uint64_t earliest = kNever;
      for (uint64_t i = tail_ - head_; i-- > 0 && at(i).completion > a;) {
        if (at(i).arrival > a) continue;  // arrives later in simulated time: not in the queue yet
        ++in_flight;
        earliest = at(i).completion;  // walking backwards: the last one found completes first
      }
      if (in_flight < bound_) return a;
      a = earliest;
    }
  }

 private:
  struct Entry {
    uint64_t completion, arrival;
  };
  Entry& at(uint64_t i) { return ring_[(head_ + i) & mask_]; }  // i-th by completion
  __attribute__((noinline)) void addSorted(uint64_t arrival_ps, uint64_t completion_ps) {
    if (tail_ - head_ > mask_) resize(ring_.size() * 2);
    uint64_t i = tail_ - head_;
    ++tail_;
    for (; i && at(i - 1).completion > completion_ps; --i) at(i) = at(i - 1);
    at(i) = Entry{completion_ps, arrival_ps};
  }
  void resize(size_t capacity) {  // a power of two
    std::vector<Entry> bigger(capacity);
    const uint64_t n = tail_ - head_;
    for (uint64_t i = 0; i < n; ++i) bigger[i] = at(i);
    ring_.swap(bigger);
    mask_ = capacity - 1;
    head_ = 0;
    tail_ = n;
  }

  uint64_t head_ = 0, tail_ = 0;  // positions, ever increasing; entries [head, tail)
  uint64_t mask_ = 0;
  std::vector<Entry> ring_;
  unsigned bound_;
};

// Walks whose translation is not available yet. A request that finds its translation in
// the IOTLB (the model filled it when an earlier request, in call order, walked) but
// arrives before that walk's result is available waits for it: a merged miss. It never
// waits longer than the walking request did (arriving earlier in simulated time than the
// walking request, it would have walked itself). Walks are kept in a ring that a new walk
// overwrites round-robin; the ring doubles when the slot to overwrite still holds a walk not
// done by now (a request could still merge with it), so nothing is lost.
class InFlightWalks {
 public:
  struct Walk {
    uint64_t base;  // input address of the page (page size from the walk's result)
    uint64_t mask;  // page bytes - 1
    uint16_t did;
    uint64_t arrival_ps, done_ps;
  };
  InFlightWalks() : ring_(16, Walk{0, 0, 0, 0, 0}) {}

  // False when every walk recorded is done by `arrival_ps`: the hit path's only cost.
  bool mayMerge(uint64_t arrival_ps) const { return arrival_ps < latest_done_; }
  // The walk of (did, address) not done by `arrival_ps` that is done first; null if none.
  const Walk* find(uint16_t did, uint64_t address, uint64_t arrival_ps) const {
    const Walk* best = nullptr;
    for (const Walk& w : ring_)
      if (w.done_ps > arrival_ps && w.did == did && ((address ^ w.base) & ~w.mask) == 0 &&
          (!best || w.done_ps < best->done_ps))
        best = &w;
    return best;
  }
  void add(uint16_t did, uint64_t address, PageSize size, uint64_t arrival_ps, uint64_t done_ps,
           uint64_t now_ps) {
    if (ring_[next_ & (ring_.size() - 1)].done_ps > now_ps) grow();
    const uint64_t mask = pageBytes(size) - 1;
    ring_[next_++ & (ring_.size() - 1)] = Walk{address & ~mask, mask, did, arrival_ps, done_ps};
    if (done_ps > latest_done_) latest_done_ = done_ps;
  }
  size_t capacity() const { return ring_.size(); }

 private:
  void grow() {  // the old ring's walks, then room for as many again
    const size_t n = ring_.size();
    std::vector<Walk> bigger(2 * n, Walk{0, 0, 0, 0, 0});
    for (size_t i = 0; i < n; ++i) bigger[i] = ring_[(next_ + i) & (n - 1)];
    ring_.swap(bigger);
    next_ = n;
  }

  std::vector<Walk> ring_;  // power-of-two size; never-used slots are done at 0
  uint64_t next_ = 0;
  uint64_t latest_done_ = 0;
};

}  // namespace vtd::tlm
