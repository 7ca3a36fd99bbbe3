// SimConfig: description of every group and the cross-group checks.
#include "platform/sim_config.h"

#include "model/common/param_registry.h"
#include "platform/system_bus.h"

namespace vtd::platform {

void PlatformParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "dmar_base", dmar_base, 0x1000, ~0ull, "address", "physical base of the DMAR register block");
  r.addUInt(p + "devices", devices, 1, 64, "devices", "DMA bus masters (requester ids 00:04.0 upwards)");
  r.addUInt(p + "quantum_ns", quantum_ns, 1, 1000000, "ns", "temporal-decoupling quantum of loosely-timed initiators");
  r.addUInt(p + "device_gap_ns", device_gap_ns, 0, 1000000, "ns", "time a device spends between two operations");
  r.addUInt(p + "vcpus", vcpus, 0, 254, "CPUs", "physical CPUs each running one vCPU with posted interrupts (APIC IDs 1 upwards; the host CPU is APIC ID 0)");
  r.addBool(p + "x2apic", x2apic, "the vCPUs' physical local APICs are in x2APIC mode (32-bit destinations: needs unit.extended_interrupt_mode for remapped interrupts to reach IDs above 255)");
}

void ScenarioParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "vm_ram_mib", vm_ram_mib, 4, 1u << 20, "MiB", "guest RAM of the VM");
  r.addUInt(p + "host_base_mib", host_base_mib, 16, 1u << 20, "MiB", "host physical address of guest RAM");
  r.addChoice(p + "leaf", leaf, {{"4k", LeafChoice::k4K}, {"2m", LeafChoice::k2M}, {"1g", LeafChoice::k1G}},
              "largest leaf the host uses to map guest RAM (hugepage backing)");
  r.addUInt(p + "packets", packets, 0, 1ull << 40, "packets", "packets the device moves");
  r.addUInt(p + "packet_bytes", packet_bytes, 1, 2048, "bytes", "bytes per packet");
  r.addUInt(p + "ring_entries", ring_entries, 1, 256, "descriptors", "descriptor ring size (one 4 KiB page)");
  r.addReal(p + "rx_fraction", rx_fraction, 0.0, 1.0, "ratio", "share of packets written by the device (receive)");
  r.addUInt(p + "interrupt_every", interrupt_every, 0, 1u << 30, "packets", "packets per device MSI (0: none)");
  r.addUInt(p + "stray_dmas", stray_dmas, 0, 1000, "DMAs", "DMAs beyond guest RAM at the end (each must fault)");
  r.addUInt(p + "seed", seed, 0, ~0ull, "", "seed of buffer placement and the rx/tx choice");
  r.addUInt(p + "device_vector", device_vector, 0x10, 0xFE, "vector", "vector of the device's MSI");
  r.addUInt(p + "fault_vector", fault_vector, 0x10, 0xFE, "vector", "vector of the unit's fault event");
  r.addChoice(p + "interrupts", interrupts,
              {{"auto", InterruptDelivery::Auto}, {"posted", InterruptDelivery::Posted},
               {"remapped", InterruptDelivery::Remapped}, {"direct", InterruptDelivery::Direct}},
              "how the device's MSIs are delivered: posted to the guest's vCPU (needs unit.posted_interrupts), remapped to the host CPU (needs unit.interrupt_remapping), direct (no interrupt remapping); auto picks the first the unit offers");
  r.addUInt(p + "vcpu_run_ns", vcpu_run_ns, 0, 1ull << 40, "ns", "mean time slice of the guest's vCPU (exponential)");
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
  if ((scenario.host_base_mib + scenario.vm_ram_mib) > memory.size_mib)
    errors.push_back("scenario.host_base_mib + scenario.vm_ram_mib exceeds memory.size_mib");
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
