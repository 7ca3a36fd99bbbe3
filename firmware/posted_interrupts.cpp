// KVM's posted-interrupt descriptor policy (FS 8.5; see posted_interrupts.h).
#include "firmware/posted_interrupts.h"

#include <stdexcept>
#include <string>

#include "firmware/interrupt_regs.h"
#include "firmware/text_format.h"

namespace vtd::fw {

using namespace regs;

namespace {
void checkAligned(uint64_t descriptor) {
  if (descriptor % pid::kBytes != 0)
    throw std::invalid_argument("posted-interrupt descriptor " + hexText(descriptor) +
                                " is not 64-byte aligned (FS 8.5)");
}
}  // namespace

// xAPIC: the 8-bit ID in NDST[15:8] (bits 47:40 of the control quadword), the rest 0;
// x2APIC: the full 32-bit ID (FS 8.5).
uint64_t PostedInterruptPolicy::ndstBits(uint32_t apic_id) const {
  if (x2apic_) return pid::NDST.make(apic_id);
  if (apic_id > 0xFF)
    throw std::invalid_argument("APIC ID " + hexText(apic_id) + " does not fit xAPIC mode");
  return pid::NDST_XAPIC.make(apic_id);
}

// One read and one write of quadword 4, nothing in between (see the header).
template <class Change>
uint64_t PostedInterruptPolicy::updateControl(PhysMemory& memory, uint64_t descriptor,
                                              Change change) const {
  const uint64_t address = descriptor + pid::kControl;
  const uint64_t old = memory.read64(address);
  const uint64_t next = change(old);
  if (next != old) memory.write64(address, next);
  return next;
}

void PostedInterruptPolicy::initDescriptor(PhysMemory& memory, uint64_t descriptor,
                                           uint32_t apic_id) const {
  checkAligned(descriptor);
  uint64_t qw[pid::kBytes / 8] = {};
  qw[pid::kControl / 8] = pid::SN | pid::NV.make(notification_) | ndstBits(apic_id);
  memory.write(descriptor, qw, sizeof qw);
}

// vmx_vcpu_pi_load: SN is cleared before PIR is read, so a posting that the read misses
// sees SN = 0 and notifies by itself; one that the read catches is flagged with ON for
// the entry sync. The other order would strand a posting made between the two steps.
bool PostedInterruptPolicy::onRun(PhysMemory& memory, uint64_t descriptor, uint32_t apic_id) const {
  checkAligned(descriptor);
  const uint64_t ndst = ndstBits(apic_id);
  updateControl(memory, descriptor, [this, ndst](uint64_t c) {
    c = (c & ~pid::NDST.mask()) | ndst;
    c = pid::NV.with(c, notification_);
    return c & ~pid::SN;
  });
  uint64_t pir[pid::kPirBytes / 8] = {};
  memory.read(descriptor, pir, sizeof pir);
  if ((pir[0] | pir[1] | pir[2] | pir[3]) == 0) return false;
  updateControl(memory, descriptor, [](uint64_t c) { return c | pid::ON; });
  return true;
}

// vmx_vcpu_pi_put for a preempted vCPU: only SN. NV and NDST stay as they are (after a
// block NV is still the wakeup vector; only onRun restores it, as in KVM).
void PostedInterruptPolicy::onPreempt(PhysMemory& memory, uint64_t descriptor) const {
  checkAligned(descriptor);
  updateControl(memory, descriptor, [](uint64_t c) { return c | pid::SN; });
}

// pi_enable_wakeup_handler: ON is judged on the value the exchange wrote, i.e. atomically
// with the switch of NV; an ON set before it came with a notification on the old vector,
// which a blocked vCPU ignores, hence the self-IPI.
bool PostedInterruptPolicy::onBlock(PhysMemory& memory, uint64_t descriptor) const {
  checkAligned(descriptor);
  const uint64_t written = updateControl(
      memory, descriptor, [this](uint64_t c) { return pid::NV.with(c, wakeup_) & ~pid::SN; });
  return (written & pid::ON) != 0;
}

}  // namespace vtd::fw
