// VtdPlatform: the q35-like SystemC assembly. Host CPU -> system bus -> {DRAM, DMAR
// registers, I/O APIC registers}; bus masters (each over its own PCIe link, pcie.*) and
// the I/O APIC -> VT-d unit (dma_in) -> uncore path (uncore.io_read_ns per read) -> DRAM;
// VT-d unit (msi_out: remapped interrupts, posted-interrupt notifications, its own event
// messages) -> APIC fabric -> {the host CPU's interrupt controller (APIC ID 0), one Vcpu
// per platform.vcpus (APIC IDs 1..n, each a physical CPU running one vCPU, reading its
// posted-interrupt descriptor from DRAM)}; vCPU LAPICs' EOI broadcasts -> I/O APIC; VT-d
// unit -> bus masters' device-TLBs (device-TLB invalidate requests, with device.ats).
// Address map: DRAM from 0, I/O APIC at 0xFEC00000, DMAR block at platform.dmar_base,
// interrupt window 0xFEE00000-0xFEEFFFFF (decoded by the unit). Optionally a TraceTap in
// front of the unit's dma_in and mmio_in records what it sees.
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform/apic/apic_fabric.h"
#include "platform/apic/ioapic.h"
#include "platform/apic/vcpu.h"
#include "platform/dma_master.h"
#include "platform/host_cpu.h"
#include "platform/interrupt_controller.h"
#include "platform/memory.h"
#include "platform/pcie/pcie_link.h"
#include "platform/sim_config.h"
#include "platform/system_bus.h"
#include "platform/trace_tap.h"
#include "platform/uncore_path.h"
#include "tlm/vtd_unit.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

class VtdPlatform : public sc_core::sc_module, private DeviceTlbPort {
 public:
  // With `recorder`, a TraceTap between the devices / the bus and the unit records what
  // the unit sees into it (`vtdsim run --record`, platform/trace_tap.h).
  VtdPlatform(const sc_core::sc_module_name& name, const SimConfig& config,
              trace::TraceSink* recorder = nullptr);

  Memory memory;
  UncorePath uncore;  // the unit's way to memory
  tlm::VtdUnit vtd;
  SystemBus bus;
  ApicFabric fabric;
  InterruptController intc;  // the host CPU's APIC (ID kHostApicId)
  HostCpu cpu;
  IoApic ioapic;
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  std::vector<std::unique_ptr<DmaMaster>> devices;
  std::vector<std::unique_ptr<PcieLink>> links;  // links[i]: devices[i] to the root complex
  std::unique_ptr<TraceTap> tap;                  // with a recorder only

  static constexpr uint32_t kHostApicId = 0;
  static SourceId deviceSource(unsigned index) { return SourceId::fromBdf(0, 4 + index, 0); }
  // vCPU i runs on the physical CPU with this APIC ID.
  static uint32_t vcpuApicId(unsigned index) { return index + 1; }
  const SimConfig& config() const { return config_; }
  void describeStats(StatRegistry& r) const;
  void resetStats();

 private:
  // DeviceTlbPort: device-TLB invalidations go to the bus master with that requester id;
  // none (or one without ATS) leaves the request unanswered.
  DeviceTlbResult invalidateDeviceTlb(const DeviceTlbInvalidation& request) override;

  SimConfig config_;
};

}  // namespace vtd::platform
