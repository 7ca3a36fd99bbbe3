// SimConfig: description of every group and the cross-group checks.
#include "platform/sim_config.h"

#include <algorithm>

#include "model/common/param_registry.h"
#include "platform/system_bus.h"

namespace vtd::platform {

void PlatformParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "dmar_base", dmar_base, 0x1000, ~0ull, "address", "physical base of the DMAR register block");
  r.addUInt(p + "devices", devices, 1, 64, "devices", "DMA bus masters (requester ids 00:04.0 upwards); `vtdsim run` raises it to scenario.vms x scenario.devices_per_vm");
  r.addUInt(p + "quantum_ns", quantum_ns, 1, 1000000, "ns", "temporal-decoupling quantum of loosely-timed initiators");
  r.addUInt(p + "device_gap_ns", device_gap_ns, 0, 1000000, "ns", "time a device spends between two operations");
  r.addUInt(p + "vcpus", vcpus, 0, 254, "CPUs", "physical CPUs each running one vCPU with posted interrupts (APIC IDs 1 upwards; the host CPU is APIC ID 0); `vtdsim run` raises it to scenario.vms unless it is 0 (vCPU k runs VM k)");
  r.addBool(p + "x2apic", x2apic, "the vCPUs' physical local APICs are in x2APIC mode (32-bit destinations: needs unit.extended_interrupt_mode for remapped interrupts to reach IDs above 255)");
}

const char* workloadName(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::Nic: return "nic";
    case WorkloadKind::Nvme: return "nvme";
    case WorkloadKind::Accel: return "accel";
    case WorkloadKind::Bench: return "bench";
    case WorkloadKind::Mixed: return "mixed";
  }
  return "?";
}

WorkloadKind ScenarioParams::workloadOf(uint32_t index) const {
  std::vector<WorkloadKind> dealt;
  for (WorkloadKind k : workload) {
    if (k != WorkloadKind::Mixed) dealt.push_back(k);
    else dealt.insert(dealt.end(), {WorkloadKind::Nic, WorkloadKind::Nvme, WorkloadKind::Accel});
  }
  return dealt.empty() ? WorkloadKind::Nic : dealt[index % dealt.size()];
}

void ScenarioParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "vms", vms, 1, 8, "VMs", "KVM guests, each with its own domain and its own RAM (VM k at host_base_mib + k x vm_ram_mib)");
  r.addUInt(p + "devices_per_vm", devices_per_vm, 1, 8, "devices", "devices assigned to each VM (requester ids 00:04.0 upwards, VM by VM); platform.devices is raised to scenario.vms x scenario.devices_per_vm");
  r.addChoiceList(p + "workload", workload,
                  {{"nic", WorkloadKind::Nic}, {"nvme", WorkloadKind::Nvme}, {"accel", WorkloadKind::Accel},
                   {"bench", WorkloadKind::Bench}, {"mixed", WorkloadKind::Mixed}},
                  "what each device does: nic (descriptor rings and packet buffers, scenario.packets and nic.*), nvme (submission/completion queues and PRP lists, nvme.*), accel (streaming jobs, accel.*), bench (the pcie-bench-like generator over a window of guest RAM, pcie_bench.*); a list is dealt to the devices in order (device i runs entry i mod its length); mixed = nic,nvme,accel (with scenario.devices_per_vm=3 one VM runs all three)");
  r.addChoice(p + "iommu", iommu, {{"on", IommuMode::On}, {"off", IommuMode::Off}, {"passthrough", IommuMode::PassThrough}},
              "the devices' DMA: on (guest RAM mapped IOVA = GPA, a domain per VM), off (translation disabled: the devices use host-physical addresses, as without an IOMMU) or passthrough (translation on, pass-through contexts, host-physical addresses); off and passthrough issue no stray DMAs (nothing would block them), and with off, scenario.interrupts=auto means direct");
  r.addChoice(p + "alloc", alloc, {{"random", AllocPolicy::Random}, {"contiguous", AllocPolicy::Contiguous}},
              "how the guest places buffer pages (receive/transmit buffers, page-pool pages, NVMe and accelerator buffers, PRP and scatter lists): random (any free page of guest RAM, a fragmented guest) or contiguous (the lowest free pages in turn)");
  r.addUInt(p + "vm_ram_mib", vm_ram_mib, 4, 1u << 20, "MiB", "guest RAM of each VM");
  r.addUInt(p + "host_base_mib", host_base_mib, 16, 1u << 20, "MiB", "host physical address of guest RAM (of VM 0; VM k's follows at host_base_mib + k x vm_ram_mib)");
  r.addChoice(p + "leaf", leaf, {{"4k", LeafChoice::k4K}, {"2m", LeafChoice::k2M}, {"1g", LeafChoice::k1G}},
              "largest leaf the host uses to map guest RAM (hugepage backing)");
  r.addUInt(p + "packets", packets, 0, 1ull << 40, "packets", "packets each NIC-workload device moves");
  r.addUInt(p + "packet_bytes", packet_bytes, 1, 9014, "bytes", "bytes per packet (nic.sizes=fixed; the large packets of bimodal), at most nic.mtu + 14");
  r.addUInt(p + "ring_entries", ring_entries, 1, 256, "descriptors", "NIC descriptor ring size (16-byte descriptors, one 4 KiB page per ring)");
  r.addReal(p + "rx_fraction", rx_fraction, 0.0, 1.0, "ratio", "share of packets written by the NIC (receive)");
  r.addUInt(p + "interrupt_every", interrupt_every, 0, 1u << 30, "packets", "packets per NIC MSI (0: none)");
  r.addUInt(p + "stray_dmas", stray_dmas, 0, 1000, "DMAs", "DMAs beyond guest RAM each device issues at the end (each must fault; none with scenario.iommu=off or passthrough)");
  r.addUInt(p + "seed", seed, 0, ~0ull, "", "seed of buffer placement, rx/tx choices, packet sizes and command mixes (device i of the scenario uses seed + i)");
  r.addUInt(p + "device_vector", device_vector, 0x10, 0xFE, "vector", "vector of the first device's MSI (device i uses device_vector + i)");
  r.addUInt(p + "fault_vector", fault_vector, 0x10, 0xFE, "vector", "vector of the unit's fault event");
  r.addChoice(p + "interrupts", interrupts,
              {{"auto", InterruptDelivery::Auto}, {"posted", InterruptDelivery::Posted},
               {"remapped", InterruptDelivery::Remapped}, {"direct", InterruptDelivery::Direct}},
              "how the devices' MSIs are delivered: posted to their VM's vCPU (needs unit.posted_interrupts), remapped to the host CPU (needs unit.interrupt_remapping), direct (no interrupt remapping); auto picks the first the unit offers (direct with scenario.iommu=off)");
  r.addUInt(p + "vcpu_run_ns", vcpu_run_ns, 0, 1ull << 40, "ns", "mean time slice of a guest's vCPU (exponential)");
  r.addUInt(p + "vcpu_preempt_ns", vcpu_preempt_ns, 0, 1ull << 40, "ns", "mean time a preempted vCPU waits for its CPU (exponential)");
  r.addReal(p + "vcpu_preempt_fraction", vcpu_preempt_fraction, 0.0, 1.0, "ratio", "share of time slices that end in a preemption; the others end with the guest halting");
  r.addUInt(p + "vcpu_halt_timeout_ns", vcpu_halt_timeout_ns, 1, 1ull << 40, "ns", "a halted guest's timer wakes it after this if no interrupt does");
}

void SimConfig::describe(ParamRegistry& r) {
  unit.describe(r);
  latency.describe(r, "latency.");
  memory.describe(r, "memory.");
  uncore.describe(r, "uncore.");
  platform.describe(r, "platform.");
  device.describe(r, "device.");
  scenario.describe(r, "scenario.");
  scenario.nic.describe(r, "nic.");
  scenario.nvme.describe(r, "nvme.");
  scenario.accel.describe(r, "accel.");
  pcie.describe(r, "pcie.");
  pcie_bench.describe(r, "pcie_bench.");
  replay.describe(r, "replay.");
  curve.describe(r, "curve.");
}

std::vector<std::string> SimConfig::validate(bool check_scenario) const {
  std::vector<std::string> errors = unit.validate();
  for (auto& e : device.validate("device.")) errors.push_back(e);
  for (auto& e : pcie.validate("pcie.")) errors.push_back(e);
  for (auto& e : pcie_bench.validate("pcie_bench.")) errors.push_back(e);
  if (std::string e = curve.validate("curve."); !e.empty()) errors.push_back(e);
  if (device.ats && !unit.unit.device_tlb)
    errors.push_back(
        "device.ats needs unit.device_tlb (a unit without ECAP.DT refuses ATS requests)");
  const uint64_t mem = memory.size_mib << 20;
  const uint64_t dmar_size = unit.unit.registerBlockSize();
  if (platform.dmar_base % 4096) errors.push_back("platform.dmar_base must be 4 KiB aligned");
  if (platform.dmar_base < mem) errors.push_back("platform.dmar_base must lie above memory.size_mib of DRAM");
  if (platform.dmar_base > (1ull << unit.unit.haw_bits) - dmar_size)
    errors.push_back("platform.dmar_base lies above unit.haw_bits");
  const uint64_t ioapic = SystemBus::kIoApicBase, ioapic_end = ioapic + SystemBus::kIoApicSize;
  if (mem > ioapic) errors.push_back("memory.size_mib overlaps the I/O APIC window at 0xFEC00000");
  if (platform.dmar_base < ioapic_end && platform.dmar_base + dmar_size > ioapic)
    errors.push_back("platform.dmar_base overlaps the I/O APIC window 0xFEC00000-0xFEC00FFF");
  if (RemappingUnit::isInterruptAddress(platform.dmar_base) ||
      RemappingUnit::isInterruptAddress(platform.dmar_base + dmar_size - 1))
    errors.push_back("platform.dmar_base overlaps the interrupt window 0xFEE00000-0xFEEFFFFF");
  if (!check_scenario) return errors;
  for (auto& e : validateScenario()) errors.push_back(e);
  return errors;
}

void SimConfig::fitPlatformToScenario() {
  platform.devices = std::max(platform.devices, scenario.deviceCount());
  if (platform.vcpus) platform.vcpus = std::max(platform.vcpus, scenario.vms);
}

std::vector<std::string> SimConfig::validateScenario() const {
  std::vector<std::string> errors;
  const ScenarioParams& s = scenario;
  if (s.host_base_mib + uint64_t(s.vms) * s.vm_ram_mib > memory.size_mib)
    errors.push_back(s.vms > 1 ? "scenario.host_base_mib + scenario.vms x scenario.vm_ram_mib exceeds memory.size_mib"
                               : "scenario.host_base_mib + scenario.vm_ram_mib exceeds memory.size_mib");
  const uint32_t devices = s.deviceCount();
  // The unit's upstream port takes 32 links: the devices', the pcie-bench devices' and the I/O APIC.
  if (devices > 15) errors.push_back("scenario.vms x scenario.devices_per_vm must be at most 15");
  if (s.device_vector + devices - 1 > 0xFE)
    errors.push_back("scenario.device_vector + the number of devices exceeds vector 0xFE");
  if (s.fault_vector >= s.device_vector && s.fault_vector < s.device_vector + devices)
    errors.push_back("scenario.fault_vector collides with a device's vector (scenario.device_vector + i)");
  bool nic = false, bench = false;
  for (uint32_t i = 0; i < devices; ++i) {
    nic |= s.workloadOf(i) == WorkloadKind::Nic;
    bench |= s.workloadOf(i) == WorkloadKind::Bench;
  }
  if (nic)
    for (auto& e : s.nic.validate("nic.", s.packet_bytes)) errors.push_back(e);
  for (auto& e : s.nvme.validate("nvme.")) errors.push_back(e);
  for (auto& e : s.accel.validate("accel.")) errors.push_back(e);
  if (bench && pcie_bench.fidelity == tlm::Fidelity::At)
    errors.push_back("scenario.workload=bench runs the generator loosely timed: pcie_bench.fidelity=at is for vtdsim calibrate and vtdsim bench");
  if (bench && (uint64_t(pcie_bench.window_kib) << 10) + (4ull << 20) > (s.vm_ram_mib << 20))
    errors.push_back("scenario.vm_ram_mib is too small for the bench workload's pcie_bench.window_kib (and 4 MiB of low guest memory)");
  if (s.iommu != IommuMode::On && device.ats)
    errors.push_back("device.ats needs scenario.iommu=on (ATS contexts translate)");
  if (s.iommu == IommuMode::PassThrough && !unit.unit.pass_through)
    errors.push_back("scenario.iommu=passthrough needs unit.pass_through (ECAP.PT)");
  const bool posted = scenario.interrupts == InterruptDelivery::Posted;
  if (posted && !unit.unit.posted_interrupts)
    errors.push_back("scenario.interrupts=posted needs unit.posted_interrupts");
  if (scenario.interrupts == InterruptDelivery::Remapped && !unit.unit.interrupt_remapping)
    errors.push_back("scenario.interrupts=remapped needs unit.interrupt_remapping");
  if ((posted || scenario.interrupts == InterruptDelivery::Remapped) && !unit.unit.queued_invalidation)
    errors.push_back("scenario.interrupts=" + std::string(posted ? "posted" : "remapped") +
                     " needs unit.queued_invalidation (the driver, like Linux, enables interrupt remapping only with the invalidation queue)");
  if (posted && platform.vcpus == 0)
    errors.push_back("scenario.interrupts=posted needs platform.vcpus >= 1 (the guest's vCPU)");
  if (scenario.host_base_mib < 64)
    errors.push_back("scenario.host_base_mib must leave the first 64 MiB to the host (firmware tables)");
  if (uint64_t(scenario.ring_entries) * 4096 + 8192 > (scenario.vm_ram_mib << 20))
    errors.push_back("scenario.vm_ram_mib is too small for scenario.ring_entries buffers");
  return errors;
}

}  // namespace vtd::platform
