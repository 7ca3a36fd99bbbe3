// DeviceInterrupts: IRTE set-up per delivery mode, KVM's posted-interrupt hook, checks.
#include "platform/scenarios/device_interrupts.h"

#include <algorithm>

#include "firmware/interrupt_remapping.h"

namespace vtd::platform {

namespace {
constexpr uint64_t kCompatibilityMsi = 0xFEE0'0000;  // xAPIC, physical, destination 0

InterruptDelivery resolve(InterruptDelivery asked, const SimConfig& c) {
  if (asked != InterruptDelivery::Auto) return asked;
  const UnitParams& u = c.unit.unit;
  if (u.posted_interrupts && u.queued_invalidation && c.platform.vcpus > 0)
    return InterruptDelivery::Posted;
  if (u.interrupt_remapping && u.queued_invalidation) return InterruptDelivery::Remapped;
  return InterruptDelivery::Direct;
}
}  // namespace

const char* interruptDeliveryName(InterruptDelivery d) {
  switch (d) {
    case InterruptDelivery::Auto: return "auto";
    case InterruptDelivery::Posted: return "posted";
    case InterruptDelivery::Remapped: return "remapped";
    case InterruptDelivery::Direct: return "direct";
  }
  return "?";
}

DeviceInterrupts::DeviceInterrupts(VtdPlatform& platform, const ScenarioParams& params)
    : platform_(platform),
      params_(params),
      mode_(resolve(params.interrupts, platform.config())),
      policy_(platform.config().platform.x2apic) {
  if (mode_ == InterruptDelivery::Posted && !platform.vcpus.empty()) {
    VcpuScheduleParams s;
    s.run_ns = params.vcpu_run_ns;
    s.preempt_ns = params.vcpu_preempt_ns;
    s.preempt_fraction = params.vcpu_preempt_fraction;
    s.halt_timeout_ns = params.vcpu_halt_timeout_ns;
    s.seed = params.seed;
    scheduler_ = std::make_unique<VcpuScheduler>("vcpu0_scheduler", *platform.vcpus[0], s);
    const uint8_t vector = uint8_t(params.device_vector);
    platform.vcpus[0]->setGuestObserver([this, vector](const GuestInterrupt& g) {
      if (g.vector == vector) delivered(g.time);
    });
  }
  if (!platform.devices.empty())
    platform.devices[0]->setMsiObserver([this](const sc_core::sc_time& t) { issued_.push_back(t); });
}

// Called in simulation order: every MSI issued so far has already been posted (or sent) by
// the unit, inside the device's own call, so this delivery ends all of their waits. With
// temporal decoupling the device runs up to a quantum ahead of the vCPU, so a delivery can
// carry an earlier time than the issue it ends: those count as 0 and are counted apart.
void DeviceInterrupts::delivered(const sc_core::sc_time& when) {
  for (const sc_core::sc_time& issued : issued_) {
    if (when >= issued) {
      latencies_ns_.push_back((when - issued).to_seconds() * 1e9);
    } else {
      latencies_ns_.push_back(0.0);
      ++latency_.before_issue;
    }
  }
  issued_.clear();
}

std::string DeviceInterrupts::setUp(fw::VtdDriver& driver, fw::PhysAllocator& allocator,
                                    uint16_t device_sid) {
  if (mode_ == InterruptDelivery::Direct) {
    msi_address_ = kCompatibilityMsi | uint64_t(VtdPlatform::kHostApicId) << 12;
    msi_data_ = params_.device_vector;
    return {};
  }
  fw::InterruptRemappingOptions options;
  options.x2apic = platform_.config().platform.x2apic;
  if (auto s = driver.enableInterruptRemapping(options); !s) return "interrupt remapping: " + s.error;
  fw::InterruptRemapping& ir = driver.interruptRemapping();
  const auto index = ir.allocate();
  if (!index) return "no free interrupt-remapping table entry";
  const fw::SourceCheck source = fw::SourceCheck::requester(device_sid);
  if (mode_ == InterruptDelivery::Remapped) {
    fw::RemappedEntry e;
    e.vector = uint8_t(params_.device_vector);
    e.destination = VtdPlatform::kHostApicId;
    e.source = source;
    if (auto s = ir.setRemapped(*index, e); !s) return "remapped IRTE: " + s.error;
  } else {
    // KVM: the descriptor (one per vCPU, 64-byte aligned) with NV and SN = 1 until the vCPU
    // first runs; the hook keeps it in step with the vCPU; the IRTE posts the guest vector.
    Vcpu& vcpu = *platform_.vcpus[0];
    descriptor_ = allocator.allocate(64, 64);
    fw::PhysMemory& memory = vcpu.memory();
    policy_.initDescriptor(memory, descriptor_, vcpu.localApic().id());
    vcpu.setPostedInterrupts(descriptor_, policy_.notificationVector(), policy_.wakeupVector());
    vcpu.setTransitionHook([this](Vcpu& v, VcpuState, VcpuState to) {
      fw::PhysMemory& m = v.memory();
      switch (to) {
        case VcpuState::Running: policy_.onRun(m, v.descriptorAddress(), v.localApic().id()); break;
        case VcpuState::Preempted: policy_.onPreempt(m, v.descriptorAddress()); break;
        case VcpuState::Blocked:
          if (policy_.onBlock(m, v.descriptorAddress())) v.sendSelfIpi(v.wakeupVector());
          break;
      }
    });
    fw::PostedEntry e;
    e.vector = uint8_t(params_.device_vector);
    e.descriptor = descriptor_;
    e.source = source;
    if (auto s = ir.setPosted(*index, e); !s) return "posted IRTE: " + s.error;
    scheduler_->start();
  }
  const fw::MsiMessage m = fw::InterruptRemapping::msiFor(*index);
  msi_address_ = m.address;
  msi_data_ = m.data;
  return {};
}

uint64_t DeviceInterrupts::guestInterrupts() const {
  return platform_.vcpus.empty() ? 0 : platform_.vcpus[0]->stats().guest_interrupts;
}

void DeviceInterrupts::finish(uint64_t device_msis, uint64_t host_interrupts,
                              std::vector<std::string>& problems) {
  if (scheduler_) scheduler_->stop();
  if (!latencies_ns_.empty()) {
    std::vector<double>& v = latencies_ns_;
    std::sort(v.begin(), v.end());
    latency_.count = v.size();
    double sum = 0;
    for (double x : v) sum += x;
    latency_.mean_ns = sum / double(v.size());
    latency_.p50_ns = v[(v.size() - 1) / 2];
    latency_.p99_ns = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.99))];
    latency_.max_ns = v.back();
  }
  if (!issued_.empty())
    problems.push_back(std::to_string(issued_.size()) + " device MSIs were never delivered");
  if (mode_ != InterruptDelivery::Posted) {
    if (host_interrupts != device_msis)
      problems.push_back("the host took " + std::to_string(host_interrupts) + " of " +
                         std::to_string(device_msis) + " device MSIs");
    return;
  }
  // Posted: every MSI set the vector in PIR; postings while it was still pending merge
  // (as in an APIC's IRR), so the guest takes between 1 and device_msis of them, and after
  // the last entry nothing may be left in the descriptor or the vIRR.
  Vcpu& vcpu = *platform_.vcpus[0];
  const uint64_t taken = vcpu.stats().guest_interrupts;
  if (device_msis > 0 && (taken == 0 || taken > device_msis))
    problems.push_back("the guest took " + std::to_string(taken) + " interrupts for " +
                       std::to_string(device_msis) + " posted MSIs");
  for (const GuestInterrupt& g : vcpu.guestLog())
    if (g.vector != params_.device_vector)
      problems.push_back("the guest took unexpected vector " + std::to_string(g.vector));
  if (vcpu.virr().any()) problems.push_back("vectors left in the vCPU's vIRR at the end");
  uint64_t pir = 0;  // read directly: a check, not a CPU access
  if (const uint8_t* d = platform_.memory.hostPointer(descriptor_, 32))
    for (unsigned i = 0; i < 32; ++i) pir |= d[i];
  if (pir) problems.push_back("vectors left in the posted-interrupt descriptor's PIR at the end");
  if (host_interrupts != 0)
    problems.push_back(std::to_string(host_interrupts) + " device MSIs reached the host although posted");
}

}  // namespace vtd::platform
