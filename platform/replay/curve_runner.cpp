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

// Records in batches of kBatch, in three passes: prefetch the page-outcome slots of the
// single-piece DMA records; look their outcomes up (classifying new pages) and prefetch
// their stack slots; then go through the batch in trace order. Outcomes do not depend on
// order (the classifying unit caches no translations), stack touches do and keep it.
uint64_t CurveRunner::run(trace::TraceSource& source) {
  uint64_t n = 0;
  for (;;) {
    size_t got = 0;
    while (got < kBatch && source.next(batch_[got])) ++got;
    n += got;
    if (got == 0 || !runBatch(got)) break;
  }
  return n;
}

bool CurveRunner::runBatch(size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const trace::TraceRecord& r = batch_[i];
    classes_[i] = kUnknown;
    if (r.kind != trace::RecordKind::Dma) continue;
    system_.attach(r.dma.source);  // in trace order: per_source VMs get their DIDs as in replay
    const trace::DmaEvent& d = r.dma;
    if (shapeOf(d) != DmaShape::Memory || (d.address & 0xFFF) + d.size > 4096 || (d.address >> 57)) continue;
    DmaRequest& q = requests_[i];
    q = DmaRequest{};
    q.source = SourceId{d.source};
    q.address = d.address;
    q.size = d.size;
    q.kind = d.write ? AccessKind::Write : AccessKind::Read;
    q.at = AddressType(uint8_t(d.at));
    q.pasid_present = d.pasid_present;
    q.pasid = d.pasid;
    q.privileged = d.privileged;
    q.execute = d.execute;
    classes_[i] = 0;  // a single-piece memory request
    pages_.prefetch(pageKey(q));
  }
  for (size_t i = 0; i < n; ++i) {
    if (classes_[i] == kUnknown) continue;
    const uint32_t c = classes_[i] = classOf(requests_[i]);
    if ((c & 6) == 6) curve_.prefetch(uint16_t(c >> 5), PageSize((c >> 3) & 3), requests_[i].address);
  }
  for (size_t i = 0; i < n; ++i) {
    if (classes_[i] == kUnknown) {
      if (!feed(batch_[i])) return false;
      continue;
    }
    ++stats_.records;
    ++stats_.dma_records;
    ++stats_.pieces;
    stats_.dma_bytes += requests_[i].size;
    apply(classes_[i], requests_[i].address);
    if (max_events_ && ++dma_seen_ >= max_events_) return false;
  }
  return true;
}

uint32_t CurveRunner::classOf(const DmaRequest& r) {
  if (__builtin_expect(r.address >> 57, 0)) return classify(r);  // beyond any input width: no slot
  const uint64_t key = pageKey(r);
  if (key == last_key_) return last_class_;  // the same page as the previous piece: common
  bool inserted;
  uint32_t& slot = pages_.find(key, kUnknown, inserted);
  if (inserted) slot = classify(r);  // classify() leaves pages_ alone: the slot stays valid
  last_key_ = key;
  last_class_ = slot;
  return slot;
}

void CurveRunner::apply(uint32_t c, uint64_t address) {
  if (!(c & 2)) return;  // no IOTLB lookup (a fault before it, pass-through)
  if (c & 4) curve_.access(uint16_t(c >> 5), PageSize((c >> 3) & 3), address);
  else curve_.missWithoutFill();
}

bool CurveRunner::piece(const DmaRequest& r) {
  const uint32_t c = classOf(r);
  apply(c, r.address);
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
