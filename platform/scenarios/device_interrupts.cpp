// DeviceInterrupts: IRTE set-up per delivery mode, KVM's posted-interrupt hook, checks.
#include "platform/scenarios/device_interrupts.h"

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
  }
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
