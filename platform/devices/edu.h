// EduDevice: QEMU's educational PCI device (hw/misc/edu.c, docs/specs/edu.rst) as QEMU 7.2
// shows it, so qtest scripts written for `-device edu` run unchanged. Config space:
// 1234:11E8 revision 0x10, class 0x00FF00, INTA#, BAR0 1 MiB 32-bit non-prefetchable
// memory, MSI capability at 0x40 (64-bit, one vector). BAR0 registers: 0x00 id 0x010000ED,
// 0x04 liveness (~value), 0x08 factorial, 0x20 status, 0x24 interrupt status, 0x60 raise,
// 0x64 acknowledge, 0x80/0x88/0x90/0x98 DMA source/destination/count/command. DMA and MSIs
// leave through `dma` with the requester id 00:devfn, so they pass through the VT-d unit.
// Register and config accesses never wait (callable from any context): an MSI leaves from
// the device's own thread one delta cycle later, a DMA 100 ms later, so the platform must
// let the simulation run (at least the pending delta cycles) after a CPU access.
// Deliberate deviations from QEMU 7.2 (which aborts the whole emulator instead):
//  - a DMA range check failure (including count 0) refuses the transfer with a message on
//    stderr; a transfer of the full 4096-byte buffer is allowed (QEMU 7.2 aborts on it
//    through an off-by-one in edu_check_range);
//  - the factorial is computed at once (QEMU uses a host thread that finishes at an
//    unknown time), so status bit 0 (computing) is never seen set;
//  - the DMA fires 100 ms after the command write; QEMU rounds the start time down to the
//    millisecond first (its timer has millisecond scale).
// Not modelled: INTx routing (there is no IOAPIC: intxAsserted() is the level), reset.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <tlm>

#include "model/common/types.h"
#include "platform/pci/pci_config_space.h"
#include "platform/pci/pci_device.h"
#include "platform/pci/pci_msi_capability.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct EduStats {
  uint64_t factorials = 0;       // factorial computations started (0x08 writes)
  uint64_t dmas_done = 0;        // transfers whose transaction completed without error
  uint64_t dmas_failed = 0;      // transfers answered with a TLM error (e.g. a DMA fault)
  uint64_t dmas_refused = 0;     // transfers outside the 4 KiB buffer (count 0 included)
  uint64_t dmas_no_master = 0;   // transfers run with COMMAND.Bus Master clear (no bus access)
  uint64_t dma_bytes = 0;        // bytes of transfers that completed without error
  uint64_t dma_clamped = 0;      // transfers whose RAM address dma_mask changed
  uint64_t msis_sent = 0;        // MSI writes issued on `dma`
  uint64_t msis_dropped = 0;     // MSIs due while COMMAND.Bus Master was clear
  uint64_t intx_assertions = 0;  // rising edges of INTA# as the interrupt controller sees it
};

class EduDevice : public sc_core::sc_module, public PciDevice {
 public:
  // Identity and layout (edu.c: PCI_VENDOR_ID_QEMU, 0x11e8, revision 0x10, PCI_CLASS_OTHERS).
  static constexpr uint16_t kVendorId = 0x1234, kDeviceId = 0x11E8;
  static constexpr uint8_t kRevision = 0x10;
  static constexpr uint32_t kClassCode = 0x00FF00;
  static constexpr uint32_t kBarSize = 1u << 20;
  static constexpr unsigned kMsiOffset = 0x40;
  static constexpr uint64_t kDefaultDmaMask = (1ull << 28) - 1;  // edu's 28-bit default
  // BAR0 registers (edu.rst "MMIO area spec").
  static constexpr uint64_t kRegId = 0x00, kRegLiveness = 0x04, kRegFactorial = 0x08;
  static constexpr uint64_t kRegStatus = 0x20, kRegIrqStatus = 0x24, kRegIrqRaise = 0x60;
  static constexpr uint64_t kRegIrqAck = 0x64, kRegDmaSrc = 0x80, kRegDmaDst = 0x88;
  static constexpr uint64_t kRegDmaCount = 0x90, kRegDmaCmd = 0x98;
  static constexpr uint32_t kIdValue = 0x010000ED;
  static constexpr uint32_t kStatusComputing = 0x01, kStatusIrqFact = 0x80;
  static constexpr uint64_t kDmaRun = 0x1, kDmaToRam = 0x2, kDmaIrq = 0x4;
  static constexpr uint32_t kFactIrq = 0x001, kDmaIrqValue = 0x100;
  static constexpr uint64_t kBufferStart = 0x40000, kBufferSize = 4096;

  tlm_utils::simple_initiator_socket<EduDevice> dma;  // bind to the VT-d unit's dma_in

  SC_HAS_PROCESS(EduDevice);
  EduDevice(const sc_core::sc_module_name& name, uint8_t devfn,
            uint64_t dma_mask = kDefaultDmaMask);

  // PciDevice.
  uint8_t devfn() const override { return devfn_; }
  uint32_t configRead(unsigned offset, unsigned size) override;
  void configWrite(unsigned offset, unsigned size, uint32_t value) override;
  bool claimsMemory(uint64_t address, unsigned length) const override;
  void memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;

  SourceId requesterId() const { return SourceId{devfn_}; }
  uint64_t dmaMask() const { return dma_mask_; }
  // INTA# as the interrupt controller would see it: asserted and not disabled by COMMAND.
  bool intxAsserted() const { return intx_line_; }
  const sc_core::sc_event& intxChanged() const { return intx_changed_; }
  const PciConfigSpace& config() const { return config_; }
  const PciMsiCapability& msi() const { return msi_; }
  const std::array<uint8_t, kBufferSize>& buffer() const { return buffer_; }

  const EduStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = EduStats{}; }

 private:
  struct DmaRegisters {
    uint64_t src = 0, dst = 0, cnt = 0, cmd = 0;
  };
  struct PendingMsi {
    uint64_t address;
    uint32_t data;
  };

  // BAR0 register file, one access of 4 or 8 bytes at a time (edu_mmio_read/write).
  uint64_t registerRead(uint64_t offset, unsigned size) const;
  void registerWrite(uint64_t offset, unsigned size, uint64_t value);
  void writeDmaRegister(uint64_t& reg, uint64_t value);
  void startFactorial(uint32_t n);
  // Interrupts (edu_raise_irq / edu_lower_irq).
  void raiseIrq(uint32_t value);
  void lowerIrq(uint32_t value);
  void setIntxLevel(bool level);
  void updateIntxLine();
  void msiThread();
  // DMA engine.
  void dmaThread();
  void runDma();
  bool transferInBuffer(uint64_t start, uint64_t count) const;

  uint8_t devfn_;
  uint64_t dma_mask_;
  PciConfigSpace config_;
  PciMsiCapability msi_;
  uint32_t addr4_ = 0, fact_ = 0, status_ = 0, irq_status_ = 0;
  DmaRegisters dma_regs_;
  std::array<uint8_t, kBufferSize> buffer_{};
  bool intx_level_ = false;  // the function's INTx# state (STATUS.Interrupt)
  bool intx_line_ = false;   // what leaves the pin (level and not COMMAND.INTx Disable)
  sc_core::sc_event intx_changed_, dma_timer_, msi_pending_;
  std::deque<PendingMsi> msi_queue_;
  ::tlm::tlm_generic_payload dma_payload_, msi_payload_;
  uint32_t msi_word_ = 0;
  EduStats stats_;
};

}  // namespace vtd::platform
