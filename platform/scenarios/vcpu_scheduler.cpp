// VcpuScheduler: time slices, preemptions and halts of one vCPU.
#include "platform/scenarios/vcpu_scheduler.h"

#include "model/common/stat_registry.h"

namespace vtd::platform {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

VcpuScheduler::VcpuScheduler(const sc_core::sc_module_name& name, Vcpu& vcpu,
                             const VcpuScheduleParams& params)
    : sc_module(name), vcpu_(vcpu), params_(params), rng_(params.seed) {
  SC_THREAD(thread);
}

void VcpuScheduler::start() {
  if (started_) return;
  started_ = true;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void VcpuScheduler::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_event_.notify(sc_core::SC_ZERO_TIME);
  if (vcpu_.state() != VcpuState::Running) {
    account(vcpu_.state(), state_since_);
    state_since_ = sc_time_stamp();
    ++stats_.slices;
    vcpu_.run();
  }
}

sc_time VcpuScheduler::exponential(uint64_t mean_ns) {
  if (mean_ns == 0) return sc_core::SC_ZERO_TIME;
  std::exponential_distribution<double> d(1.0 / double(mean_ns));
  return sc_time(d(rng_), sc_core::SC_NS);
}

void VcpuScheduler::account(VcpuState state, const sc_time& from) {
  const uint64_t ps = uint64_t((sc_time_stamp() - from).to_seconds() * 1e12 + 0.5);
  switch (state) {
    case VcpuState::Running: stats_.running_ps += ps; break;
    case VcpuState::Preempted: stats_.preempted_ps += ps; break;
    case VcpuState::Blocked: stats_.blocked_ps += ps; break;
  }
}

void VcpuScheduler::thread() {
  if (!started_) wait(start_event_);
  if (stopped_) return;
  state_since_ = sc_time_stamp();
  ++stats_.slices;
  vcpu_.run();
  while (!stopped_) {
    const VcpuState state = vcpu_.state();
    if (state == VcpuState::Running) {
      wait(exponential(params_.run_ns), stop_event_);
      if (stopped_) break;
      account(state, state_since_);
      state_since_ = sc_time_stamp();
      if (std::bernoulli_distribution(params_.preempt_fraction)(rng_)) {
        ++stats_.preemptions;
        vcpu_.preempt();
      } else {
        ++stats_.halts;
        vcpu_.block();
      }
    } else if (state == VcpuState::Preempted) {
      wait(exponential(params_.preempt_ns), stop_event_);
      if (stopped_) break;
      account(state, state_since_);
      state_since_ = sc_time_stamp();
      ++stats_.slices;
      vcpu_.run();
    } else {
      // Halted: the wakeup vector moves the vCPU to Running itself (Vcpu::handle); the
      // timer is the scheduler's to fire. stateChanged also fires for our own block(), so
      // the state is checked again on each wake.
      const sc_time deadline = sc_time_stamp() + sc_time(double(params_.halt_timeout_ns), sc_core::SC_NS);
      while (!stopped_ && vcpu_.state() == VcpuState::Blocked && sc_time_stamp() < deadline)
        wait(deadline - sc_time_stamp(), vcpu_.stateChanged() | stop_event_);
      if (stopped_) break;
      account(state, state_since_);
      state_since_ = sc_time_stamp();
      ++stats_.slices;
      if (vcpu_.state() == VcpuState::Blocked) {
        ++stats_.timer_wakeups;
        vcpu_.run();
      } else {
        ++stats_.interrupt_wakeups;
      }
    }
  }
}

void VcpuScheduler::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "slices", stats_.slices, "entries", "times the vCPU entered the guest (scheduled, woken by an interrupt or by its timer)");
  r.addCounter(p + "preemptions", stats_.preemptions, "exits", "time slices that ended in a preemption");
  r.addCounter(p + "halts", stats_.halts, "exits", "time slices that ended with the guest halting (vCPU blocked)");
  r.addCounter(p + "interrupt_wakeups", stats_.interrupt_wakeups, "wakeups", "halts ended by the posted-interrupt wakeup vector");
  r.addCounter(p + "timer_wakeups", stats_.timer_wakeups, "wakeups", "halts ended by the guest's timer");
  r.addCounter(p + "running_ps", stats_.running_ps, "ps", "time the vCPU spent in the guest");
  r.addCounter(p + "preempted_ps", stats_.preempted_ps, "ps", "time the vCPU spent preempted");
  r.addCounter(p + "blocked_ps", stats_.blocked_ps, "ps", "time the vCPU spent halted");
}

}  // namespace vtd::platform
