// DeviceInterrupts: IRTE set-up per delivery mode, KVM's posted-interrupt hook, checks.
#include "platform/scenarios/device_interrupts.h"

#include <algorithm>

#include "firmware/interrupt_remapping.h"

namespace vtd::platform {

namespace {
constexpr uint64_t kCompatibilityMsi = 0xFEE0'0000;  // xAPIC, physical, destination 0
}  // namespace

InterruptDelivery resolveDelivery(const ScenarioParams& params, const SimConfig& c) {
  if (params.interrupts != InterruptDelivery::Auto) return params.interrupts;
  // Without an IOMMU (the native baseline) nothing remaps interrupts either.
  if (params.iommu == IommuMode::Off) return InterruptDelivery::Direct;
  const UnitParams& u = c.unit.unit;
  if (u.posted_interrupts && u.queued_invalidation && c.platform.vcpus >= params.vms && c.platform.vcpus > 0)
    return InterruptDelivery::Posted;
  if (u.interrupt_remapping && u.queued_invalidation) return InterruptDelivery::Remapped;
  return InterruptDelivery::Direct;
}

const char* interruptDeliveryName(InterruptDelivery d) {
  switch (d) {
    case InterruptDelivery::Auto: return "auto";
    case InterruptDelivery::Posted: return "posted";
    case InterruptDelivery::Remapped: return "remapped";
    case InterruptDelivery::Direct: return "direct";
  }
  return "?";
}

DeviceInterrupts::DeviceInterrupts(VtdPlatform& platform, const ScenarioParams& params, uint32_t vm,
                                   uint32_t first, uint32_t count)
    : platform_(platform),
      params_(params),
      mode_(resolveDelivery(params, platform.config())),
      vm_(vm), first_(first), count_(count),
      policy_(platform.config().platform.x2apic),
      msi_(count),
      issued_(count) {
  if (mode_ == InterruptDelivery::Posted && vm < platform.vcpus.size()) {
    VcpuScheduleParams s;
    s.run_ns = params.vcpu_run_ns;
    s.preempt_ns = params.vcpu_preempt_ns;
    s.preempt_fraction = params.vcpu_preempt_fraction;
    s.halt_timeout_ns = params.vcpu_halt_timeout_ns;
    s.seed = params.seed + vm;
    Vcpu& vcpu = *platform.vcpus[vm];
    scheduler_ = std::make_unique<VcpuScheduler>(("vcpu" + std::to_string(vm) + "_scheduler").c_str(), vcpu, s);
    vcpu.setGuestObserver([this](const GuestInterrupt& g) {
      const uint32_t local = uint32_t(g.vector - params_.device_vector) - first_;
      if (g.vector >= params_.device_vector && local < count_) delivered(local, g.time);
    });
  }
  for (uint32_t i = 0; i < count && first + i < platform.devices.size(); ++i)
    platform.devices[first + i]->setMsiObserver([this, i](const sc_core::sc_time& t) { issued_[i].push_back(t); });
}

// Called in simulation order: every MSI issued so far has already been posted (or sent) by
// the unit, inside the device's own call, so this delivery ends all of their waits. With
// temporal decoupling the device runs up to a quantum ahead of the vCPU, so a delivery can
// carry an earlier time than the issue it ends: those count as 0 and are counted apart.
void DeviceInterrupts::delivered(uint32_t local, const sc_core::sc_time& when) {
  for (const sc_core::sc_time& issued : issued_[local]) {
    if (when >= issued) {
      latencies_ns_.push_back((when - issued).to_seconds() * 1e9);
    } else {
      latencies_ns_.push_back(0.0);
      ++before_issue_;
    }
  }
  issued_[local].clear();
}

std::string DeviceInterrupts::enableRemapping(fw::VtdDriver& driver, const VtdPlatform& platform,
                                              InterruptDelivery mode) {
  if (mode == InterruptDelivery::Direct) return {};
  fw::InterruptRemappingOptions options;
  options.x2apic = platform.config().platform.x2apic;
  if (auto s = driver.enableInterruptRemapping(options); !s) return "interrupt remapping: " + s.error;
  return {};
}

// KVM: the descriptor (one per vCPU, 64-byte aligned) with NV and SN = 1 until the vCPU
// first runs; the hook keeps it in step with the vCPU.
void DeviceInterrupts::hookPostedPolicy(Vcpu& vcpu) {
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
}

std::string DeviceInterrupts::setUp(fw::VtdDriver& driver, fw::PhysAllocator& allocator) {
  if (mode_ == InterruptDelivery::Direct) {
    for (uint32_t i = 0; i < count_; ++i)
      msi_[i] = {kCompatibilityMsi | uint64_t(VtdPlatform::kHostApicId) << 12, vectorOf(i)};
    return {};
  }
  fw::InterruptRemapping& ir = driver.interruptRemapping();
  if (mode_ == InterruptDelivery::Posted) {
    if (vm_ >= platform_.vcpus.size())
      return "posted interrupts for VM " + std::to_string(vm_) + " need platform.vcpus >= scenario.vms";
    descriptor_ = allocator.allocate(64, 64);
    hookPostedPolicy(*platform_.vcpus[vm_]);
  }
  for (uint32_t i = 0; i < count_; ++i) {
    const auto index = ir.allocate();
    if (!index) return "no free interrupt-remapping table entry";
    const fw::SourceCheck source = fw::SourceCheck::requester(VtdPlatform::deviceSource(first_ + i).value);
    if (mode_ == InterruptDelivery::Remapped) {
      fw::RemappedEntry e;
      e.vector = vectorOf(i);
      e.destination = VtdPlatform::kHostApicId;
      e.source = source;
      if (auto s = ir.setRemapped(*index, e); !s) return "remapped IRTE: " + s.error;
    } else {
      fw::PostedEntry e;
      e.vector = vectorOf(i);
      e.descriptor = descriptor_;
      e.source = source;
      if (auto s = ir.setPosted(*index, e); !s) return "posted IRTE: " + s.error;
    }
    const fw::MsiMessage m = fw::InterruptRemapping::msiFor(*index);
    msi_[i] = {m.address, m.data};
  }
  if (scheduler_) scheduler_->start();
  return {};
}

uint64_t DeviceInterrupts::guestInterrupts() const {
  return mode_ == InterruptDelivery::Posted && vm_ < platform_.vcpus.size()
             ? platform_.vcpus[vm_]->stats().guest_interrupts
             : 0;
}

LatencySummary summariseLatencies(std::vector<double> v, uint64_t before_issue) {
  LatencySummary l;
  l.before_issue = before_issue;
  if (v.empty()) return l;
  std::sort(v.begin(), v.end());
  l.count = v.size();
  double sum = 0;
  for (double x : v) sum += x;
  l.mean_ns = sum / double(v.size());
  l.p50_ns = v[(v.size() - 1) / 2];
  l.p99_ns = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.99))];
  l.max_ns = v.back();
  return l;
}

void DeviceInterrupts::finish(uint64_t device_msis, uint64_t host_interrupts, std::vector<std::string>& problems) {
  if (scheduler_) scheduler_->stop();
  const std::string vm = params_.vms > 1 ? "VM " + std::to_string(vm_) + ": " : "";
  uint64_t pending = 0;
  for (const auto& q : issued_) pending += q.size();
  if (pending) problems.push_back(vm + std::to_string(pending) + " device MSIs were never delivered");
  if (mode_ != InterruptDelivery::Posted) {
    if (host_interrupts != device_msis)
      problems.push_back(vm + "the host took " + std::to_string(host_interrupts) + " of " +
                         std::to_string(device_msis) + " device MSIs");
    return;
  }
  // Posted: every MSI set its vector in PIR; postings while it was still pending merge
  // (as in an APIC's IRR), so the guest takes between 1 and device_msis of them, and after
  // the last entry nothing may be left in the descriptor or the vIRR.
  Vcpu& vcpu = *platform_.vcpus[vm_];
  const uint64_t taken = vcpu.stats().guest_interrupts;
  if (device_msis > 0 && (taken == 0 || taken > device_msis))
    problems.push_back(vm + "the guest took " + std::to_string(taken) + " interrupts for " +
                       std::to_string(device_msis) + " posted MSIs");
  for (const GuestInterrupt& g : vcpu.guestLog())
    if (g.vector < params_.device_vector + first_ || g.vector >= params_.device_vector + first_ + count_)
      problems.push_back(vm + "the guest took unexpected vector " + std::to_string(g.vector));
  if (vcpu.virr().any()) problems.push_back(vm + "vectors left in the vCPU's vIRR at the end");
  uint64_t pir = 0;  // read directly: a check, not a CPU access
  if (const uint8_t* d = platform_.memory.hostPointer(descriptor_, 32))
    for (unsigned i = 0; i < 32; ++i) pir |= d[i];
  if (pir) problems.push_back(vm + "vectors left in the posted-interrupt descriptor's PIR at the end");
  if (host_interrupts != 0)
    problems.push_back(vm + std::to_string(host_interrupts) + " device MSIs reached the host although posted");
}

}  // namespace vtd::platform
