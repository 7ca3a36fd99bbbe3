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
// dma_in serves both TLM-2.0 styles at once (tlm/fidelity.h):
//  b_transport   loosely timed with resource timelines (vtd_unit_timing.cpp): a request
//                arrives at sc_time_stamp() + the annotated delay and the unit returns with
//                the delay advanced to its completion (queue stall, lookups, walker wait,
//                walk reads through mem_out, then the forwarded access).
//  nb_transport  approximately timed, the base protocol's four phases (vtd_unit_at.cpp):
//                END_REQ when the request is admitted (withheld while latency.request_queue
//                requests are in flight), BEGIN_RESP at its completion in simulated time
//                (held while the port's previous BEGIN_RESP is not accepted). The same
//                timing core times it, from its admission.
// Downstream stays loosely timed in both: mem_out and msi_out are b_transport, and their
// targets must not wait() (the AT path runs in a method). No architectural logic lives here.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "model/unit/remapping_unit.h"
#include "tlm/at_dma_state.h"
#include "tlm/checker_log.h"
#include "tlm/latency_params.h"
#include "tlm/requester_extension.h"
#include "tlm/resource_timelines.h"
#include "tlm/timing_stats.h"
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
  uint64_t at_transactions = 0;    // of dma_transactions, those that came by nb_transport
  uint64_t response_waits = 0;     // AT responses held until the previous one was accepted
  uint64_t response_wait_ps = 0;
  // Interrupt latency: from the interrupt write reaching dma_in to the message leaving on
  // msi_out (which the APIC fabric delivers without delay: the LAPIC delivery time) or to
  // the end of the posted-descriptor update; IRTE fetches, the IEC lookup and the
  // descriptor's read-modify-write all count. Blocked interrupts are not timed.
  struct LatencyTally {
    uint64_t sum_ps = 0, max_ps = 0, count = 0;
    void add(uint64_t ps) {
      sum_ps += ps;
      max_ps = ps > max_ps ? ps : max_ps;
      ++count;
    }
    double meanNs() const { return count ? double(sum_ps) / double(count) / 1e3 : 0.0; }
  };
  LatencyTally interrupt_sent, interrupt_posted;
};

class VtdUnit : public sc_core::sc_module, private InterruptSink, private AccessListener {
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
  const TimingStats& timingStats() const { return timing_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats();

 private:
  void dmaTransport(int port, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  static DmaKind kindOf(const RequesterExtension* req, const ::tlm::tlm_generic_payload& trans);
  void interruptRequest(const RequesterExtension& req, ::tlm::tlm_generic_payload& trans,
                        sc_core::sc_time& delay);
  void translationRequest(const RequesterExtension& req, ::tlm::tlm_generic_payload& trans,
                          sc_core::sc_time& delay);
  void mmioTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned mmioDebug(::tlm::tlm_generic_payload& trans);
  void deliver(const MsiMessage& message) override;  // InterruptSink

  // Approximately timed (vtd_unit_at.cpp): the four phases, admission, held responses.
  ::tlm::tlm_sync_enum dmaNbTransport(int port, ::tlm::tlm_generic_payload& trans,
                                      ::tlm::tlm_phase& phase, sc_core::sc_time& delay);
  ::tlm::tlm_sync_enum atBeginRequest(unsigned port, ::tlm::tlm_generic_payload& trans,
                                      ::tlm::tlm_phase& phase, const sc_core::sc_time& delay);
  void atEvent(AtRequest& a, const ::tlm::tlm_phase& phase);
  bool atArrive(AtRequest& a);  // true: admitted (or not queued) now
  void atAdmit(AtRequest& a);
  void atAdmitWaiting();
  void atSendEndRequest(AtRequest& a);
  void atRequestDone(AtRequest& a);
  void atSendResponses(unsigned port);
  void atEndResponse(unsigned port, const sc_core::sc_time& delay);

  // Timing (vtd_unit_timing.cpp).
  struct TimedRequest {
    uint64_t arrival_ps = 0;   // sc_time_stamp() + the annotated delay
    uint64_t admitted_ps = 0;  // arrival, or later when the request queue was full
    uint64_t queued_ps = 0;    // AT: the real wait for admission before arrival_ps (= now)
  };
  // AT: serves a's current request (or ATS request, or interrupt) from now; returns its
  // completion (ps) and sets a.last and a.status.
  uint64_t atServe(AtRequest& a);
  DmaRequest dmaRequestOf(const RequesterExtension& req,
                          const ::tlm::tlm_generic_payload& trans) const;
  bool forwardChunk(DmaRequest& r, ::tlm::tlm_generic_payload& trans, unsigned char* data,
                    unsigned chunk, TimedRequest& timed, uint64_t now, sc_core::sc_time& delay,
                    ::tlm::tlm_response_status& status);
  void translateAts(const RequesterExtension& req, ::tlm::tlm_generic_payload& trans,
                    TimedRequest& timed, uint64_t now, sc_core::sc_time& delay);
  void beginTranslations(const TimedRequest& timed, const sc_core::sc_time& delay);
  void endTranslations();
  __attribute__((noinline)) uint64_t admitWhenFull(uint64_t arrival, uint64_t now);
  // Targets on mem_out do not wait(), so `now` (sc_time_stamp(), ps) holds throughout.
  Translation translateTimed(const DmaRequest& r, TimedRequest& timed, uint64_t now,
                             sc_core::sc_time& delay);
  bool mergeWithWalk(const DmaRequest& r, const Translation& t, uint64_t admitted, uint64_t& done);
  uint64_t finishWalk(const DmaRequest& r, const Translation& t, uint64_t admitted,
                      uint64_t cost_ps, uint64_t now);
  AccessPlan beforeAccess(bool write) override;  // AccessListener
  void startWalk();
  sc_core::sc_time lookupsEnd() const;
  uint64_t entriesInvalidated() const;
  void chargeInvalidations();
  void beginRegisterWrite(sc_core::sc_time& delay);
  void endRegisterWrite();
  uint64_t nextRandom();
  uint64_t elapsedPs() const;
  using InFlightWalk = InFlightWalks::Walk;

  // sc_time from picoseconds, keeping the last conversion: sc_time::from_value is an
  // out-of-line call, and on the hit path the same latency recurs request after request.
  class TimeCache {
   public:
    const sc_core::sc_time& get(uint64_t ps) {
      if (ps != ps_) {
        ps_ = ps;
        time_ = sc_core::sc_time::from_value(ps);
      }
      return time_;
    }

   private:
    uint64_t ps_ = 0;
    sc_core::sc_time time_;
  };

  sc_core::sc_time* current_delay_ = nullptr;  // delay of the transaction being served
  TlmGuestMemory<VtdUnit> guest_memory_;
  RemappingUnit unit_;
  CheckerLog checker_log_;
  CostTimer cost_timer_;
  sc_core::sc_time register_access_;
  ::tlm::tlm_generic_payload msi_payload_;
  uint32_t msi_data_ = 0;
  ShellStats stats_;

  // What the model's memory accesses mean right now: a DMA translation's (Translate until
  // its first table read takes a walker, Walking after), a register write's invalidation
  // work, or neither.
  enum class Mode : uint8_t { None, Translate, Walking, Register };
  Mode mode_ = Mode::None;
  struct WalkState {
    const TimedRequest* request = nullptr;         // arrival, admission (+ front_ps_: lookups end)
    const sc_core::sc_time* arrival_delay = nullptr;  // the request's delay: arrival - now
    unsigned walker = 0;
    uint64_t start_ps = 0;  // when the walker was got
  } walk_;
  sc_core::sc_time walk_delay_;  // the walk's reads: from now to the end of the last so far
  sc_core::sc_simcontext* simcontext_;  // time_stamp() inline (sc_time_stamp() is a call)
  sc_core::sc_time fault_record_time_;
  TimeCache latency_time_, walk_start_time_;
  uint64_t front_ps_;
  WalkerPool walkers_;
  RequestQueue queue_;
  InFlightWalks walks_;
  uint64_t llc_threshold_ = 0;  // a read hits the LLC when a 64-bit draw is below it
  bool llc_always_ = false;
  uint64_t llc_ps_;
  uint64_t rng_state_;
  uint64_t entry_ps_;
  uint64_t inv_entries_seen_ = 0;
  uint64_t walk_horizon_ps_ = 0;  // latest walk end: occupancy is averaged up to it
  uint64_t stats_reset_ps_ = 0;
  TimingStats timing_;
  tlm_utils::peq_with_cb_and_phase<VtdUnit, AtPeqTypes> at_peq_;
  AtDmaState at_;
};

// What a transaction on dma_in is: malformed (no requester id, byte enables, streaming, an
// ignore command, an ATS translation request that is not an 8-byte read), an ATS
// translation request (AT=01), an interrupt request (a DWORD write into the window, FS 8.1;
// anything else touching the window is refused chunk by chunk: the model blocks it), or a
// memory access.
inline DmaKind VtdUnit::kindOf(const RequesterExtension* req,
                               const ::tlm::tlm_generic_payload& trans) {
  const unsigned length = trans.get_data_length();
  if (!req || trans.get_byte_enable_ptr() || trans.get_streaming_width() < length ||
      trans.get_command() == ::tlm::TLM_IGNORE_COMMAND)
    return DmaKind::Malformed;
  if (req->at == AddressType::TranslationRequest)
    return trans.is_read() && length == 8 ? DmaKind::TranslationRequest : DmaKind::Malformed;
  const uint64_t address = trans.get_address();
  if (trans.is_write() && length == 4 && (address & 3) == 0 &&
      RemappingUnit::isInterruptAddress(address))
    return DmaKind::Interrupt;
  return DmaKind::Memory;
}

}  // namespace vtd::tlm
