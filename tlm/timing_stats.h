// TimingStats: what the unit's loosely-timed timelines measured (walker occupancy and
// waits, merged misses, request-queue stalls, translation latency of hits and misses,
// invalidation processing time). Plain counters in picoseconds on the hot path; means,
// the VT-d perfmon pw_occupancy (walker-cycles) and the miss penalty are derived at dump.
// A request is a *miss* here when it read tables (an IOTLB or context-cache miss) or waited
// for a walk in flight (merged); every other request, faults without a read included, is a
// *hit*. Latency runs from the request's arrival at the unit (before any queue stall) to
// its translation (before the forwarded memory access).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace vtd {
class StatRegistry;
}

namespace vtd::tlm {

struct TimingStats {
  static constexpr unsigned kLatencyBuckets = 256;
  static constexpr uint64_t kLatencyBucketPs = 10'000;  // 10 ns per bucket

  uint64_t walker_busy_ps = 0;  // sum over walks of the time a walker was held
  uint64_t walker_waits = 0;    // walks that found every walker busy
  uint64_t walker_wait_ps = 0;
  uint64_t walk_llc_hits = 0;  // table reads served by the last-level cache
  uint64_t merged_misses = 0;  // requests that waited for another request's walk
  uint64_t queue_full_stalls = 0;
  uint64_t queue_stall_ps = 0;
  uint64_t invalidation_entries_timed = 0;  // cache entries removed, charged per entry
  uint64_t invalidation_ps = 0;
  // Translation latency by [0] hit, [1] miss: sum, and 10 ns buckets (counts at dump).
  std::array<uint64_t, 2> latency_ps{};
  std::array<std::array<uint64_t, kLatencyBuckets>, 2> latency{};

  void addLatency(bool miss, uint64_t ps) {
    const uint64_t b = ps / kLatencyBucketPs;
    latency_ps[miss] += ps;
    ++latency[miss][b < kLatencyBuckets ? b : kLatencyBuckets - 1];
  }
  uint64_t latencyCount(bool miss) const;

  // `elapsed_ps` gives the simulated time the occupancy is averaged over (since the last
  // reset); `cycle_ps` the unit's clock period.
  void describe(StatRegistry& r, const std::string& prefix, std::function<uint64_t()> elapsed_ps,
                double cycle_ps) const;
};

}  // namespace vtd::tlm
