// KvmPassthroughScenario: host program, interrupt servicing and end-of-run checks.
#include "platform/scenarios/kvm_passthrough.h"

#include <algorithm>
#include <random>
#include <set>
#include <sstream>

#include "firmware/passthrough.h"
#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"

namespace vtd::platform {

namespace {
constexpr uint64_t kFirmwareBase = 16ull << 20;  // host memory for the unit's tables
constexpr uint64_t kFirmwareSize = 48ull << 20;
constexpr uint64_t kRingGpa = 1ull << 20;        // descriptor ring page in the guest
constexpr uint64_t kFaultMsiAddress = 0xFEE0'0000;  // xAPIC, the host CPU (APIC 0)
constexpr uint64_t kInterruptDrainNs = 10'000;       // far above any delivery to a running CPU

fw::LeafSize leafOf(LeafChoice c) {
  switch (c) {
    case LeafChoice::k2M: return fw::LeafSize::k2M;
    case LeafChoice::k1G: return fw::LeafSize::k1G;
    default: return fw::LeafSize::k4K;
  }
}
}  // namespace

// With device.ats the driver uses queued invalidation (device-TLB flushes are queue
// descriptors) and gives the device a TT=01 context, as Linux does for an ATS device.
// Interrupt remapping needs the queue too (its cache is invalidated only through it).
fw::DriverOptions driverOptions(bool queue) {
  fw::DriverOptions o;
  o.queued_invalidation = queue;
  return o;
}

struct KvmPassthroughScenario::Host {
  Host(HostCpu& cpu, bool queue)
      : allocator(cpu.hal().memory, kFirmwareBase, kFirmwareSize),
        driver(cpu.hal(), allocator, driverOptions(queue)),
        manager(driver) {}
  fw::PhysAllocator allocator;
  fw::VtdDriver driver;
  fw::PassthroughManager manager;
  fw::Vm* vm = nullptr;
};

KvmPassthroughScenario::KvmPassthroughScenario(VtdPlatform& platform, const ScenarioParams& params)
    : platform_(platform), params_(params), interrupts_(platform, params) {}

KvmPassthroughScenario::~KvmPassthroughScenario() = default;

void KvmPassthroughScenario::describeStats(StatRegistry& r) const {
  if (const VcpuScheduler* s = interrupts_.scheduler()) s->describeStats(r, "vcpu0.scheduler.");
}

void KvmPassthroughScenario::install() {
  platform_.cpu.setProgram([this](HostCpu& cpu) { run(cpu); });
}

bool KvmPassthroughScenario::setUp(HostCpu& cpu) {
  const bool ats = platform_.config().device.ats;
  report_.interrupt_delivery = interruptDeliveryName(interrupts_.mode());
  host_ = std::make_unique<Host>(cpu, ats || interrupts_.mode() != InterruptDelivery::Direct);
  fw::VtdDriver& drv = host_->driver;
  if (auto s = drv.probe(); !s) return problem("probe: " + s.error), false;
  if (auto s = drv.enable(); !s) return problem("enable: " + s.error), false;
  drv.setFaultInterrupt(kFaultMsiAddress, params_.fault_vector);

  const uint64_t ram = params_.vm_ram_mib << 20;
  host_->vm = &host_->manager.createVm(ram, params_.host_base_mib << 20, leafOf(params_.leaf));
  const uint16_t sid = platform_.devices[0]->source().value;
  if (auto s = host_->manager.assignDevice(*host_->vm, sid, ats); !s)
    return problem("assign device: " + s.error), false;
  if (std::string e = interrupts_.setUp(drv, host_->allocator, sid); !e.empty())
    return problem(e), false;

  // Guest driver: one buffer per descriptor, each on its own page chosen at random above
  // the ring (so the device touches many pages, as a real receive ring does).
  std::mt19937_64 rng(params_.seed);
  const uint64_t first_page = (kRingGpa >> 12) + 1, pages = (ram >> 12) - first_page;
  std::set<uint64_t> used;
  std::bernoulli_distribution rx(params_.rx_fraction);
  for (uint32_t i = 0; i < params_.ring_entries; ++i) {
    uint64_t page;
    do page = first_page + rng() % pages; while (!used.insert(page).second);
    buffers_.push_back(page << 12);
    rx_slot_.push_back(rx(rng));
    RingDescriptor d;
    d.buffer = buffers_.back();
    d.length = uint16_t(params_.packet_bytes);
    d.flags = rx_slot_.back() ? RingDescriptor::kRx : 0;
    cpu.hal().memory.write(host_->vm->gpaToHpa(kRingGpa + 16ull * i), &d, sizeof d);
  }
  setup_.ring_gpa = kRingGpa;
  setup_.ring_entries = params_.ring_entries;
  setup_.packets = params_.packets;
  setup_.packet_bytes = params_.packet_bytes;
  setup_.interrupt_every = params_.interrupt_every;
  setup_.msi_address = interrupts_.msiAddress();
  setup_.msi_data = interrupts_.msiData();
  setup_.stray_base = ram;
  setup_.stray_dmas = params_.stray_dmas;
  return true;
}

// Reads and clears the fault records; each must be one of the stray DMAs.
void KvmPassthroughScenario::collectFaults() {
  const uint64_t stray_end = setup_.stray_base + 4096ull * setup_.stray_dmas;
  for (const fw::FaultRecord& r : host_->driver.handleFaults()) {
    ++report_.fault_records;
    std::ostringstream line;
    line << "fault reason 0x" << std::hex << unsigned(r.reason) << " source 0x" << r.source_id
         << " address 0x" << r.address << (r.is_write ? " write" : " read");
    report_.fault_log.push_back(line.str());
    if (r.reason != 0x5 || r.address < setup_.stray_base || r.address >= stray_end)
      problem("unexpected " + line.str());
  }
}

void KvmPassthroughScenario::serviceInterrupts() {
  while (platform_.intc.hasPending()) {
    const DeliveredInterrupt irq = platform_.intc.take();
    if (irq.vector == params_.fault_vector) {
      ++report_.fault_interrupts;
      collectFaults();
    } else if (irq.vector == params_.device_vector) {
      ++report_.device_interrupts;
      interrupts_.hostTook(irq.time);
    } else {
      problem("unexpected interrupt vector " + std::to_string(irq.vector));
    }
  }
}

void KvmPassthroughScenario::run(HostCpu& cpu) {
  if (!setUp(cpu)) return;
  report_.setup_time = cpu.now();
  nic_ = std::make_unique<NicRingProgram>(setup_);
  DmaMaster& device = *platform_.devices[0];
  report_.dma_start = cpu.now();
  const auto wall_start = std::chrono::steady_clock::now();
  device.start(*nic_);
  while (device.busy() || platform_.intc.hasPending()) {
    cpu.waitUntil([&] { return !device.busy() || platform_.intc.hasPending(); }, device.done(),
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
  report_.device_msis = device.stats().msis;
  interrupts_.finish(report_.device_msis, report_.device_interrupts, report_.problems);
  report_.guest_interrupts = interrupts_.guestInterrupts();
  report_.msi_latency = interrupts_.latency();
  // Records written while an earlier episode was still pending raise no new event (FS 7.5):
  // the host collects them once more at the end.
  collectFaults();
  verify(cpu);
}

void KvmPassthroughScenario::verify(HostCpu& cpu) {
  report_.packets = nic_->packetsDone();
  report_.rx_packets = nic_->rxPackets();
  report_.tx_packets = nic_->txPackets();
  report_.stray_blocked = nic_->strayBlocked();
  if (nic_->unexpectedErrors()) problem(std::to_string(nic_->unexpectedErrors()) + " device DMAs failed inside guest RAM");
  if (report_.stray_blocked != params_.stray_dmas)
    problem("only " + std::to_string(report_.stray_blocked) + " of " + std::to_string(params_.stray_dmas) + " stray DMAs were blocked");
  if (params_.stray_dmas && report_.fault_records == 0) problem("stray DMAs left no fault record");
  // Each slot's descriptor and (for receive) buffer, read from host memory at host_base + GPA.
  const uint32_t ring = params_.ring_entries;
  for (uint32_t slot = 0; slot < ring && slot < params_.packets; ++slot) {
    const uint64_t last = slot + ((params_.packets - 1 - slot) / ring) * ring;
    RingDescriptor d;
    cpu.hal().memory.read(host_->vm->gpaToHpa(kRingGpa + 16ull * slot), &d, sizeof d);
    if (!(d.flags & RingDescriptor::kDone) || d.sequence != last || d.buffer != buffers_[slot]) {
      problem("descriptor " + std::to_string(slot) + " was not written back as expected");
      continue;
    }
    if (rx_slot_[slot]) {
      std::vector<uint8_t> data(params_.packet_bytes);
      cpu.hal().memory.read(host_->vm->gpaToHpa(buffers_[slot]), data.data(), data.size());
      const bool same = std::all_of(data.begin(), data.end(), [&](uint8_t b) { return b == uint8_t(last); });
      if (!same) problem("receive buffer of slot " + std::to_string(slot) + " does not hold packet " + std::to_string(last));
    }
  }
  report_.ok = report_.problems.empty();
}

}  // namespace vtd::platform
