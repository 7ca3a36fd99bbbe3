// ServeMachine: the q35-like machine behind `vtdsim serve`. The qtest client plays the
// CPU: its memory and port accesses enter here (QtestBackend) and go to RAM, the DMAR
// registers (mapped only with -device intel-iommu) and PCI BARs; ports 0xCF8-0xCFF reach
// PCI configuration mechanism #1. edu devices do DMA and send MSIs upstream through the
// VT-d unit (translation, interrupt remapping) to RAM and the LAPIC of CPU 0.
// Time: accesses from the qtest client take no simulated time (as in QEMU's qtest);
// settle() lets pending device activity run (QEMU's idle warp under -icount).
// Not modelled: the CPU itself, IOAPIC/INTx delivery, HPET, ICH9 functions, ECAM.
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "platform/devices/edu.h"
#include "platform/lapic.h"
#include "platform/memory.h"
#include "platform/pci/pci_host_bridge.h"
#include "platform/serve/protocol/qtest_backend.h"
#include "platform/serve/qemu_command_line.h"
#include "platform/sim_config.h"
#include "platform/system_bus.h"
#include "tlm/vtd_unit.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

class ServeMachine : public sc_core::sc_module, public serve::QtestBackend, public serve::QmpBackend {
 public:
  tlm_utils::simple_initiator_socket<ServeMachine> cpu;

  ServeMachine(const sc_core::sc_module_name& name, const SimConfig& config, const serve::ServeOptions& options);

  Memory memory;
  tlm::VtdUnit vtd;
  SystemBus bus;
  Lapic lapic;
  PciHostBridge pci;
  std::vector<std::unique_ptr<EduDevice>> edus;

  // QtestBackend
  uint64_t memRead(uint64_t address, unsigned size) override;
  void memWrite(uint64_t address, unsigned size, uint64_t value) override;
  void memReadBlock(uint64_t address, uint8_t* data, size_t length) override;
  void memWriteBlock(uint64_t address, const uint8_t* data, size_t length) override;
  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, unsigned size, uint32_t value) override;
  int64_t clockStep(std::optional<int64_t> ns) override;
  int64_t clockSet(int64_t ns) override;
  int64_t clockNow() override;
  // The clock stops here: clock_step/clock_set beyond it end at it (their reply shows where),
  // and settle() does not run past it.
  static int64_t clockLimitNs();
  // QmpBackend
  std::optional<std::string> humanMonitorCommand(const std::string& command_line) override;
  void requestQuit() override { quit_ = true; }

  bool quitRequested() const { return quit_; }
  // Runs every activity that is pending (timers included) until the machine is idle, or
  // a bound on simulated time is reached; what QEMU's -icount warp does for a halted CPU.
  void settle();
  // Runs the delta cycles due now (an MSI a register write triggered), without moving time.
  void runDeltas();

  void describeStats(StatRegistry& r) const;

 private:
  bool access(::tlm::tlm_command command, uint64_t address, uint8_t* data, size_t length);
  void runFor(const sc_core::sc_time& t);
  void runTo(int64_t ns);  // clamped by the callers to clockLimitNs()

  bool quit_ = false;
  uint64_t unassigned_accesses_ = 0;
};

}  // namespace vtd::platform
