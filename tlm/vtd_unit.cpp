// VtdUnit: transports. See vtd_unit.h for what the shell does and does not do.
#include "tlm/vtd_unit.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/common/stat_registry.h"

namespace vtd::tlm {

using ::tlm::tlm_generic_payload;
using sc_core::sc_time;

VtdUnit::VtdUnit(const sc_core::sc_module_name& name, const UnitConfig& config,
                 const LatencyParams& latency)
    : sc_module(name), dma_in("dma_in"), mmio_in("mmio_in"), mem_out("mem_out"),
      msi_out("msi_out"), guest_memory_(mem_out, current_delay_), unit_(config, guest_memory_),
      checker_log_(config.checker, this->name()), cost_timer_(latency, config),
      register_access_(double(latency.register_access_ns), sc_core::SC_NS),
      simcontext_(sc_core::sc_get_curr_simcontext()),
      fault_record_time_(sc_time::from_value(cost_timer_.cyclesToPicoseconds(latency.fault_record_cycles))),
      front_ps_(cost_timer_.frontPicoseconds()), walkers_(latency.walkers),
      queue_(latency.request_queue), llc_ps_(uint64_t(latency.walk_llc_ns) * 1000),
      rng_state_(latency.walk_llc_seed),
      entry_ps_(cost_timer_.cyclesToPicoseconds(latency.invalidation_entry_cycles)),
      at_peq_(this, &VtdUnit::atEvent) {
  if (sc_core::sc_get_time_resolution() != sc_time(1, sc_core::SC_PS))
    SC_REPORT_FATAL(this->name(), "the platform expects a 1 ps time resolution");
  dma_in.register_b_transport(this, &VtdUnit::dmaTransport);
  dma_in.register_nb_transport_fw(this, &VtdUnit::dmaNbTransport);
  mmio_in.register_b_transport(this, &VtdUnit::mmioTransport);
  mmio_in.register_transport_dbg(this, &VtdUnit::mmioDebug);
  unit_.setInterruptSink(this);
  guest_memory_.setListener(this);
  checker_log_.attach(unit_.diagnostics());
  // Walk reads hit the LLC only when walks snoop CPU caches (ECAP.C).
  const double f = latency.walk_llc_hit_fraction;
  if (config.unit.coherent && f > 0) {
    llc_always_ = f >= 1.0;
    llc_threshold_ = llc_always_ ? 1 : uint64_t(std::ldexp(f, 64));
  }
  msi_payload_.set_command(::tlm::TLM_WRITE_COMMAND);
  msi_payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&msi_data_));
  msi_payload_.set_data_length(4);
  msi_payload_.set_streaming_width(4);
}

// A DWORD write into the interrupt window (FS 8.1): remapped, then sent on msi_out.
void VtdUnit::interruptRequest(const RequesterExtension& req, tlm_generic_payload& trans,
                               sc_time& delay) {
  ++stats_.interrupts_in;
  MsiRequest m;
  m.source = req.source;
  m.address = trans.get_address();
  std::memcpy(&m.data, trans.get_data_ptr(), 4);
  current_delay_ = &delay;
  const sc_time arrival = delay;
  const InterruptResult r = unit_.remapInterrupt(m);
  delay += sc_time::from_value(cost_timer_.picoseconds(r.cost));
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);  // posted write: blocked ones vanish
  const uint64_t latency_ps = uint64_t((delay - arrival).to_seconds() * 1e12 + 0.5);
  if (r.send) deliver(MsiMessage{r.address, r.data});
  if (r.posted)
    stats_.interrupt_posted.add(latency_ps);
  else if (r.send)
    stats_.interrupt_sent.add(latency_ps);
  current_delay_ = nullptr;
}

// Messages from the model (fault events, invalidation completion events) and remapped
// device interrupts, at the time of the work that raised them.
void VtdUnit::deliver(const MsiMessage& message) {
  ++stats_.interrupts_out;
  msi_data_ = message.data;
  msi_payload_.set_address(message.address);
  msi_payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  if (mode_ == Mode::Translate || mode_ == Mode::Walking) {
    // A translation's fault event, sent once its record is written: fault_record_cycles
    // after the lookups or the walk's last read. Posted: the request does not wait for it.
    sc_time at = mode_ == Mode::Translate ? lookupsEnd() : walk_delay_;
    at += fault_record_time_;
    msi_out->b_transport(msi_payload_, at);
    return;
  }
  if (mode_ == Mode::Register) chargeInvalidations();  // an invalidation wait's event
  sc_time local = sc_core::SC_ZERO_TIME;
  msi_out->b_transport(msi_payload_, current_delay_ ? *current_delay_ : local);
}

void VtdUnit::mmioTransport(tlm_generic_payload& trans, sc_time& delay) {
  const unsigned length = trans.get_data_length();
  const uint32_t offset = uint32_t(trans.get_address());
  delay += register_access_;
  // Up to 8 bytes reach the model, which refuses sizes other than 4 and 8 itself (reads
  // 0, writes ignored, counted); longer bursts and byte enables are bus errors.
  if (length == 0 || length > 8 || trans.get_byte_enable_ptr()) {
    trans.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (trans.is_read()) {
    current_delay_ = &delay;
    const uint64_t v = unit_.mmioRead(offset, length);
    std::memcpy(trans.get_data_ptr(), &v, length);
    current_delay_ = nullptr;
  } else if (trans.is_write()) {
    // A write may raise a fault event (e.g. FECTL unmask) or process the invalidation
    // queue: its fetches, entries removed and status writes are timed from here, in order,
    // and the write returns when they are done.
    uint64_t v = 0;
    std::memcpy(&v, trans.get_data_ptr(), length);
    beginRegisterWrite(delay);
    unit_.mmioWrite(offset, length, v);
    endRegisterWrite();
  }
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

unsigned VtdUnit::mmioDebug(tlm_generic_payload& trans) {
  const unsigned length = trans.get_data_length();
  if (!trans.is_read() || (length != 4 && length != 8)) return 0;
  const uint64_t v = unit_.mmioPeek(uint32_t(trans.get_address()), length);
  std::memcpy(trans.get_data_ptr(), &v, length);
  return length;
}

void VtdUnit::describeStats(StatRegistry& r, const std::string& p) const {
  unit_.describeStats(r, p);
  timing_.describe(r, p, [this] { return elapsedPs(); }, cost_timer_.cyclePicoseconds());
  r.addCounter(p + "dma_transactions", stats_.dma_transactions, "transactions", "DMA transactions received from bus masters");
  r.addCounter(p + "dma_chunks", stats_.dma_chunks, "requests", "4 KiB-bounded requests translated");
  r.addCounter(p + "dma_blocked", stats_.dma_blocked, "transactions", "DMA transactions answered with an error because of a fault");
  r.addCounter(p + "dma_bad_requests", stats_.dma_bad_requests, "transactions", "malformed upstream transactions (no requester id, byte enables, interrupt-window reads)");
  r.addCounter(p + "translation_requests", stats_.translation_requests, "requests", "ATS translation requests (AT=01) answered with a completion");
  r.addCounter(p + "interrupts_in", stats_.interrupts_in, "messages", "interrupt requests from devices");
  r.addCounter(p + "interrupts_out", stats_.interrupts_out, "messages", "interrupt messages sent by the unit (device MSIs and event messages)");
  r.addCounter(p + "at_transactions", stats_.at_transactions, "transactions", "DMA transactions received by nb_transport (approximately timed; included in dma_transactions)");
  r.addCounter(p + "response_waits", stats_.response_waits, "transactions", "approximately-timed responses held back because the initiator had not yet accepted the previous response on its socket (END_RESP)");
  r.addCounter(p + "response_wait_ps", stats_.response_wait_ps, "ps", "time those responses were held back");
  const TimingStats& timing = timing_;
  r.addDerived(p + "translation_ps", [&timing] { return double(timing.latency_ps[0] + timing.latency_ps[1]); }, "ps", "time DMA and ATS translation requests spent being translated (queue stall, lookups, request processing, walker wait, walk memory reads)");
  const ShellStats& s = stats_;
  r.addDerived(p + "interrupt_delivery_latency_ns", [&s] { return s.interrupt_sent.meanNs(); }, "ns", "mean time from an interrupt write reaching the unit to its message reaching the APICs (remapped, compatibility-format or not remapped; IRTE fetch and IEC lookup included)");
  r.addDerived(p + "interrupt_delivery_latency_max_ns", [&s] { return double(s.interrupt_sent.max_ps) / 1e3; }, "ns", "longest of those");
  r.addDerived(p + "interrupt_post_latency_ns", [&s] { return s.interrupt_posted.meanNs(); }, "ns", "mean time from an interrupt write reaching the unit to the end of its posted-descriptor update (the notification, when one is sent, leaves at the same time)");
  r.addDerived(p + "interrupt_post_latency_max_ns", [&s] { return double(s.interrupt_posted.max_ps) / 1e3; }, "ns", "longest of those");
}

void VtdUnit::resetStats() {
  unit_.resetStats();
  stats_ = ShellStats{};
  timing_ = TimingStats{};
  stats_reset_ps_ = simcontext_->time_stamp().value();
  walk_horizon_ps_ = 0;
}

}  // namespace vtd::tlm
