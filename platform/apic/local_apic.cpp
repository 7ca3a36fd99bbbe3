// LocalApic: destination match, acceptance, priority, acknowledge and EOI (SDM Vol. 3A ch. 11).
#include "platform/apic/local_apic.h"

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
constexpr uint32_t kX2ApicBroadcast = 0xFFFF'FFFF;
constexpr uint32_t kXApicBroadcast = 0xFF;
}  // namespace

uint32_t LocalApic::logicalDestination() const {
  if (mode_ == ApicMode::XApic) return logical_id_;
  return (id_ >> 4) << 16 | 1u << (id_ & 0xF);
}

uint8_t LocalApic::ppr() const {
  // 11.8.3.1: PPR = TPR when TPR[7:4] >= ISRV[7:4], else ISRV[7:4] with a zero sub-class.
  const int isrv = isr_.highest();
  const uint8_t isr_class = isrv < 0 ? 0 : uint8_t(isrv & 0xF0);
  return (tpr_ & 0xF0) >= isr_class ? tpr_ : isr_class;
}

bool LocalApic::matches(const ApicMessage& m) const {
  if (mode_ == ApicMode::XApic) {
    // An xAPIC sees the 8-bit destination field only (11.6.2).
    const uint32_t d = m.destination & 0xFF;
    if (!m.logical) return d == kXApicBroadcast || d == (id_ & 0xFF);
    return (d & logical_id_) != 0;  // flat model (DFR = all ones): any common bit (11.6.2.2)
  }
  // x2APIC (11.12.10): physical 32-bit ID; logical cluster ID[31:16] + member bitmap[15:0].
  if (m.destination == kX2ApicBroadcast) return true;
  if (!m.logical) return m.destination == id_;
  const uint32_t ldr = logicalDestination();
  return (m.destination >> 16) == (ldr >> 16) && (m.destination & ldr & 0xFFFF) != 0;
}

Acceptance LocalApic::accept(const ApicMessage& m, const sc_core::sc_time& when) {
  if (!m.fixedOrLowestPriority()) {
    ++stats_.other_delivery_modes;
    return Acceptance::OtherDeliveryMode;
  }
  if (m.vector < 16) {  // 11.5.3: "received illegal vector" in ESR; the vector is dropped
    ++stats_.illegal_vectors;
    return Acceptance::IllegalVector;
  }
  const bool coalesced = irr_.test(m.vector);
  irr_.set(m.vector);
  if (m.level_triggered)
    tmr_.set(m.vector);
  else
    tmr_.clear(m.vector);
  ++stats_.accepted;
  if (coalesced) ++stats_.coalesced;
  if (log_.size() >= kLogCapacity) {
    log_.pop_front();
    ++stats_.log_dropped;
  }
  log_.push_back({when, m.vector, m.delivery_mode, m.level_triggered, coalesced});
  return coalesced ? Acceptance::Coalesced : Acceptance::Latched;
}

int LocalApic::pendingVector() const {
  const int v = irr_.highest();
  if (v < 0 || (v & 0xF0) <= (ppr() & 0xF0)) return -1;
  return v;
}

int LocalApic::acknowledge() {
  const int v = pendingVector();
  if (v < 0) return -1;
  irr_.clear(uint8_t(v));
  isr_.set(uint8_t(v));
  ++stats_.acknowledged;
  return v;
}

LocalApic::EoiResult LocalApic::eoi() {
  EoiResult r;
  r.vector = isr_.highest();
  if (r.vector < 0) {
    ++stats_.spurious_eois;
    return r;
  }
  const uint8_t v = uint8_t(r.vector);
  isr_.clear(v);
  ++stats_.eois;
  r.level_triggered = tmr_.test(v);
  // 11.8.5: the EOI of a level-triggered interrupt is broadcast to the I/O APICs.
  if (r.level_triggered && eoi_broadcast_) {
    ++stats_.eoi_broadcasts;
    eoi_broadcast_(v);
  }
  return r;
}

void LocalApic::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "accepted", stats_.accepted, "interrupts",
               "fixed/lowest-priority interrupts accepted into IRR (incl. coalesced)");
  r.addCounter(p + "coalesced", stats_.coalesced, "interrupts",
               "accepted interrupts whose vector was already pending in IRR");
  r.addCounter(p + "illegal_vectors", stats_.illegal_vectors, "messages",
               "fixed/lowest-priority messages with a vector 0-15 (dropped)");
  r.addCounter(p + "other_delivery_modes", stats_.other_delivery_modes, "messages",
               "SMI/NMI/INIT/ExtINT/reserved messages (counted, not acted on)");
  r.addCounter(p + "acknowledged", stats_.acknowledged, "interrupts",
               "interrupts acknowledged (IRR -> ISR)");
  r.addCounter(p + "eois", stats_.eois, "interrupts", "EOIs that retired an ISR vector");
  r.addCounter(p + "spurious_eois", stats_.spurious_eois, "writes", "EOIs with an empty ISR");
  r.addCounter(p + "eoi_broadcasts", stats_.eoi_broadcasts, "messages",
               "EOIs of level-triggered vectors broadcast to the I/O APICs");
  r.addCounter(p + "log_dropped", stats_.log_dropped, "entries",
               "accepted-interrupt log entries dropped (log full)");
}

}  // namespace vtd::platform
