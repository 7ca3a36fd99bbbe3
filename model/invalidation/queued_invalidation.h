// QueuedInvalidation: the invalidation queue of one remapping unit (VT-d 3.x 6.5.2 and
// 10.4.22-10.4.28; FS 1.1, 3.1, 6.1-6.6, 6.12, 7.3, 7.5). Software writes descriptors into
// the queue at IQA, then advances IQT; hardware fetches from IQH, performs each
// descriptor, and advances IQH. State lives in the registers (IQH, IQT, IQA, ICS, IECTL,
// IQERCD, GSTS.QIES, FSTS.IQE); this class holds the rules.
//
// Timing: none. The queue is processed synchronously, inside the register write that makes
// work available (IQT write, GCMD.QIE set, FSTS.IQE cleared), so when that write returns
// IQH = IQT or an error stopped the queue. Every descriptor fetch is one 16-byte memory read
// and every status write one 4-byte memory write through GuestMemory (the TLM shell turns
// them into memory time); both are counted (inv_queue_fetches, inv_queue_status_writes).
//
// Modelled: 128-bit descriptors (IQA.DW = 0), queue sizes QS = 0..7 with wrap-around,
// context-cache and IOTLB descriptors through the unit's shared invalidation operations,
// the invalidation wait (status write, ICS.IWC and the completion event with IECTL's IM/IP
// rule, fence), queue errors (FSTS.IQE + IQERCD.IQEI, IQH left on the offending descriptor,
// no fetch until software clears IQE, then fetching resumes from IQH).
// Device-TLB invalidation (type 3, with ECAP.DT; FS 6.4, 6.12): forwarded through the
// DeviceTlbPort to the device that owns the SID. A request no device completes is an
// invalidation time-out: the waits that were waiting for it are aborted, so the first
// wait after it is fetched (IQH moves past it) but neither writes its status nor raises
// IWC; then FSTS.ITE is set with IQERCD.ITESID, a fault event is raised unless one is
// outstanding, and nothing more is fetched until software clears ITE (as for IQE). With no
// wait behind it, ITE is set once the queue is drained.
// Not modelled: 256-bit descriptors (DW=1 needs ECAP.SMTS: IQEI 5), PASID descriptors
// (refused, IQEI 3), invalid ATS completions (FSTS.ICE, IQERCD.ICESID never set), the
// page-request drain (PD, without ECAP.PDS reserved), time (a request completes or times
// out at once).
#pragma once

#include <cstdint>
#include <string>

#include "model/common/guest_memory.h"
#include "model/faults/event_interrupt.h"
#include "model/invalidation/invalidation_descriptor.h"
#include "model/invalidation/invalidation_handler.h"
#include "model/registers/register_file.h"

namespace vtd {

class StatRegistry;
struct UnitParams;
struct UnitStats;

class QueuedInvalidation {
 public:
  QueuedInvalidation(const UnitParams& params, RegisterFile& regs, GuestMemory& memory,
                     EventInterrupt& fault_event, InvalidationHandler& handler, UnitStats& stats);

  void setSink(InterruptSink* sink) { completion_event_.setSink(sink); }
  void setDeviceTlbPort(DeviceTlbPort* port) { device_tlb_port_ = port; }

  // GCMD.QIE changed (only called when it differs from GSTS.QIES; FS 3.2).
  void setEnabled(bool on);
  bool enabled() const;

  // Side effects of software writes (registered hooks; FS 1.1, 7.5).
  void onTailWrite();                                             // IQT_REG
  void onStatusWrite(uint64_t old_ics, uint64_t new_ics);         // ICS_REG (IWC is RW1C)
  void onEventControlWrite(uint64_t old_ctl, uint64_t new_ctl);   // IECTL_REG
  void onFaultStatusWrite(uint64_t old_fsts, uint64_t new_fsts);  // FSTS_REG (IQE, ITE: RW1C)

  // Observation.
  uint64_t queueBytes() const;  // 2^QS pages of 4 KiB
  const EventInterrupt& completionEvent() const { return completion_event_; }
  const DescriptorDecoder& decoder() const { return decoder_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { completion_event_.resetStats(); }

 private:
  void process();
  bool fetch(uint64_t address, uint64_t qw[2]);
  void execute(const DecodedDescriptor& d);
  void invalidationWait(const WaitDescriptor& w);
  void deviceTlbInvalidation(const DeviceTlbInvalidation& request);
  void queueError(QueueError e);
  void invalidationTimeout();

  RegisterFile& regs_;
  GuestMemory& memory_;
  EventInterrupt& fault_event_;
  InvalidationHandler& handler_;
  UnitStats& stats_;
  DescriptorDecoder decoder_;
  EventInterrupt completion_event_;  // IECTL / IEDATA / IEADDR / IEUADDR
  DeviceTlbPort* device_tlb_port_ = nullptr;
  bool timeout_pending_ = false;  // a device-TLB request went unanswered; ITE not yet set
  SourceId timeout_sid_;          // the first such request's SID (IQERCD.ITESID)
};

}  // namespace vtd
