// KvmPassthroughScenario: host program, interrupt servicing and end-of-run checks.
#include "platform/scenarios/kvm_passthrough.h"

#include <sstream>

#include "firmware/passthrough.h"
#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"
#include "platform/workloads/accel_workload.h"
#include "platform/workloads/bench_workload.h"
#include "platform/workloads/nic_workload.h"
#include "platform/workloads/nvme_workload.h"

namespace vtd::platform {

namespace {
constexpr uint64_t kFirmwareBase = 16ull << 20;  // host memory for the unit's tables
constexpr uint64_t kFirmwareSize = 48ull << 20;
constexpr uint64_t kControlGpa = 1ull << 20;     // rings and queues start here in each guest
constexpr uint64_t kFaultMsiAddress = 0xFEE0'0000;  // xAPIC, the host CPU (APIC 0)
constexpr uint64_t kInterruptDrainNs = 10'000;       // far above any delivery to a running CPU

fw::LeafSize leafOf(LeafChoice c) {
  switch (c) {
    case LeafChoice::k2M: return fw::LeafSize::k2M;
    case LeafChoice::k1G: return fw::LeafSize::k1G;
    default: return fw::LeafSize::k4K;
  }
}

const char* iommuName(IommuMode m) {
  switch (m) {
    case IommuMode::On: return "on";
    case IommuMode::Off: return "off";
    case IommuMode::PassThrough: return "passthrough";
  }
  return "?";
}

// With device.ats the driver uses queued invalidation (device-TLB flushes are queue
// descriptors) and gives the devices TT=01 contexts, as Linux does for ATS devices.
// Interrupt remapping needs the queue too (its cache is invalidated only through it).
fw::DriverOptions driverOptions(bool queue) {
  fw::DriverOptions o;
  o.queued_invalidation = queue;
  return o;
}
}  // namespace

struct KvmPassthroughScenario::Host {
  Host(HostCpu& cpu, bool queue)
      : allocator(cpu.hal().memory, kFirmwareBase, kFirmwareSize),
        driver(cpu.hal(), allocator, driverOptions(queue)),
        manager(driver) {}
  fw::PhysAllocator allocator;
  fw::VtdDriver driver;
  fw::PassthroughManager manager;
};

KvmPassthroughScenario::KvmPassthroughScenario(VtdPlatform& platform, const ScenarioParams& params)
    : platform_(platform), params_(params), backdoor_(platform.memory),
      delivery_(resolveDelivery(params, platform.config())) {
  const uint32_t devices = std::min<uint32_t>(params.deviceCount(), uint32_t(platform.devices.size()));
  std::vector<const sc_core::sc_event*> done;
  for (uint32_t d = 0; d < devices; ++d) {
    shares_.push_back(std::make_unique<UnitShare>(platform.vtd.model()));
    DmaMaster* master = platform.devices[d].get();
    switch (params.workloadOf(d)) {
      case WorkloadKind::Nvme: workloads_.push_back(std::make_unique<NvmeWorkload>(params.nvme, master)); break;
      case WorkloadKind::Accel: workloads_.push_back(std::make_unique<AccelWorkload>(params.accel, master)); break;
      case WorkloadKind::Bench:
        workloads_.push_back(std::make_unique<BenchWorkload>(platform, d, platform.config().pcie_bench, *shares_[d]));
        break;
      default: workloads_.push_back(std::make_unique<NicWorkload>(params, master)); break;
    }
    if (params.workloadOf(d) != WorkloadKind::Bench) master->setTransferObserver(shares_[d].get());
    done.push_back(&workloads_.back()->done());
  }
  for (uint32_t k = 0; k < params.vms; ++k) {
    const uint32_t first = k * params.devices_per_vm;
    const uint32_t count = first < devices ? std::min(params.devices_per_vm, devices - first) : 0;
    interrupts_.push_back(std::make_unique<DeviceInterrupts>(platform, params, k, first, count));
  }
  any_done_ = std::make_unique<EventFunnel>("scenario_devices_done", done);
  host_taken_.assign(params.vms, 0);
  // The report's entries exist from the start (statistics point into them); the run fills them.
  for (uint32_t k = 0; k < params.vms; ++k) report_.vms.push_back(VmReport{k, 0, UnitCounts{}});
  for (uint32_t d = 0; d < devices; ++d) {
    DeviceReport r;
    r.index = d;
    r.vm = d / params.devices_per_vm;
    r.workload = workloads_[d]->kind();
    r.unit_name = workloads_[d]->unitName();
    report_.devices.push_back(r);
  }
}

KvmPassthroughScenario::~KvmPassthroughScenario() = default;

void KvmPassthroughScenario::install() {
  platform_.cpu.setProgram([this](HostCpu& cpu) { run(cpu); });
}

// VM k: its RAM in host memory and what the unit does for its devices' DMA.
void KvmPassthroughScenario::setUpVm(uint32_t k) {
  const uint64_t ram = params_.vm_ram_mib << 20;
  GuestVm vm;
  vm.index = k;
  vm.ram_bytes = ram;
  vm.host_base = (params_.host_base_mib << 20) + uint64_t(k) * ram;
  vm.dma_offset = params_.iommu == IommuMode::On ? 0 : vm.host_base;  // dma_map's answer
  vms_.push_back(vm);
  const bool ats = platform_.config().device.ats;
  const uint32_t first = k * params_.devices_per_vm;
  fw::Vm* kvm = nullptr;
  fw::Domain* passthrough = nullptr;
  if (params_.iommu == IommuMode::On) kvm = &host_->manager.createVm(ram, vm.host_base, leafOf(params_.leaf));
  if (params_.iommu == IommuMode::PassThrough) passthrough = &host_->driver.createDomain();
  for (uint32_t d = first; d < first + params_.devices_per_vm && d < workloads_.size(); ++d) {
    const uint16_t sid = VtdPlatform::deviceSource(d).value;
    fw::Status s = fw::Status::success();
    if (kvm) s = host_->manager.assignDevice(*kvm, sid, ats);
    if (passthrough) s = host_->driver.attach(sid, *passthrough, fw::ContextMode::PassThrough);
    if (!s) problem("assign device " + std::to_string(d) + ": " + s.error);
  }
}

// Each VM's guest drivers lay out their workloads (through the host CPU, so their stores
// take bus time as a guest's would while it boots its drivers).
bool KvmPassthroughScenario::setUpWorkloads(HostCpu& cpu) {
  for (uint32_t k = 0; k < params_.vms; ++k) {
    const uint32_t first = k * params_.devices_per_vm;
    const uint32_t last = std::min<uint32_t>(first + params_.devices_per_vm, uint32_t(workloads_.size()));
    uint64_t control = 0;
    for (uint32_t d = first; d < last; ++d) control += workloads_[d]->controlPages();
    try {
      pages_.push_back(std::make_unique<GuestPageAllocator>(vms_[k].ram_bytes, kControlGpa, control, params_.alloc));
      rams_.push_back(std::make_unique<GuestRam>(vms_[k], cpu.hal().memory));
      for (uint32_t d = first; d < last; ++d) {
        WorkloadContext c{*rams_[k], *pages_[k], interrupts_[k]->msiAddress(d), interrupts_[k]->msiData(d),
                          params_.seed + d};
        workloads_[d]->setUp(c);
        // Just past guest RAM: an address no translation covers.
        if (params_.iommu == IommuMode::On && params_.stray_dmas)
          workloads_[d]->addStrays(vms_[k].deviceAddress(vms_[k].ram_bytes), params_.stray_dmas);
      }
    } catch (const std::exception& e) {
      return problem("VM " + std::to_string(k) + " guest set-up: " + e.what()), false;
    }
  }
  return true;
}

bool KvmPassthroughScenario::setUp(HostCpu& cpu) {
  report_.interrupt_delivery = interruptDeliveryName(delivery_);
  report_.iommu = iommuName(params_.iommu);
  host_ = std::make_unique<Host>(cpu, platform_.config().device.ats || delivery_ != InterruptDelivery::Direct);
  fw::VtdDriver& drv = host_->driver;
  if (auto s = drv.probe(); !s) return problem("probe: " + s.error), false;
  if (auto s = drv.enable(); !s) return problem("enable: " + s.error), false;
  drv.setFaultInterrupt(kFaultMsiAddress, params_.fault_vector);
  try {
    for (uint32_t k = 0; k < params_.vms; ++k) setUpVm(k);
  } catch (const std::exception& e) {
    return problem(std::string("VM set-up: ") + e.what()), false;
  }
  if (!report_.problems.empty()) return false;
  if (std::string e = DeviceInterrupts::enableRemapping(drv, platform_, delivery_); !e.empty())
    return problem(e), false;
  for (auto& i : interrupts_)
    if (std::string e = i->setUp(drv, host_->allocator); !e.empty()) return problem(e), false;
  if (!setUpWorkloads(cpu)) return false;
  // Without an IOMMU: translation off (interrupt remapping, if asked for, stays on).
  if (params_.iommu == IommuMode::Off)
    if (auto s = drv.disable(); !s) return problem("disable: " + s.error), false;
  return true;
}

// Reads and clears the fault records; each must be one of the stray DMAs.
void KvmPassthroughScenario::collectFaults() {
  const uint64_t stray_base = params_.vm_ram_mib << 20;
  const uint64_t stray_end = stray_base + 4096ull * params_.stray_dmas;
  for (const fw::FaultRecord& r : host_->driver.handleFaults()) {
    ++report_.fault_records;
    std::ostringstream line;
    line << "fault reason 0x" << std::hex << unsigned(r.reason) << " source 0x" << r.source_id
         << " address 0x" << r.address << (r.is_write ? " write" : " read");
    report_.fault_log.push_back(line.str());
    if (r.reason != 0x5 || r.address < stray_base || r.address >= stray_end)
      problem("unexpected " + line.str());
  }
}

void KvmPassthroughScenario::serviceInterrupts() {
  while (platform_.intc.hasPending()) {
    const DeliveredInterrupt irq = platform_.intc.take();
    const uint32_t device = irq.vector - params_.device_vector;
    if (irq.vector == params_.fault_vector) {
      ++report_.fault_interrupts;
      collectFaults();
    } else if (irq.vector >= params_.device_vector && device < workloads_.size()) {
      ++report_.device_interrupts;
      const uint32_t k = device / params_.devices_per_vm;
      ++host_taken_[k];
      interrupts_[k]->hostTook(device, irq.time);
    } else {
      problem("unexpected interrupt vector " + std::to_string(irq.vector));
    }
  }
}

bool KvmPassthroughScenario::anyBusy() const {
  for (const auto& w : workloads_)
    if (w->busy()) return true;
  return false;
}

void KvmPassthroughScenario::run(HostCpu& cpu) {
  if (!setUp(cpu)) return fillReports();
  report_.setup_time = cpu.now();
  // From here the guests' drivers run between device operations, without bus time.
  for (auto& ram : rams_) ram->setMemory(backdoor_);
  report_.dma_start = cpu.now();
  const auto wall_start = std::chrono::steady_clock::now();
  for (auto& w : workloads_) w->start();
  while (anyBusy() || platform_.intc.hasPending()) {
    cpu.waitUntil([&] { return !anyBusy() || platform_.intc.hasPending(); }, any_done_->event(),
                  platform_.intc.event());
    serviceInterrupts();
  }
  report_.dma_host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  report_.dma_end = cpu.now();
  // The last interrupt may still be on its way (a notification arrives at its annotated
  // time, after the device's last operation returned): give it time, then take stock.
  cpu.hal().clock.delayNs(kInterruptDrainNs);
  serviceInterrupts();
  finishInterrupts();
  // Records written while an earlier episode was still pending raise no new event (FS 7.5):
  // the host collects them once more at the end.
  collectFaults();
  verify();
}

void KvmPassthroughScenario::finishInterrupts() {
  std::vector<double> latencies;
  uint64_t before_issue = 0;
  for (uint32_t k = 0; k < interrupts_.size(); ++k) {
    uint64_t msis = 0;
    for (uint32_t d = 0; d < workloads_.size(); ++d)
      if (interrupts_[k]->owns(d)) msis += platform_.devices[d]->stats().msis;
    report_.device_msis += msis;
    interrupts_[k]->finish(msis, host_taken_[k], report_.problems);
    report_.guest_interrupts += interrupts_[k]->guestInterrupts();
    latencies.insert(latencies.end(), interrupts_[k]->latencies().begin(), interrupts_[k]->latencies().end());
    before_issue += interrupts_[k]->deliveredBeforeIssue();
  }
  report_.msi_latency = summariseLatencies(std::move(latencies), before_issue);
}

void KvmPassthroughScenario::verify() {
  uint32_t strays_expected = 0, strays_issued = 0;
  for (auto& w : workloads_) {
    w->finish(report_.problems);
    report_.stray_blocked += w->straysBlocked();
    strays_issued += w->straysIssued();
    if (params_.iommu == IommuMode::On && w->kind() != std::string("bench")) strays_expected += params_.stray_dmas;
  }
  if (report_.stray_blocked != strays_expected || strays_issued != strays_expected)
    problem("only " + std::to_string(report_.stray_blocked) + " of " + std::to_string(strays_expected) +
            " stray DMAs were blocked");
  if (strays_expected && report_.fault_records == 0) problem("stray DMAs left no fault record");
  fillReports();
  report_.ok = report_.problems.empty();
}

void KvmPassthroughScenario::fillReports() {
  report_.payload_bytes = 0;
  report_.unit = UnitCounts{};
  for (VmReport& vm : report_.vms) vm = VmReport{vm.index, 0, UnitCounts{}};
  for (uint32_t d = 0; d < workloads_.size(); ++d) {
    const Workload& w = *workloads_[d];
    DeviceReport& r = report_.devices[d];
    r.units = w.units();
    r.payload_bytes = w.payloadBytes();
    r.active_ps = w.activePs();
    r.unit = shares_[d]->counts();
    if (auto* nic = dynamic_cast<const NicWorkload*>(&w)) {
      report_.packets += nic->units();
      report_.rx_packets += nic->rxPackets();
      report_.tx_packets += nic->txPackets();
    }
    VmReport& vm = report_.vms[r.vm];
    vm.payload_bytes += r.payload_bytes;
    vm.unit += r.unit;
    report_.payload_bytes += r.payload_bytes;
    report_.unit += r.unit;
  }
}

}  // namespace vtd::platform
