// Fault recording procedure (FS 7.5, "Primary fault recording").
#include "model/faults/fault_recorder.h"

#include "model/common/bits.h"
#include "model/registers/register_map.h"
#include "model/registers/register_table.h"

namespace vtd {

using namespace reg;

FaultRecorder::FaultRecorder(RegisterFile& regs, EventInterrupt& event, unsigned records,
                             bool collapse, bool device_tlb)
    : regs_(regs), event_(event), records_(records), collapse_(collapse), device_tlb_(device_tlb) {}

uint64_t FaultRecorder::encodeHigh(const FaultInfo& f, bool with_at) {
  uint64_t hi = frcd::F;
  hi = setBits(hi, frcd::kSidHi, frcd::kSidLo, f.source.value);
  hi = setBits(hi, frcd::kFrHi, frcd::kFrLo, uint64_t(f.reason));
  if (f.pasid_present) {
    hi |= frcd::PP;
    hi = setBits(hi, frcd::kPvHi, frcd::kPvLo, f.pasid & 0xFFFFF);
    if (f.privileged) hi |= frcd::PRIV;
    if (f.execute) hi |= frcd::EXE;
  }
  if (!f.interrupt) {
    if (f.kind == AccessKind::Read) hi |= frcd::T;  // T: 0 write, 1 read
    if (with_at) hi = setBits(hi, frcd::kAtHi, frcd::kAtLo, uint64_t(f.at));
  }
  return hi;
}

bool FaultRecorder::collapses(SourceId sid) const {
  for (unsigned i = 0; i < records_; ++i) {
    const uint64_t hi = regs_.get(frcdHigh(i));
    if ((hi & frcd::F) && getBits(hi, frcd::kSidHi, frcd::kSidLo) == sid.value) return true;
  }
  return false;
}

RecordOutcome FaultRecorder::record(const FaultInfo& f) {
  const uint64_t fsts = regs_.get(R_FSTS);
  // 1. While PFO is set nothing new is recorded.
  if (fsts & fsts::PFO) return RecordOutcome::DroppedOverflow;
  // 2. Optional collapse of a fault from a source with a pending record.
  if (collapse_ && pending_ && collapses(f.source)) return RecordOutcome::Collapsed;
  // 3. The next record in round-robin order must be free, otherwise overflow.
  const unsigned idx = next_;
  if (regs_.get(frcdHigh(idx)) & frcd::F) {
    regs_.set(R_FSTS, fsts | fsts::PFO);
    return RecordOutcome::DroppedOverflow;
  }
  // 4. Fill the record; F last.
  regs_.set(frcdLow(idx), f.fault_info & ~0xFFFull);
  regs_.set(frcdHigh(idx), encodeHigh(f, device_tlb_));
  next_ = (idx + 1) % records_;
  ++pending_;
  // 5. PPF 0 -> 1 latches FRI; the event is new only if no related status was set.
  uint64_t next_fsts = fsts;
  if (!(fsts & fsts::PPF)) {
    next_fsts = setBits(next_fsts, fsts::kFriHi, fsts::kFriLo, idx) | fsts::PPF;
  }
  regs_.set(R_FSTS, next_fsts);
  if (!(fsts & fsts::kEventSources)) event_.raise();
  return RecordOutcome::Recorded;
}

void FaultRecorder::retireEventIfIdle() {
  if (!(regs_.get(R_FSTS) & fsts::kEventSources)) event_.clearPending();
}

void FaultRecorder::onFstsWrite() { retireEventIfIdle(); }

void FaultRecorder::onFrcdHighWrite(uint64_t old_hi, uint64_t new_hi) {
  if (!(old_hi & frcd::F) || (new_hi & frcd::F)) return;
  if (pending_ > 0 && --pending_ == 0)
    regs_.set(R_FSTS, regs_.get(R_FSTS) & ~uint64_t(fsts::PPF));
  retireEventIfIdle();
}

}  // namespace vtd
