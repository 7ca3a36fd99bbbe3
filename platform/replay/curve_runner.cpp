// CurveRunner: the record loop and per-page classification.
#include "platform/replay/curve_runner.h"

#include "model/common/stat_registry.h"
#include "platform/replay/dma_requests.h"

namespace vtd::replay {

void CurveStats::describe(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "records", records, "records", "trace records read (all kinds)");
  r.addCounter(p + "dma_records", dma_records, "requests", "DMA records the curve went through");
  r.addCounter(p + "dma_bytes", dma_bytes, "bytes", "bytes of those DMA records (the denominator of misses per MiB)");
  r.addCounter(p + "pieces", pieces, "requests", "4 KiB-bounded pieces, one IOTLB lookup each unless the request faults before the IOTLB");
  r.addCounter(p + "interrupt_requests", interrupt_requests, "requests", "DWORD writes into the interrupt window (no IOTLB lookup)");
  r.addCounter(p + "malformed", malformed, "requests", "translation requests (AT=01) that are not 8-byte reads");
  r.addCounter(p + "register_writes", register_writes, "writes", "register-write records (not applied by the curve)");
  r.addCounter(p + "descriptors", descriptors, "descriptors", "invalidation-descriptor records (not applied by the curve)");
  r.addCounter(p + "pages_classified", pages_classified, "pages", "distinct (source, address type, PASID, 4 KiB page) translated once to learn their IOTLB entry");
}

ReplayMachine CurveRunner::withoutIotlb(ReplayMachine m) {
  m.unit.iotlb.enable = false;
  m.unit.iotlb_organisation.organisation = IotlbOrganisation::Unified;
  return m;
}

CurveRunner::CurveRunner(const ReplayMachine& machine, const CurveParams& curve, const ReplayParams& replay)
    : system_(withoutIotlb(machine)), max_events_(replay.max_events),
      caching_mode_(machine.unit.unit.caching_mode), curve_(curve.sets, curve.max_entries) {}

bool CurveRunner::feed(const trace::TraceRecord& r) {
  ++stats_.records;
  if (r.kind == trace::RecordKind::RegisterWrite) return ++stats_.register_writes, true;
  if (r.kind == trace::RecordKind::Invalidation) return ++stats_.descriptors, true;
  const trace::DmaEvent& d = r.dma;
  system_.attach(d.source);
  const DmaShape shape = shapeOf(d);
  if (shape == DmaShape::Interrupt) ++stats_.interrupt_requests;
  else if (shape == DmaShape::Malformed) ++stats_.malformed;
  else {
    ++stats_.dma_records;
    stats_.dma_bytes += d.size;
    stats_.pieces += forEachPiece(d, shape, [this](const DmaRequest& req) { return piece(req); });
  }
  return max_events_ == 0 || ++dma_seen_ < max_events_;
}

uint64_t CurveRunner::run(trace::TraceSource& source) {
  trace::TraceRecord r;
  uint64_t n = 0;
  while (source.next(r)) {
    ++n;
    if (!feed(r)) break;
  }
  return n;
}

bool CurveRunner::piece(const DmaRequest& r) {
  uint32_t c;
  if (__builtin_expect(r.address >> 57, 0)) {
    c = classify(r);  // beyond any input width: faults before the IOTLB, not worth a slot
  } else {
    const uint64_t key = (r.address >> 12) | uint64_t(r.source.value) << 45 | uint64_t(r.at) << 61 |
                         uint64_t(r.pasid_present) << 63;
    bool inserted;
    uint32_t& slot = pages_.find(key, kUnknown, inserted);
    if (inserted) slot = classify(r);  // classify() leaves pages_ alone: the slot stays valid
    c = slot;
  }
  if (c & 2) {
    if (c & 4) curve_.access(uint16_t(c >> 5), PageSize((c >> 3) & 3), r.address);
    else curve_.missWithoutFill();
  }
  return c & 1;
}

uint32_t CurveRunner::classify(const DmaRequest& r) {
  ++stats_.pages_classified;
  const Translation t = system_.unit().translate(r);
  const bool lookup = t.cost.iotlb_lookups > 0;
  bool fills = t.ok() && lookup;
  PageSize size = t.page_size;
  if (!t.ok() && lookup && caching_mode_ && t.cost.walk_reads &&
      (t.reason == FaultReason::ReadNotPermitted || t.reason == FaultReason::WriteNotPermitted ||
       t.reason == FaultReason::PagingEntryReserved)) {
    fills = true;  // CM=1: a negative entry for the 4 KiB page (translation/cache_fills.cpp)
    size = PageSize::Size4K;
  }
  return uint32_t(t.ok()) | uint32_t(lookup) << 1 | uint32_t(fills) << 2 | uint32_t(size) << 3 |
         uint32_t(t.cost.iotlb_did) << 5;
}

}  // namespace vtd::replay
