// CurveRunner: one pass over a trace giving the IOTLB miss curves (miss_curve.h). Each DMA
// record is cut into the pieces the unit would translate (dma_requests.h); what a piece's
// lookup is (none, an access to which entry, a faulting miss) is found by translating its
// page once on a ReplaySystem built from the same configuration as `vtdsim replay` but
// with its IOTLB disabled (so every classification walks the tables), and
// remembered per (source id, address type, PASID presence, 4 KiB page): memory grows with
// the distinct pages, not with the trace. Register writes and invalidation descriptors
// are counted and not applied (see MissCurve: the curve has no invalidation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/replay/key_map.h"
#include "platform/replay/miss_curve.h"
#include "platform/replay/replay_params.h"
#include "platform/replay/replay_system.h"
#include "traces/format/trace_record.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::replay {

struct CurveStats {
  uint64_t records = 0, dma_records = 0, dma_bytes = 0, pieces = 0;
  uint64_t interrupt_requests = 0, malformed = 0;
  uint64_t register_writes = 0, descriptors = 0;  // not applied
  uint64_t pages_classified = 0;                  // pages translated once to learn their entry

  void describe(StatRegistry& r, const std::string& prefix) const;
};

class CurveRunner {
 public:
  // Builds its own ReplaySystem from `machine` (IOTLB disabled); throws as ReplaySystem does.
  CurveRunner(const ReplayMachine& machine, const CurveParams& curve, const ReplayParams& replay);

  bool feed(const trace::TraceRecord& record);  // false once replay.max_events is reached
  uint64_t run(trace::TraceSource& source);     // records read

  const MissCurve& curve() const { return curve_; }
  const CurveStats& stats() const { return stats_; }
  size_t bytes() const { return curve_.bytes() + pages_.bytes(); }

 private:
  // Packed outcome of a piece's translation: bit 0 ok, bit 1 IOTLB lookup, bit 2 the lookup
  // fills an entry, bits 4:3 page size, bits 20:5 DID; kUnknown before classification.
  static constexpr uint32_t kUnknown = ~0u;
  static constexpr size_t kBatch = 64;
  static uint64_t pageKey(const DmaRequest& r) {
    return (r.address >> 12) | uint64_t(r.source.value) << 45 | uint64_t(r.at) << 61 |
           uint64_t(r.pasid_present) << 63;
  }
  uint32_t classify(const DmaRequest& r);
  uint32_t classOf(const DmaRequest& r);
  bool piece(const DmaRequest& r);
  void apply(uint32_t c, uint64_t address);
  bool runBatch(size_t n);

  static ReplayMachine withoutIotlb(ReplayMachine m);

  ReplaySystem system_;
  uint64_t max_events_;
  uint64_t dma_seen_ = 0;
  bool caching_mode_;
  MissCurve curve_;
  KeyMap pages_;
  uint64_t last_key_ = KeyMap::kEmpty;  // the previous piece's page and its outcome
  uint32_t last_class_ = 0;
  CurveStats stats_;
  // run()'s batch: records read ahead so that the cache misses of their lookups overlap.
  std::vector<trace::TraceRecord> batch_ = std::vector<trace::TraceRecord>(kBatch);
  std::vector<DmaRequest> requests_ = std::vector<DmaRequest>(kBatch);
  std::vector<uint32_t> classes_ = std::vector<uint32_t>(kBatch);
};

}  // namespace vtd::replay
