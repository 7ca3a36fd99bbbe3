// LocalApic: the interrupt-acceptance state of one CPU's local APIC (Intel SDM Vol. 3A ch. 11):
// the destination match of an interrupt message (physical ID or broadcast; logical in the
// xAPIC flat model or the x2APIC cluster model), IRR/ISR/TMR, the processor priority (TPR,
// PPR), acknowledge (IRR -> ISR of the highest deliverable vector), EOI (clears the highest
// ISR bit; a level-triggered vector is broadcast to the I/O APICs through a hook), and a
// bounded log of accepted messages with their times. Fixed and lowest-priority messages
// latch their vector; vectors 0-15 are illegal (11.5.3: counted, never latched); SMI, NMI,
// INIT, ExtINT and the reserved modes are counted, not acted on.
// Not modelled: the timer, LVT entries, ESR, IPIs sent by this APIC, the xAPIC cluster model
// (DFR = 0x0), suppress-EOI-broadcast, arbitration priority (the fabric picks the
// lowest-priority target by PPR). Plain class, no SystemC process: a Vcpu owns one.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <systemc>

#include "platform/apic/apic_message.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

enum class ApicMode : uint8_t { XApic, X2Apic };

enum class Acceptance : uint8_t {
  Latched,        // a new IRR bit
  Coalesced,      // the vector was already pending in IRR: merged with it
  IllegalVector,  // fixed/lowest priority with a vector 0-15
  OtherDeliveryMode,
};

struct ApicLogEntry {
  sc_core::sc_time time;
  uint8_t vector = 0;
  uint8_t delivery_mode = 0;
  bool level_triggered = false;
  bool coalesced = false;
};

struct LocalApicStats {
  uint64_t accepted = 0;  // fixed/lowest-priority messages latched or coalesced
  uint64_t coalesced = 0;
  uint64_t illegal_vectors = 0;
  uint64_t other_delivery_modes = 0;
  uint64_t acknowledged = 0;
  uint64_t eois = 0;
  uint64_t spurious_eois = 0;   // EOI with an empty ISR
  uint64_t eoi_broadcasts = 0;  // EOIs of level-triggered vectors sent to the I/O APICs
  uint64_t log_dropped = 0;     // log entries dropped because the log was full
};

class LocalApic {
 public:
  static constexpr size_t kLogCapacity = 4096;
  using EoiBroadcast = std::function<void(uint8_t vector)>;

  explicit LocalApic(uint32_t id, ApicMode mode = ApicMode::XApic) : id_(id), mode_(mode) {}

  uint32_t id() const { return id_; }
  ApicMode mode() const { return mode_; }
  void setMode(ApicMode mode) { mode_ = mode; }
  // xAPIC flat model: the 8-bit logical ID (LDR bits 31:24), 0 at reset (matches nothing).
  void setLogicalId(uint8_t ldr) { logical_id_ = ldr; }
  // The logical destination: xAPIC the 8-bit LDR; x2APIC the derived cluster ID << 16 |
  // 1 << (ID[3:0]) (SDM 11.12.10.2; read-only in x2APIC mode).
  uint32_t logicalDestination() const;
  void setTpr(uint8_t tpr) { tpr_ = tpr; }
  uint8_t tpr() const { return tpr_; }
  uint8_t ppr() const;  // SDM 11.8.3.1

  // Whether a message's destination selects this APIC, as interpreted in this APIC's mode.
  bool matches(const ApicMessage& m) const;
  // Accepts a message the fabric routed here (the destination is not checked again).
  Acceptance accept(const ApicMessage& m, const sc_core::sc_time& when);

  bool irr(uint8_t v) const { return irr_.test(v); }
  bool isr(uint8_t v) const { return isr_.test(v); }
  bool tmr(uint8_t v) const { return tmr_.test(v); }
  int highestIrr() const { return irr_.highest(); }
  int highestIsr() const { return isr_.highest(); }
  // The vector the CPU would take now: the highest IRR vector whose priority class is above
  // PPR's (SDM 11.8.3), or -1.
  int pendingVector() const;
  // INTA: moves pendingVector() from IRR to ISR and returns it (-1: nothing deliverable).
  int acknowledge();
  struct EoiResult {
    int vector = -1;  // the ISR vector retired, -1 when ISR was empty
    bool level_triggered = false;
  };
  // EOI: retires the highest ISR vector; a level-triggered one (TMR) is broadcast.
  EoiResult eoi();
  void setEoiBroadcast(EoiBroadcast hook) { eoi_broadcast_ = std::move(hook); }

  const std::deque<ApicLogEntry>& log() const { return log_; }
  const LocalApicStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = {}; }

 private:
  uint32_t id_;
  ApicMode mode_;
  uint8_t logical_id_ = 0;
  uint8_t tpr_ = 0;
  VectorSet irr_, isr_, tmr_;
  EoiBroadcast eoi_broadcast_;
  std::deque<ApicLogEntry> log_;
  LocalApicStats stats_;
};

// An endpoint on the APIC bus: what the fabric routes messages to. `deliver` is called
// when the message left its sender, `delay` later it arrives (LT annotated time).
class ApicTarget {
 public:
  virtual ~ApicTarget() = default;
  virtual const LocalApic& localApic() const = 0;
  virtual void deliver(const ApicMessage& m, const sc_core::sc_time& delay) = 0;
};

}  // namespace vtd::platform
