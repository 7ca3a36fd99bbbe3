// VtdUnit: the SystemC/TLM-2.0 shell around one RemappingUnit (a DRHD). Sockets:
//  dma_in   upstream requests from bus masters (RequesterExtension required); DMA is split
//           at 4 KiB boundaries like PCIe requests, each chunk translated and forwarded;
//           aligned DWORD writes into 0xFEEx_xxxx are interrupt requests, and any other
//           access touching that window is refused. The extension's AT says what a request
//           is (ATS, with unit.device_tlb): untranslated and translated (AT=10) requests are
//           memory accesses as above; a translation request (AT=01) is an 8-byte read of the
//           untranslated address whose data is the PCIe translation completion entry
//           (model/translation/ats.h: address, S, N, U, W, R), with the completion status as
//           the response: Success = TLM_OK_RESPONSE, Unsupported Request =
//           TLM_ADDRESS_ERROR_RESPONSE, Completer Abort = TLM_GENERIC_ERROR_RESPONSE (no
//           data then). Other lengths or commands with AT=01 are malformed requests.
//  mmio_in  the register block (offsets relative to its base); debug reads are peeks.
//  mem_out  downstream to memory: forwarded DMA and the unit's own table reads.
//  msi_out  interrupts: remapped device MSIs and the unit's own event messages.
// Timing is loosely timed: a Cost becomes time through CostTimer, walks take memory time.
// No architectural logic lives here.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "model/unit/remapping_unit.h"
#include "tlm/checker_log.h"
#include "tlm/latency_params.h"
#include "tlm/requester_extension.h"
#include "tlm/tlm_guest_memory.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::tlm {

struct ShellStats {
  uint64_t dma_transactions = 0;   // transactions on dma_in (before splitting)
  uint64_t dma_chunks = 0;         // 4 KiB-bounded pieces translated
  uint64_t dma_blocked = 0;        // transactions answered with an error (fault)
  uint64_t dma_bad_requests = 0;   // no requester id, byte enables, streaming, MSI misuse
  uint64_t translation_requests = 0;  // ATS translation requests (AT=01) answered
  uint64_t interrupts_in = 0;      // interrupt requests from devices
  uint64_t interrupts_out = 0;     // messages sent on msi_out
  uint64_t translation_ps = 0;     // time spent in the unit (lookups + walks)
  // Interrupt latency: from the interrupt write reaching dma_in to the message leaving on
  // msi_out (which the APIC fabric delivers without delay: the LAPIC delivery time) or to
  // the end of the posted-descriptor update; IRTE fetches, the IEC lookup and the
  // descriptor's read-modify-write all count. Blocked interrupts are not timed.
  uint64_t interrupt_sent_ps = 0, interrupt_sent_max_ps = 0, interrupts_sent_timed = 0;
  uint64_t interrupt_posted_ps = 0, interrupt_posted_max_ps = 0, interrupts_posted_timed = 0;
};

class VtdUnit : public sc_core::sc_module, private InterruptSink {
 public:
  // Zero bindings are fine: a machine without DMA-capable devices still has the unit
  // (its registers, its fault and invalidation logic).
  tlm_utils::multi_passthrough_target_socket<VtdUnit, 32, ::tlm::tlm_base_protocol_types, 0,
                                             sc_core::SC_ZERO_OR_MORE_BOUND>
      dma_in;
  tlm_utils::simple_target_socket<VtdUnit> mmio_in;
  tlm_utils::simple_initiator_socket<VtdUnit> mem_out;
  tlm_utils::simple_initiator_socket<VtdUnit> msi_out;

  VtdUnit(const sc_core::sc_module_name& name, const UnitConfig& config, const LatencyParams& latency);

  RemappingUnit& model() { return unit_; }
  const RemappingUnit& model() const { return unit_; }
  const ShellStats& shellStats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void dmaTransport(int port, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void interruptRequest(const RequesterExtension& req, ::tlm::tlm_generic_payload& trans,
                        sc_core::sc_time& delay);
  void translationRequest(const RequesterExtension& req, ::tlm::tlm_generic_payload& trans,
                          sc_core::sc_time& delay);
  void mmioTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned mmioDebug(::tlm::tlm_generic_payload& trans);
  void deliver(const MsiMessage& message) override;  // InterruptSink

  sc_core::sc_time* current_delay_ = nullptr;  // delay of the transaction being served
  TlmGuestMemory<VtdUnit> guest_memory_;
  RemappingUnit unit_;
  CheckerLog checker_log_;
  CostTimer cost_timer_;
  sc_core::sc_time register_access_;
  ::tlm::tlm_generic_payload msi_payload_;
  uint32_t msi_data_ = 0;
  ShellStats stats_;
};

}  // namespace vtd::tlm
