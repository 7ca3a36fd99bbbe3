// Vcpu: interrupt handling by run state, posted-interrupt processing, transitions.
#include "platform/apic/vcpu.h"

#include <stdexcept>

#include "model/common/stat_registry.h"
#include "model/interrupt/posted_descriptor.h"
#include "tlm/payload.h"

namespace vtd::platform {

const char* vcpuStateName(VcpuState s) {
  switch (s) {
    case VcpuState::Running:
      return "running";
    case VcpuState::Preempted:
      return "preempted";
    case VcpuState::Blocked:
      return "blocked";
  }
  return "?";
}

Vcpu::Vcpu(const sc_core::sc_module_name& name, uint32_t apic_id, ApicMode mode, VcpuState initial)
    : sc_module(name), mem_out("mem_out"), apic_(apic_id, mode), state_(initial) {
  SC_METHOD(processArrivals);
  sensitive << arrival_event_;
  dont_initialize();
}

void Vcpu::setPostedInterrupts(uint64_t descriptor, uint8_t notification_vector,
                               uint8_t wakeup_vector) {
  pi_enabled_ = true;
  descriptor_ = descriptor;
  notification_vector_ = notification_vector;
  wakeup_vector_ = wakeup_vector;
}

void Vcpu::deliver(const ApicMessage& m, const sc_core::sc_time& delay) {
  arrivals_.emplace(sc_core::sc_time_stamp() + delay, m);
  arrival_event_.notify(delay);  // an earlier pending notification wins; we re-arm below
}

void Vcpu::sendSelfIpi(uint8_t vector) {
  ApicMessage m;
  m.destination = apic_.id();
  m.vector = vector;
  deliver(m, sc_core::SC_ZERO_TIME);
}

void Vcpu::processArrivals() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  while (!arrivals_.empty() && arrivals_.begin()->first <= now) {
    const ApicMessage m = arrivals_.begin()->second;
    arrivals_.erase(arrivals_.begin());
    handle(m);
  }
  if (!arrivals_.empty()) arrival_event_.notify(arrivals_.begin()->first - now);
}

void Vcpu::handle(const ApicMessage& m) {
  // Only a fixed (or lowest-priority) message carries a vector the CPU dispatches on.
  const bool pi_vector = pi_enabled_ && m.fixedOrLowestPriority();
  if (pi_vector && m.vector == notification_vector_) {
    ++stats_.notifications;
    if (state_ != VcpuState::Running) {  // a host interrupt whose handler does nothing
      ++stats_.notifications_not_running;
      return;
    }
    ++stats_.notifications_processed;
    // The CPU, in the guest, recognises NV: clear ON, PIR -> vIRR (no ON check here).
    beginWork();
    if (syncPir(false) && guest_takes_) takePending();
    endWork();
  } else if (pi_vector && m.vector == wakeup_vector_) {
    if (state_ != VcpuState::Blocked) {
      ++stats_.spurious_wakeups;
      return;
    }
    ++stats_.wakeups;
    beginWork();
    transition(VcpuState::Running);
    endWork();
  } else {
    ++stats_.host_interrupts;
    apic_.accept(m, sc_core::sc_time_stamp());  // the LAPIC accepts while the CPU works
  }
}

void Vcpu::beginWork() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  delay_ = busy_until_ > now ? busy_until_ - now : sc_core::SC_ZERO_TIME;
}

void Vcpu::request(VcpuState to) {
  beginWork();
  transition(to);
  endWork();
}

void Vcpu::transition(VcpuState to) {
  if (state_ == to) return;
  const VcpuState from = state_;
  state_ = to;
  if (to == VcpuState::Running)
    ++stats_.runs;
  else if (to == VcpuState::Preempted)
    ++stats_.preemptions;
  else
    ++stats_.blocks;
  if (hook_) hook_(*this, from, to);
  state_changed_.notify(sc_core::SC_ZERO_TIME);
  if (to != VcpuState::Running) return;
  // VM entry: KVM moves PIR into vIRR when ON is set (vmx_sync_pir_to_irr), then the guest
  // takes what is pending, including vectors synced earlier.
  if (pi_enabled_) syncPir(true);
  if (guest_takes_) takePending();
}

// One locked read-modify-write of the descriptor: clear ON and PIR, OR PIR into vIRR.
bool Vcpu::syncPir(bool only_if_on) {
  PostedDescriptor d;  // FS 8.5 layout: PIR in quadwords 0-3, ON/SN/NV/NDST in quadword 4
  const unsigned bytes = unsigned(PostedDescriptor::kBytes);
  if (!access(::tlm::TLM_READ_COMMAND, descriptor_, d.qw.data(), bytes)) {
    ++stats_.descriptor_errors;
    return false;
  }
  if (only_if_on && !d.on()) return true;
  VectorSet pir;
  for (unsigned i = 0; i < 4; ++i) {
    pir.setWord(i, d.qw[i]);
    d.qw[i] = 0;
  }
  d.setOn(false);
  if (!access(::tlm::TLM_WRITE_COMMAND, descriptor_, d.qw.data(), bytes)) {
    ++stats_.descriptor_errors;
    return false;
  }
  ++stats_.pir_syncs;
  stats_.pir_vectors_moved += pir.count();
  virr_ |= pir;
  return true;
}

unsigned Vcpu::guestTakePending() {
  beginWork();
  const unsigned n = takePending();
  endWork();
  return n;
}

unsigned Vcpu::takePending() {
  unsigned n = 0;
  for (int v = virr_.highest(); v >= 0; v = virr_.highest()) {
    virr_.clear(uint8_t(v));
    if (guest_log_.size() >= kGuestLogCapacity) {
      guest_log_.pop_front();
      ++stats_.guest_log_dropped;
    }
    guest_log_.push_back({sc_core::sc_time_stamp() + delay_, uint8_t(v)});
    if (guest_observer_) guest_observer_(guest_log_.back());
    ++stats_.guest_interrupts;
    ++n;
  }
  return n;
}

bool Vcpu::access(::tlm::tlm_command cmd, uint64_t address, void* data, unsigned length) {
  tlm::fillPayload(payload_, cmd, address, static_cast<unsigned char*>(data), length);
  mem_out->b_transport(payload_, delay_);
  return payload_.is_response_ok();
}

void Vcpu::read(uint64_t address, void* data, size_t length) {
  if (!access(::tlm::TLM_READ_COMMAND, address, data, unsigned(length)))
    throw std::runtime_error(std::string(name()) + ": read outside memory");
}

void Vcpu::write(uint64_t address, const void* data, size_t length) {
  if (!access(::tlm::TLM_WRITE_COMMAND, address, const_cast<void*>(data), unsigned(length)))
    throw std::runtime_error(std::string(name()) + ": write outside memory");
}

void Vcpu::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "host_interrupts", stats_.host_interrupts, "interrupts",
               "interrupts to the host (neither the notification nor the wakeup vector)");
  r.addCounter(p + "notifications", stats_.notifications, "interrupts",
               "posted-interrupt notification vectors received");
  r.addCounter(p + "notifications_processed", stats_.notifications_processed, "interrupts",
               "notifications while running: posted-interrupt processing");
  r.addCounter(p + "notifications_not_running", stats_.notifications_not_running, "interrupts",
               "notifications while preempted or blocked (PIR synced at the next run)");
  r.addCounter(p + "wakeups", stats_.wakeups, "interrupts",
               "wakeup vectors that woke the blocked vCPU");
  r.addCounter(p + "spurious_wakeups", stats_.spurious_wakeups, "interrupts",
               "wakeup vectors while not blocked");
  r.addCounter(p + "pir_syncs", stats_.pir_syncs, "syncs",
               "descriptor read-modify-writes that moved PIR into vIRR");
  r.addCounter(p + "pir_vectors_moved", stats_.pir_vectors_moved, "vectors",
               "PIR bits moved into vIRR");
  r.addCounter(p + "descriptor_errors", stats_.descriptor_errors, "accesses",
               "descriptor accesses the bus refused");
  r.addCounter(p + "guest_interrupts", stats_.guest_interrupts, "interrupts",
               "virtual interrupts the guest took");
  r.addCounter(p + "guest_log_dropped", stats_.guest_log_dropped, "entries",
               "guest log entries dropped (log full)");
  r.addCounter(p + "runs", stats_.runs, "transitions", "transitions to running");
  r.addCounter(p + "preemptions", stats_.preemptions, "transitions", "transitions to preempted");
  r.addCounter(p + "blocks", stats_.blocks, "transitions", "transitions to blocked");
  apic_.describeStats(r, p + "apic.");
}

void Vcpu::resetStats() {
  stats_ = {};
  apic_.resetStats();
}

}  // namespace vtd::platform
