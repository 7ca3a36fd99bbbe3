// Replayer: the record loop.
#include "platform/replay/replayer.h"

#include "model/common/stat_registry.h"
#include "platform/replay/dma_requests.h"

namespace vtd::replay {

void ReplayStats::describe(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "records", records, "records", "trace records read (all kinds, warm-up included)");
  r.addCounter(p + "dma_records", dma_records, "requests", "DMA records replayed after warm-up");
  r.addCounter(p + "dma_bytes", dma_bytes, "bytes", "bytes of the DMA records replayed after warm-up");
  r.addCounter(p + "pieces", pieces, "requests", "translations asked of the unit: DMA split at 4 KiB boundaries, as the TLM shell splits it");
  r.addCounter(p + "blocked", blocked, "requests", "DMA records whose translation failed (fault or interrupt window)");
  r.addCounter(p + "interrupt_requests", interrupt_requests, "requests", "DWORD writes into the interrupt window: interrupt requests, counted and not replayed");
  r.addCounter(p + "malformed", malformed, "requests", "translation requests (AT=01) that are not 8-byte reads: refused as the shell refuses them");
  r.addCounter(p + "register_writes", register_writes, "writes", "register-write records read");
  r.addCounter(p + "descriptors", descriptors, "descriptors", "invalidation-descriptor records read");
  r.addCounter(p + "invalidations_applied", invalidations_applied, "invalidations", "context-cache and IOTLB invalidations of the trace applied through the driver");
  r.addCounter(p + "invalidations_refused", invalidations_refused, "invalidations", "invalidations of the trace the driver refused (reserved granularity, failed flush)");
  r.addCounter(p + "invalidations_skipped", invalidations_skipped, "invalidations", "invalidations of the trace not applied (replay.invalidations=false)");
}

Replayer::Replayer(ReplaySystem& system, const ReplayParams& params)
    : system_(system), unit_(system.unit()), params_(params), decoder_(system.ivaOffset()) {}

bool Replayer::feed(const trace::TraceRecord& r) {
  ++stats_.records;
  switch (r.kind) {
    case trace::RecordKind::Dma:
      dma(r.dma);
      if (++dma_seen_ == params_.warmup_events) {  // statistics from here on
        unit_.resetStats();
        const uint64_t records = stats_.records;
        stats_ = ReplayStats{};
        stats_.records = records;
      }
      return params_.max_events == 0 || dma_seen_ < params_.max_events;
    case trace::RecordKind::RegisterWrite:
      ++stats_.register_writes;
      invalidate(decoder_.registerWrite(r.reg));
      return true;
    case trace::RecordKind::Invalidation:
      ++stats_.descriptors;
      invalidate(decoder_.descriptor(r.inv));
      return true;
  }
  return true;
}

uint64_t Replayer::run(trace::TraceSource& source) {
  trace::TraceRecord r;
  uint64_t n = 0;
  while (source.next(r)) {
    ++n;
    if (!feed(r)) break;
  }
  return n;
}

void Replayer::dma(const trace::DmaEvent& d) {
  system_.attach(d.source);
  const DmaShape shape = shapeOf(d);
  if (__builtin_expect(shape != DmaShape::Memory, 0)) {
    if (shape == DmaShape::Interrupt) return void(++stats_.interrupt_requests);
    if (shape == DmaShape::Malformed) return void(++stats_.malformed);
  }
  ++stats_.dma_records;
  stats_.dma_bytes += d.size;
  bool ok = true;
  stats_.pieces += forEachPiece(d, shape, [&](const DmaRequest& req) { return ok = unit_.translate(req).ok(); });
  stats_.blocked += ok ? 0 : 1;
}

void Replayer::invalidate(const std::optional<InvalidationOp>& op) {
  if (!op) return;
  if (!params_.invalidations) return void(++stats_.invalidations_skipped);
  if (applyInvalidation(system_.driver(), *op)) ++stats_.invalidations_applied;
  else ++stats_.invalidations_refused;
}

}  // namespace vtd::replay
