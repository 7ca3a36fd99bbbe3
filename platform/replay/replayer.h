// Replayer: feeds trace records to a ReplaySystem in trace order, one at a time, so a
// trace of any length replays in the same memory. DMA records become translate() calls
// (dma_requests.h); register writes and invalidation descriptors that invalidate the
// context cache or the IOTLB are applied through the driver (replay.invalidations);
// everything else is counted. Statistics are the unit's own (vtd.*, the names `vtdsim
// run` uses) plus the replay's (replay.*). Not replayed: timing (no SystemC, no Cost ->
// time), interrupt requests, the data moved.
#pragma once

#include <cstdint>
#include <string>

#include "platform/replay/invalidation_decoder.h"
#include "platform/replay/replay_params.h"
#include "platform/replay/replay_system.h"
#include "traces/format/trace_record.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::replay {

struct ReplayStats {
  uint64_t records = 0;               // every record read
  uint64_t dma_records = 0;           // DMA records (after warm-up)
  uint64_t dma_bytes = 0;
  uint64_t pieces = 0;                // translate() calls (4 KiB-bounded pieces)
  uint64_t blocked = 0;               // DMA records whose translation failed
  uint64_t interrupt_requests = 0;    // DWORD writes into the interrupt window (not replayed)
  uint64_t malformed = 0;             // translation requests other than 8-byte reads
  uint64_t register_writes = 0;
  uint64_t descriptors = 0;           // invalidation descriptors read
  uint64_t invalidations_applied = 0;
  uint64_t invalidations_refused = 0; // the driver refused them (e.g. reserved granularity)
  uint64_t invalidations_skipped = 0; // replay.invalidations=false

  void describe(StatRegistry& r, const std::string& prefix) const;
};

class Replayer {
 public:
  Replayer(ReplaySystem& system, const ReplayParams& params);

  // Replays one record; false once replay.max_events DMA records have been replayed.
  bool feed(const trace::TraceRecord& record);
  // Replays the whole source (or up to max_events); returns the records read.
  uint64_t run(trace::TraceSource& source);

  const ReplayStats& stats() const { return stats_; }
  uint64_t dmaEventsSeen() const { return dma_seen_; }  // including warm-up

 private:
  void dma(const trace::DmaEvent& d);
  void invalidate(const std::optional<InvalidationOp>& op);

  ReplaySystem& system_;
  RemappingUnit& unit_;
  ReplayParams params_;
  InvalidationDecoder decoder_;
  ReplayStats stats_;
  uint64_t dma_seen_ = 0;
};

}  // namespace vtd::replay
