// Vcpu: one virtual CPU pinned to one physical CPU, as KVM runs it with APICv and VT-d posted
// interrupts. It owns the physical CPU's LocalApic (the host side) and the guest's virtual
// APIC state (vIRR), and has a run state set by a scheduler: Running (in the guest),
// Preempted (runnable, not on the CPU), Blocked (halted, waiting for an interrupt).
// Interrupts arrive from the ApicFabric at their annotated time; the LAPIC takes them then,
// and the CPU's work on them (and on transitions) runs one piece after another:
//  - the notification vector (NV) while Running: posted-interrupt processing (SDM Vol. 3C,
//    "Posted-Interrupt Processing"): clear ON and move PIR into vIRR in one read-modify-write
//    of the descriptor, then the guest takes its pending vectors, highest first, each logged
//    with its time;
//  - NV while Preempted or Blocked: an ordinary host interrupt with nothing to do (KVM's
//    handler is empty); PIR stays and is synced when the vCPU runs;
//  - the wakeup vector while Blocked: the vCPU is woken (-> Running through the hook), then
//    synced as on any entry;
//  - any other vector: an ordinary host interrupt, accepted by the LocalApic and logged there.
// On every entry to Running, the vCPU syncs PIR into vIRR if ON is set (KVM's
// vmx_sync_pir_to_irr before VM entry). Every transition calls the transition hook first:
// that is where the KVM model switches SN, NV and NDST in the descriptor (and sets ON when
// it finds PIR non-empty on load, as vmx_vcpu_pi_load does), through memory().
// Descriptor layout: FS 8.5 (PIR 255:0, ON 256, SN 257, NV 279:272, NDST 319:288), read
// and written as model/interrupt/posted_descriptor.h's PostedDescriptor.
// Memory: the descriptor is reached through the mem_out initiator socket with b_transport
// (no wait in between the read and the write, hence atomic against the unit's posting, which
// also does its read-modify-write without yielding). A socket rather than the Memory's
// direct pointer: the latency this platform measures (MSI write -> guest takes the vector)
// includes the CPU's descriptor access, and memory statistics see it. The target must not
// call wait(): accesses are made from an SC_METHOD and from the scheduler's calls.
// Not modelled: vCPU migration between physical CPUs (NDST is always this APIC), more than
// one vCPU per physical CPU, the guest's handler time (it takes and EOIs vectors at once,
// or leaves them in vIRR after setGuestTakesInterrupts(false)), virtual TPR/PPR/ISR, the
// non-posted injection path (KVM injecting remapped interrupts into the guest).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <systemc>
#include <tlm>

#include "firmware/hal.h"
#include "platform/apic/apic_message.h"
#include "platform/apic/local_apic.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

enum class VcpuState : uint8_t { Running, Preempted, Blocked };
const char* vcpuStateName(VcpuState s);

struct GuestInterrupt {
  sc_core::sc_time time;  // when the guest took it (the end of the MSI -> delivery latency)
  uint8_t vector = 0;
};

struct VcpuStats {
  uint64_t host_interrupts = 0;            // messages given to the LocalApic
  uint64_t notifications = 0;              // notification-vector interrupts received
  uint64_t notifications_processed = 0;    // ... while Running: posted-interrupt processing
  uint64_t notifications_not_running = 0;  // ... while Preempted/Blocked (PIR synced later)
  uint64_t wakeups = 0;                    // wakeup vector while Blocked: woke the vCPU
  uint64_t spurious_wakeups = 0;           // wakeup vector while not Blocked
  uint64_t pir_syncs = 0;                  // descriptor read-modify-writes that moved PIR
  uint64_t pir_vectors_moved = 0;          // PIR bits moved into vIRR
  uint64_t descriptor_errors = 0;          // descriptor accesses the bus refused
  uint64_t guest_interrupts = 0;           // virtual interrupts the guest took
  uint64_t guest_log_dropped = 0;
  uint64_t runs = 0, preemptions = 0, blocks = 0;  // transitions into each state
};

class Vcpu : public sc_core::sc_module, public ApicTarget, private fw::PhysMemory {
 public:
  using TransitionHook = std::function<void(Vcpu&, VcpuState from, VcpuState to)>;
  static constexpr size_t kGuestLogCapacity = 4096;

  tlm_utils::simple_initiator_socket<Vcpu> mem_out;

  SC_HAS_PROCESS(Vcpu);
  Vcpu(const sc_core::sc_module_name& name, uint32_t apic_id, ApicMode mode = ApicMode::XApic,
       VcpuState initial = VcpuState::Preempted);

  // Posted interrupts: the descriptor (64-byte aligned) and the two host vectors.
  void setPostedInterrupts(uint64_t descriptor, uint8_t notification_vector, uint8_t wakeup_vector);
  bool postedInterrupts() const { return pi_enabled_; }
  uint64_t descriptorAddress() const { return descriptor_; }
  uint8_t notificationVector() const { return notification_vector_; }
  uint8_t wakeupVector() const { return wakeup_vector_; }
  void setTransitionHook(TransitionHook hook) { hook_ = std::move(hook); }
  // Off: synced vectors stay in vIRR (for inspection) until guestTakePending().
  void setGuestTakesInterrupts(bool on) { guest_takes_ = on; }

  // Scheduler requests; callable from any process or from sc_main between sc_start calls.
  // A request for the current state does nothing (no hook call). The hook must not request
  // transitions itself.
  void run() { request(VcpuState::Running); }
  void preempt() { request(VcpuState::Preempted); }
  void block() { request(VcpuState::Blocked); }
  VcpuState state() const { return state_; }
  // Notified (next delta cycle) after every state change, hook included: a scheduler waits on it
  // to see a blocked vCPU woken by the wakeup vector.
  const sc_core::sc_event& stateChanged() const { return state_changed_; }

  // The physical CPU's memory path (descriptor updates in the transition hook); its accesses
  // add to the time of the transition being made. Throws on a bus error, as HostCpu does.
  fw::PhysMemory& memory() { return *this; }
  // Queues an interrupt to this CPU itself (KVM's self-IPI of the wakeup vector when ON is
  // found set while blocking); handled in the next delta cycle.
  void sendSelfIpi(uint8_t vector);

  LocalApic& apic() { return apic_; }
  const LocalApic& localApic() const override { return apic_; }
  void deliver(const ApicMessage& m, const sc_core::sc_time& delay) override;

  const VectorSet& virr() const { return virr_; }
  // The guest takes every vIRR vector, highest first; returns how many.
  unsigned guestTakePending();
  const std::deque<GuestInterrupt>& guestLog() const { return guest_log_; }
  // Called for every interrupt the guest takes (the log keeps only the last 4096).
  void setGuestObserver(std::function<void(const GuestInterrupt&)> observer) {
    guest_observer_ = std::move(observer);
  }
  const VcpuStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void processArrivals();
  void handle(const ApicMessage& m);
  // The CPU does one thing at a time: work (a sync, a transition) starts when the previous
  // work's annotated time has passed, and delay_ carries it from there (LT timing).
  void beginWork();
  void endWork() { busy_until_ = sc_core::sc_time_stamp() + delay_; }
  unsigned takePending();
  void request(VcpuState to);
  void transition(VcpuState to);
  bool syncPir(bool only_if_on);
  bool access(::tlm::tlm_command cmd, uint64_t address, void* data, unsigned length);
  // fw::PhysMemory
  void read(uint64_t address, void* data, size_t length) override;
  void write(uint64_t address, const void* data, size_t length) override;

  LocalApic apic_;
  VcpuState state_;
  bool pi_enabled_ = false;
  uint64_t descriptor_ = 0;
  uint8_t notification_vector_ = 0, wakeup_vector_ = 0;
  bool guest_takes_ = true;
  TransitionHook hook_;
  std::function<void(const GuestInterrupt&)> guest_observer_;
  VectorSet virr_;
  std::deque<GuestInterrupt> guest_log_;
  std::multimap<sc_core::sc_time, ApicMessage> arrivals_;  // by arrival time, FIFO on ties
  sc_core::sc_event arrival_event_;
  sc_core::sc_event state_changed_;
  sc_core::sc_time delay_;       // annotated time of the work in progress, from now
  sc_core::sc_time busy_until_;  // when the last work ended
  ::tlm::tlm_generic_payload payload_;
  VcpuStats stats_;
};

}  // namespace vtd::platform
