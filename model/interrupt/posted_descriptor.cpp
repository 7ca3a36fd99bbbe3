// The posted-interrupt descriptor update (FS 8.5 "Posting semantics").
#include "model/interrupt/posted_descriptor.h"

namespace vtd {

PostResult postInterrupt(GuestMemory& memory, uint64_t address, uint8_t vector, bool urgent,
                         bool x2apic) {
  PostResult r;
  PostedDescriptor d;
  ++r.descriptor_reads;
  if (!d.read(memory, address)) {
    r.outcome = PostOutcome::ReadError;
    return r;
  }
  // 1. Set PIR[VV]; a bit already set coalesces with the pending request.
  r.pir_was_set = d.pir(vector);
  d.setPir(vector);
  // 2. Notify only when no notification is outstanding (ON = 0) and it is not suppressed:
  //    SN = 1 holds it back unless the IRTE marks the interrupt urgent.
  const bool notify = !d.on() && (urgent || !d.sn());
  if (notify) d.setOn(true);
  ++r.descriptor_writes;
  if (!d.write(memory, address)) {
    r.outcome = PostOutcome::WriteError;
    return r;
  }
  if (notify) {
    r.outcome = PostOutcome::Notified;
    // The notification is a physical-mode, fixed, edge interrupt with vector NV to NDST.
    r.notification.destination = d.notificationDestination(x2apic);
    r.notification.x2apic = x2apic;
    r.notification.vector = d.nv();
  } else {
    r.outcome = d.on() ? PostOutcome::AlreadyPending : PostOutcome::Suppressed;
  }
  return r;
}

}  // namespace vtd
