// PostedInterruptPolicy: what KVM does to a vCPU's posted-interrupt descriptor (FS 8.5) as
// the vCPU changes state, so that interrupts posted by the remapping unit reach it:
//  - creation (vmx_vcpu_reset): NV = notification vector, SN = 1 until the vCPU first runs;
//  - onRun (vmx_vcpu_pi_load): NDST = this CPU's APIC ID (xAPIC: NDST[15:8]; x2APIC: all
//    32 bits), NV = notification vector, SN = 0; then, if PIR holds anything (posted while
//    notifications were suppressed), ON = 1 so the entry sync moves it into the vIRR;
//  - onPreempt (vmx_vcpu_pi_put of a preempted vCPU): SN = 1, postings only accumulate;
//  - onBlock (pi_enable_wakeup_handler): NV = wakeup vector, SN = 0, so the next posting
//    wakes the vCPU; if ON is already set, a notification went out on the old vector
//    before the switch and the caller must send itself the wakeup vector.
// Atomicity: the unit sets PIR bits and ON in one locked read-modify-write of its own;
// KVM changes the control quadword (bits 319:256) with cmpxchg and ON with a locked bit
// set. Here every control change is one 8-byte read of quadword 4 and one 8-byte write
// back, with no other access in between: the HAL makes each access atomic (hal.h) and the
// platform's vCPU does not yield between two of them, so no posting can land between the
// read and the write and have its ON overwritten with a stale 0. PIR is never written here
// (only read), so bits the unit posts meanwhile are never lost.
// SystemC-free, over fw::PhysMemory; layout from interrupt_regs.h.
// Not modelled: vCPU migration bookkeeping (the per-CPU wakeup lists), KVM's fast path that
// skips the update when neither CPU nor NV changed (the full update is equivalent),
// the non-posted fallback when a vCPU has no assigned device.
#pragma once

#include <cstdint>

#include "firmware/hal.h"

namespace vtd::fw {

class PostedInterruptPolicy {
 public:
  // Linux's POSTED_INTR_VECTOR and POSTED_INTR_WAKEUP_VECTOR.
  static constexpr uint8_t kNotificationVector = 0xF2;
  static constexpr uint8_t kWakeupVector = 0xF1;

  // `x2apic` must match the unit's IRTA.EIME (InterruptRemapping::x2apic()): it decides
  // how the unit reads NDST.
  explicit PostedInterruptPolicy(bool x2apic = false,
                                 uint8_t notification_vector = kNotificationVector,
                                 uint8_t wakeup_vector = kWakeupVector)
      : x2apic_(x2apic), notification_(notification_vector), wakeup_(wakeup_vector) {}

  // Writes a fresh 64-byte descriptor: PIR empty, ON = 0, SN = 1, NV = notification vector,
  // NDST = `apic_id`. Throws std::invalid_argument for a descriptor that is not 64-byte
  // aligned or an APIC ID that does not fit the mode (xAPIC: 8 bits), here and below.
  void initDescriptor(PhysMemory& memory, uint64_t descriptor, uint32_t apic_id) const;

  // -> Running. Returns whether PIR was non-empty (ON is then set).
  bool onRun(PhysMemory& memory, uint64_t descriptor, uint32_t apic_id) const;
  // -> Preempted.
  void onPreempt(PhysMemory& memory, uint64_t descriptor) const;
  // -> Blocked. Returns true when ON was already set: send the wakeup vector to this CPU.
  bool onBlock(PhysMemory& memory, uint64_t descriptor) const;

  bool x2apic() const { return x2apic_; }
  uint8_t notificationVector() const { return notification_; }
  uint8_t wakeupVector() const { return wakeup_; }
  // The control quadword's NDST field for `apic_id` in this mode.
  uint64_t ndstBits(uint32_t apic_id) const;

 private:
  template <class Change>
  uint64_t updateControl(PhysMemory& memory, uint64_t descriptor, Change change) const;

  bool x2apic_;
  uint8_t notification_;
  uint8_t wakeup_;
};

}  // namespace vtd::fw
