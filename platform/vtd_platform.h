// VtdPlatform: the q35-like SystemC assembly. Host CPU -> system bus -> {DRAM, DMAR
// registers}; bus masters -> VT-d unit (dma_in) -> DRAM; VT-d unit -> interrupt
// controller (MSIs and its own event messages); VT-d unit -> bus masters' device-TLBs
// (device-TLB invalidate requests, with device.ats). Address map: DRAM from 0, DMAR block
// at platform.dmar_base, interrupt window 0xFEE00000-0xFEEFFFFF (decoded by the unit).
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform/dma_master.h"
#include "platform/host_cpu.h"
#include "platform/interrupt_controller.h"
#include "platform/memory.h"
#include "platform/sim_config.h"
#include "platform/system_bus.h"
#include "tlm/vtd_unit.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

class VtdPlatform : public sc_core::sc_module, private DeviceTlbPort {
 public:
  VtdPlatform(const sc_core::sc_module_name& name, const SimConfig& config);

  Memory memory;
  tlm::VtdUnit vtd;
  SystemBus bus;
  InterruptController intc;
  HostCpu cpu;
  std::vector<std::unique_ptr<DmaMaster>> devices;

  static SourceId deviceSource(unsigned index) { return SourceId::fromBdf(0, 4 + index, 0); }
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
