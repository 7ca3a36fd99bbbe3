// VcpuScheduler: the host scheduler's view of one vCPU in the default scenario, enough to
// drive KVM's posted-interrupt flow through every transition: the vCPU runs for a random
// time slice (exponential, mean run_ns), then is either preempted (with probability
// preempt_fraction; runnable again after an exponential time, mean preempt_ns) or halts
// (the guest's idle loop: Blocked until the wakeup vector wakes it or its timer fires
// halt_timeout_ns later). The Vcpu does the work of each transition (its hook updates the
// posted-interrupt descriptor); this module only decides when. Seeded, so runs repeat.
// Not modelled: a run queue shared with other tasks, vCPU migration, the guest's own
// reasons to exit (every exit here is a preemption or a halt).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <systemc>

#include "platform/apic/vcpu.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct VcpuScheduleParams {
  uint64_t run_ns = 20000;          // mean time slice in the guest
  uint64_t preempt_ns = 5000;       // mean time a preempted vCPU waits for its CPU
  double preempt_fraction = 0.5;    // share of slices that end in a preemption (others halt)
  uint64_t halt_timeout_ns = 100000;  // a halted guest's timer wakes it after this
  uint64_t seed = 1;
};

struct VcpuScheduleStats {
  uint64_t slices = 0;           // times the scheduler (or a wakeup) put the vCPU in the guest
  uint64_t preemptions = 0, halts = 0;
  uint64_t interrupt_wakeups = 0;  // halts ended by the wakeup vector (posted interrupt)
  uint64_t timer_wakeups = 0;      // halts ended by the guest's timer
  uint64_t running_ps = 0, preempted_ps = 0, blocked_ps = 0;
};

class VcpuScheduler : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(VcpuScheduler);
  VcpuScheduler(const sc_core::sc_module_name& name, Vcpu& vcpu, const VcpuScheduleParams& params);

  // Puts the vCPU in the guest and starts scheduling it (from any process).
  void start();
  // Ends scheduling: the vCPU enters the guest a last time (synchronising PIR, so every
  // posted vector is taken) and stays there. Callable from any process.
  void stop();
  const VcpuScheduleStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = {}; }

 private:
  void thread();
  sc_core::sc_time exponential(uint64_t mean_ns);
  void account(VcpuState state, const sc_core::sc_time& from);

  Vcpu& vcpu_;
  VcpuScheduleParams params_;
  std::mt19937_64 rng_;
  bool started_ = false, stopped_ = false;
  sc_core::sc_event start_event_, stop_event_;
  sc_core::sc_time state_since_;
  VcpuScheduleStats stats_;
};

}  // namespace vtd::platform
