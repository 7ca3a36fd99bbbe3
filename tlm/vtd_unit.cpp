// VtdUnit: transports. See vtd_unit.h for what the shell does and does not do.
#include "tlm/vtd_unit.h"

#include <algorithm>
#include <cstring>

#include "model/common/stat_registry.h"
#include "model/translation/ats.h"

namespace vtd::tlm {

using ::tlm::tlm_generic_payload;
using sc_core::sc_time;

VtdUnit::VtdUnit(const sc_core::sc_module_name& name, const UnitConfig& config,
                 const LatencyParams& latency)
    : sc_module(name), dma_in("dma_in"), mmio_in("mmio_in"), mem_out("mem_out"),
      msi_out("msi_out"), guest_memory_(mem_out, current_delay_), unit_(config, guest_memory_),
      checker_log_(config.checker, this->name()), cost_timer_(latency, config),
      register_access_(double(latency.register_access_ns), sc_core::SC_NS) {
  if (sc_core::sc_get_time_resolution() != sc_time(1, sc_core::SC_PS))
    SC_REPORT_FATAL(this->name(), "the platform expects a 1 ps time resolution");
  dma_in.register_b_transport(this, &VtdUnit::dmaTransport);
  mmio_in.register_b_transport(this, &VtdUnit::mmioTransport);
  mmio_in.register_transport_dbg(this, &VtdUnit::mmioDebug);
  unit_.setInterruptSink(this);
  checker_log_.attach(unit_.diagnostics());
  msi_payload_.set_command(::tlm::TLM_WRITE_COMMAND);
  msi_payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&msi_data_));
  msi_payload_.set_data_length(4);
  msi_payload_.set_streaming_width(4);
}

void VtdUnit::dmaTransport(int, tlm_generic_payload& trans, sc_time& delay) {
  ++stats_.dma_transactions;
  const RequesterExtension* req = trans.get_extension<RequesterExtension>();
  const unsigned length = trans.get_data_length();
  if (!req || trans.get_byte_enable_ptr() || trans.get_streaming_width() < length ||
      trans.get_command() == ::tlm::TLM_IGNORE_COMMAND) {
    ++stats_.dma_bad_requests;
    trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  trans.set_dmi_allowed(false);  // every access must be translated
  if (req->at == AddressType::TranslationRequest) return translationRequest(*req, trans, delay);
  const uint64_t address = trans.get_address();
  // An interrupt request is a DWORD write into the window (FS 8.1). Anything else that
  // touches the window is refused chunk by chunk below (the model blocks it).
  if (trans.is_write() && length == 4 && (address & 3) == 0 && RemappingUnit::isInterruptAddress(address))
    return interruptRequest(*req, trans, delay);

  DmaRequest r;
  r.source = req->source;
  r.kind = trans.is_write() ? AccessKind::Write : AccessKind::Read;
  r.at = req->at;
  r.pasid_present = req->pasid_present;
  r.pasid = req->pasid;
  r.privileged = req->privileged;
  r.execute = req->execute;
  unsigned char* const data = trans.get_data_ptr();
  current_delay_ = &delay;  // walk reads and the fault event add their time here
  // PCIe requests never cross a 4 KiB boundary: translate and forward chunk by chunk,
  // reusing the caller's payload (restored before returning). A zero-length request is
  // one chunk of length 0: it is still translated and checked (CAP.ZLR).
  unsigned done = 0;
  ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
  do {
    const uint64_t in = address + done;
    const unsigned chunk = unsigned(std::min<uint64_t>(length - done, 4096 - (in & 0xFFF)));
    r.address = in;
    r.size = chunk;
    const sc_time before = delay;  // walk reads add their memory time to `delay`
    const Translation t = unit_.translate(r);
    ++stats_.dma_chunks;
    delay += sc_time::from_value(cost_timer_.picoseconds(t.cost));
    stats_.translation_ps += (delay - before).value();
    if (!t.ok()) {
      // UR/CA completion. A fault has been recorded as the spec says; a request into the
      // interrupt window is simply not DMA.
      status = ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
      ++stats_.dma_blocked;
      break;
    }
    trans.set_address(t.output);
    trans.set_data_ptr(data + done);
    trans.set_data_length(chunk);
    trans.set_streaming_width(chunk);
    trans.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    mem_out->b_transport(trans, delay);
    if (!trans.is_response_ok()) {
      status = trans.get_response_status();
      break;
    }
    done += chunk;
  } while (done < length);
  current_delay_ = nullptr;
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(status);
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
  if (r.posted) {
    stats_.interrupt_posted_ps += latency_ps;
    stats_.interrupt_posted_max_ps = std::max(stats_.interrupt_posted_max_ps, latency_ps);
    ++stats_.interrupts_posted_timed;
  } else if (r.send) {
    stats_.interrupt_sent_ps += latency_ps;
    stats_.interrupt_sent_max_ps = std::max(stats_.interrupt_sent_max_ps, latency_ps);
    ++stats_.interrupts_sent_timed;
  }
  current_delay_ = nullptr;
}

// An ATS translation request (AT=01): one completion entry in the data (see vtd_unit.h).
void VtdUnit::translationRequest(const RequesterExtension& req, tlm_generic_payload& trans,
                                 sc_time& delay) {
  if (!trans.is_read() || trans.get_data_length() != 8) {
    ++stats_.dma_bad_requests;
    trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  ++stats_.translation_requests;
  DmaRequest r;
  r.source = req.source;
  r.address = trans.get_address();
  r.size = 8;
  r.kind = AccessKind::Read;
  r.at = AddressType::TranslationRequest;
  current_delay_ = &delay;
  const sc_time before = delay;
  const Translation t = unit_.translate(r);
  delay += sc_time::from_value(cost_timer_.picoseconds(t.cost));
  stats_.translation_ps += (delay - before).value();
  current_delay_ = nullptr;
  const AtsCompletion c = completionOf(t);
  switch (c.status) {
    case AtsStatus::Success: {
      const uint64_t entry = ats::encodeEntry(c);
      std::memcpy(trans.get_data_ptr(), &entry, 8);  // little-endian hosts, as the bus
      trans.set_response_status(::tlm::TLM_OK_RESPONSE);
      break;
    }
    case AtsStatus::UnsupportedRequest: trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE); break;
    case AtsStatus::CompleterAbort: trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE); break;
  }
}

// Messages from the model (fault events) and remapped device interrupts.
void VtdUnit::deliver(const MsiMessage& message) {
  ++stats_.interrupts_out;
  msi_data_ = message.data;
  msi_payload_.set_address(message.address);
  msi_payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
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
  current_delay_ = &delay;  // a write may raise a fault event (e.g. FECTL unmask)
  if (trans.is_read()) {
    const uint64_t v = unit_.mmioRead(offset, length);
    std::memcpy(trans.get_data_ptr(), &v, length);
  } else if (trans.is_write()) {
    uint64_t v = 0;
    std::memcpy(&v, trans.get_data_ptr(), length);
    unit_.mmioWrite(offset, length, v);
  }
  current_delay_ = nullptr;
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
  r.addCounter(p + "dma_transactions", stats_.dma_transactions, "transactions", "DMA transactions received from bus masters");
  r.addCounter(p + "dma_chunks", stats_.dma_chunks, "requests", "4 KiB-bounded requests translated");
  r.addCounter(p + "dma_blocked", stats_.dma_blocked, "transactions", "DMA transactions answered with an error because of a fault");
  r.addCounter(p + "dma_bad_requests", stats_.dma_bad_requests, "transactions", "malformed upstream transactions (no requester id, byte enables, interrupt-window reads)");
  r.addCounter(p + "translation_requests", stats_.translation_requests, "requests", "ATS translation requests (AT=01) answered with a completion");
  r.addCounter(p + "interrupts_in", stats_.interrupts_in, "messages", "interrupt requests from devices");
  r.addCounter(p + "interrupts_out", stats_.interrupts_out, "messages", "interrupt messages sent by the unit (device MSIs and event messages)");
  r.addCounter(p + "translation_ps", stats_.translation_ps, "ps", "time DMA requests spent being translated (lookups, request processing, walk memory reads)");
  const ShellStats& s = stats_;
  r.addDerived(p + "interrupt_delivery_latency_ns", [&s] { return s.interrupts_sent_timed ? double(s.interrupt_sent_ps) / double(s.interrupts_sent_timed) / 1e3 : 0.0; }, "ns", "mean time from an interrupt write reaching the unit to its message reaching the APICs (remapped, compatibility-format or not remapped; IRTE fetch and IEC lookup included)");
  r.addDerived(p + "interrupt_delivery_latency_max_ns", [&s] { return double(s.interrupt_sent_max_ps) / 1e3; }, "ns", "longest of those");
  r.addDerived(p + "interrupt_post_latency_ns", [&s] { return s.interrupts_posted_timed ? double(s.interrupt_posted_ps) / double(s.interrupts_posted_timed) / 1e3 : 0.0; }, "ns", "mean time from an interrupt write reaching the unit to the end of its posted-descriptor update (the notification, when one is sent, leaves at the same time)");
  r.addDerived(p + "interrupt_post_latency_max_ns", [&s] { return double(s.interrupt_posted_max_ps) / 1e3; }, "ns", "longest of those");
}

void VtdUnit::resetStats() {
  unit_.resetStats();
  stats_ = ShellStats{};
}

}  // namespace vtd::tlm
