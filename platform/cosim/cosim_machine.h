// CosimMachine: the SystemC side of `vtdsim cosim`. QEMU runs the guest (CPU, chipset, its
// own devices); this machine is what QEMU reaches through its x-pci-proxy-dev functions:
//  - function 00:03.0 (1234:7D00): BAR0 is the VT-d unit's register block (tlm/vtd_unit.h);
//    the guest finds it through the generated DMAR table (dmar_table.h);
//  - functions 00:04.0, 00:05.0, ... (1234:7D01): ring DMA engines (ring_dma.h) in the
//    unit's device scope, each behind its own PCIe link (pcie.*), whose DMA the unit
//    translates and times; the unit reaches memory through the root complex's uncore path
//    (uncore.*), as in the calibrated platform of `vtdsim run`;
//  - guest RAM (Memory backed by QEMU's RAM file, guest_ram.h): the unit's table walks,
//    invalidation-queue fetches and status writes and the engines' translated DMA go there.
// Each guest access becomes a TLM transaction; then the simulation runs until everything
// the access started is done (a doorbell's whole batch, a queued invalidation's wait
// descriptor), so the vCPU, which QEMU blocks until the answer, usually finds the work
// finished. That run is bounded (CosimLayout::access_budget of simulated time): a guest that queues more work
// than that gets its answer with the rest still running, and the session keeps the
// simulation going between accesses (runBackground), as a device works while the CPU
// polls. Simulated time therefore advances only through the model's own work.
// The unit's event messages (fault and invalidation-completion events) cannot reach the
// guest (the proxy carries no interrupts): they end in `events`, counted and reported.
// Also written, for drivers' authors and the comparison with QEMU's own VT-d: every
// register write and every invalidation descriptor the driver queues (SequenceLog).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform/devices/ring_dma.h"
#include "platform/pcie/pcie_link.h"
#include "platform/uncore_path.h"
#include "platform/memory.h"
#include "platform/pci/pci_config_space.h"
#include "platform/sim_config.h"
#include "tlm/vtd_unit.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

// Where the unit's interrupt messages end: counted, each one passed to `onMessage`.
class EventMessageSink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<EventMessageSink> in;
  explicit EventMessageSink(const sc_core::sc_module_name& name);
  std::function<void(uint64_t address, uint32_t data)> onMessage;
  uint64_t messages() const { return messages_; }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  uint64_t messages_ = 0;
};

struct CosimLayout {
  uint8_t vtd_devfn = 3 << 3;           // 00:03.0
  std::vector<uint8_t> ring_devfns{4 << 3};  // 00:04.0, ...
  unsigned burst_bytes = 256;
  // The simulated work one guest access may start before it is answered (see above).
  sc_core::sc_time access_budget{100, sc_core::SC_MS};
};

class CosimMachine : public sc_core::sc_module {
 public:
  static constexpr uint16_t kVtdFunctionDeviceId = 0x7D00;

  Memory memory;
  UncorePath uncore;
  tlm::VtdUnit vtd;
  EventMessageSink events;
  std::vector<std::unique_ptr<RingDmaDevice>> rings;
  std::vector<std::unique_ptr<PcieLink>> links;  // links[i]: rings[i] to the unit

  CosimMachine(const sc_core::sc_module_name& name, const SimConfig& config, const CosimLayout& layout);

  // Guest RAM arrived (QEMU's first SYNC_SYSMEM): the memory's bytes become the guest's.
  void attachGuestRam(uint8_t* bytes, uint64_t size) { memory.useHostMemory(bytes, size); }

  // The register function's configuration space and BAR (offset inside the block).
  PciConfigSpace& vtdConfig() { return vtd_config_; }
  const PciConfigSpace& vtdConfig() const { return vtd_config_; }
  uint64_t vtdRegisterRead(uint64_t offset, unsigned size);
  void vtdRegisterWrite(uint64_t offset, unsigned size, uint64_t value);
  // A ring engine's BAR access (offset inside BAR0).
  uint64_t ringRegisterRead(size_t ring, uint64_t offset, unsigned size);
  void ringRegisterWrite(size_t ring, uint64_t offset, unsigned size, uint64_t value);

  // Receives each register write and each queued invalidation descriptor, in order.
  struct SequenceObserver {
    virtual ~SequenceObserver() = default;
    virtual void registerWrite(uint64_t offset, unsigned size, uint64_t value) = 0;
    virtual void invalidationDescriptor(uint64_t lo, uint64_t hi) = 0;
  };
  void setSequenceObserver(SequenceObserver* o) { observer_ = o; }

  // The unit's pending fault records (F = 1) as text, one per record, the way a driver's
  // fault handler would print them: what the guest never sees, since the fault event
  // message has no way into it.
  std::vector<std::string> pendingFaultRecords() const;

  // Runs pending activity due within `budget` of simulated time; true when no engine is
  // still working afterwards.
  bool runBackground(const sc_core::sc_time& budget);

  uint64_t simulatedPs() const { return sc_core::sc_time_stamp().value(); }
  void describeStats(StatRegistry& r) const;

 private:
  template <class Send>
  uint64_t cpuAccess(bool write, uint64_t address, unsigned size, uint64_t value, Send send);
  uint64_t unitAccess(bool write, uint64_t offset, unsigned size, uint64_t value);
  uint64_t ringAccess(size_t ring, bool write, uint64_t offset, unsigned size, uint64_t value);
  void observeQueuedDescriptors(uint64_t new_tail);
  void settle() { runBackground(access_budget_); }

  tlm_utils::simple_initiator_socket<CosimMachine> cpu_;  // to the unit's registers
  PciConfigSpace vtd_config_;
  sc_core::sc_time access_budget_;
  SequenceObserver* observer_ = nullptr;
  uint64_t register_reads_ = 0, register_writes_ = 0, ring_accesses_ = 0, unanswered_ = 0;
  uint64_t logged_tail_ = 0;  // IQT as last seen (descriptors before it were logged)
};

}  // namespace vtd::platform
