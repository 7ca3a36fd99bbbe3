// TimingStats: registration with units and descriptions; derived means at dump time.
#include "tlm/timing_stats.h"

#include <vector>

#include "model/common/stat_registry.h"

namespace vtd::tlm {

void TimingStats::describe(StatRegistry& r, const std::string& p,
                           std::function<uint64_t()> elapsed_ps, double cycle_ps) const {
  r.addCounter(p + "walker_busy_ps", walker_busy_ps, "ps", "sum over walks of the time each held a page walker (first table read to the end of the last)");
  r.addDerived(p + "pw_occupancy", [this, cycle_ps] { return double(walker_busy_ps) / cycle_ps; }, "walker-cycles", "VT-d perfmon pw_occupancy: page walkers busy, summed over unit clock cycles");
  r.addDerived(p + "walkers_busy_mean", [this, elapsed_ps] { const uint64_t t = elapsed_ps(); return t ? double(walker_busy_ps) / double(t) : 0.0; }, "walkers", "mean number of busy page walkers over the simulated time since the statistics were reset");
  r.addCounter(p + "walker_waits", walker_waits, "walks", "walks that found every page walker busy and waited for one");
  r.addCounter(p + "walker_wait_ps", walker_wait_ps, "ps", "time walks waited for a page walker");
  r.addDerived(p + "walker_wait_mean_ns", [this] { return ratio(walker_wait_ps, walker_waits) / 1e3; }, "ns", "mean wait of a walk that waited for a page walker");
  r.addCounter(p + "walk_llc_hits", walk_llc_hits, "reads", "table reads of walks served by the last-level cache (latency.walk_llc_hit_fraction, coherent walks only)");
  r.addCounter(p + "merged_misses", merged_misses, "requests", "requests that arrived while the walk for their page (DID and page) was in flight and waited for it instead of walking (the IOTLB counts them as hits)");
  r.addCounter(p + "queue_full_stalls", queue_full_stalls, "requests", "requests that arrived with latency.request_queue requests in flight and were held back");
  r.addCounter(p + "queue_stall_ps", queue_stall_ps, "ps", "time requests were held back by a full request queue (seen by the requester)");
  r.addDerived(p + "latency_hits", [this] { return double(latencyCount(false)); }, "requests", "translated requests that read no table and waited for no walk");
  r.addDerived(p + "latency_misses", [this] { return double(latencyCount(true)); }, "requests", "translated requests that read tables (IOTLB or context-cache miss) or waited for a walk in flight");
  r.addDerived(p + "translation_latency_hit_ns", [this] { return ratio(latency_ps[0], latencyCount(false)) / 1e3; }, "ns", "mean translation latency of hits (arrival at the unit, queue stall included, to translation)");
  r.addDerived(p + "translation_latency_miss_ns", [this] { return ratio(latency_ps[1], latencyCount(true)) / 1e3; }, "ns", "mean translation latency of misses (arrival at the unit, queue stall included, to translation)");
  r.addDerived(p + "miss_penalty_ns", [this] {
    const uint64_t hits = latencyCount(false), misses = latencyCount(true);
    return hits && misses ? (ratio(latency_ps[1], misses) - ratio(latency_ps[0], hits)) / 1e3 : 0.0; },
    "ns", "mean miss penalty: mean translation latency of misses minus that of hits");
  for (unsigned miss = 0; miss < 2; ++miss)
    r.addHistogram(p + (miss ? "translation_latency_miss" : "translation_latency_hit"), kLatencyBuckets,
                   [this, miss] { return std::vector<uint64_t>(latency[miss].begin(), latency[miss].end()); }, "requests",
                   std::string("translation latency of ") + (miss ? "misses" : "hits") + " in 10 ns buckets (bucket i: [10i, 10i+10) ns; the last holds the rest); value = mean bucket");
  r.addCounter(p + "invalidation_entries_timed", invalidation_entries_timed, "entries", "cache entries removed by invalidations, each charged latency.invalidation_entry_cycles");
  r.addCounter(p + "invalidation_ps", invalidation_ps, "ps", "time charged for removing cache entries (added to the register write that started the invalidation)");
}

uint64_t TimingStats::latencyCount(bool miss) const {
  uint64_t n = 0;
  for (uint64_t c : latency[miss]) n += c;
  return n;
}

}  // namespace vtd::tlm
