// Primary fault logging (VT-d 3.x 7.2-7.3, FS 7.1, 7.2, 7.5): FRCD records written round
// robin across CAP.NFR+1 registers, FSTS.PFO/PPF/FRI maintained by hardware, the fault
// event raised when PPF becomes 1 with no other event outstanding. Optional collapsing
// of faults from a source that already has a pending record (allowed by the spec).
// Not modelled: advanced fault logging (CAP.AFL = 0).
#pragma once

#include <cstdint>

#include "model/common/types.h"
#include "model/faults/event_interrupt.h"
#include "model/registers/register_file.h"

namespace vtd {

// Everything a fault record holds (FS 7.2).
struct FaultInfo {
  FaultReason reason = FaultReason::None;
  SourceId source;
  uint64_t fault_info = 0;  // page address for DMA faults; index << 48 for IR faults
  AccessKind kind = AccessKind::Read;
  AddressType at = AddressType::Untranslated;
  bool pasid_present = false;
  uint32_t pasid = 0;
  bool privileged = false;
  bool execute = false;
  bool interrupt = false;  // interrupt-remapping fault: T and AT are not meaningful
};

enum class RecordOutcome : uint8_t { Recorded, DroppedOverflow, Collapsed };

class FaultRecorder {
 public:
  FaultRecorder(RegisterFile& regs, EventInterrupt& event, unsigned records, bool collapse,
                bool device_tlb);

  RecordOutcome record(const FaultInfo& f);

  // Hooks after software writes: FSTS (W1C of PFO etc.) and an FRCD high qword (F cleared).
  void onFstsWrite();
  void onFrcdHighWrite(uint64_t old_hi, uint64_t new_hi);

  unsigned pendingRecords() const { return pending_; }
  unsigned nextIndex() const { return next_; }
  void reset() { next_ = 0; pending_ = 0; }

  // Encoding of the high qword, shared with tests and diagnostics.
  static uint64_t encodeHigh(const FaultInfo& f, bool with_at);

 private:
  bool collapses(SourceId sid) const;
  void retireEventIfIdle();

  RegisterFile& regs_;
  EventInterrupt& event_;
  unsigned records_;
  bool collapse_;
  bool device_tlb_;
  unsigned next_ = 0;
  unsigned pending_ = 0;  // records with F=1 (PPF = pending_ != 0)
};

}  // namespace vtd
