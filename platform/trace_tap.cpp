// TraceTap: forwarding and recording.
#include "platform/trace_tap.h"

#include <cstring>

#include "tlm/requester_extension.h"

namespace vtd::platform {

namespace {
// Queued-invalidation registers (VT-d 3.x 10.4.22-24); the tap keeps its own constants.
constexpr uint32_t kIqt = 0x88, kIqa = 0x90;
}  // namespace

TraceTap::TraceTap(const sc_core::sc_module_name& name, trace::TraceSink& sink)
    : sc_module(name), dma_in("dma_in"), dma_out("dma_out"), mmio_in("mmio_in"),
      mmio_out("mmio_out"), memory_peek("memory_peek"), sink_(sink) {
  dma_in.register_b_transport(this, &TraceTap::dmaTransport);
  mmio_in.register_b_transport(this, &TraceTap::mmioTransport);
  mmio_in.register_transport_dbg(this, &TraceTap::mmioDebug);
}

uint64_t TraceTap::timeOf(const sc_core::sc_time& delay) const {
  return (sc_core::sc_time_stamp() + delay).value();  // 1 ps resolution (the unit checks it)
}

void TraceTap::dmaTransport(int, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // What the unit would refuse as malformed (no requester id) is passed on unrecorded.
  if (const auto* req = trans.get_extension<tlm::RequesterExtension>()) {
    trace::TraceRecord r;
    r.kind = trace::RecordKind::Dma;
    r.time_ps = timeOf(delay);
    r.dma.source = req->source.value;
    r.dma.write = trans.is_write();
    r.dma.at = trace::AddressType(uint8_t(req->at));
    r.dma.pasid_present = req->pasid_present;
    r.dma.pasid = req->pasid;
    r.dma.privileged = req->privileged;
    r.dma.execute = req->execute;
    r.dma.address = trans.get_address();
    r.dma.size = trans.get_data_length();
    put(r);
  }
  dma_out->b_transport(trans, delay);
}

void TraceTap::mmioTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const unsigned length = trans.get_data_length();
  if (trans.is_write() && (length == 4 || length == 8) && !trans.get_byte_enable_ptr()) {
    uint64_t value = 0;
    std::memcpy(&value, trans.get_data_ptr(), length);
    noteRegisterWrite(uint32_t(trans.get_address()), length, value, timeOf(delay));
  }
  mmio_out->b_transport(trans, delay);
}

unsigned TraceTap::mmioDebug(::tlm::tlm_generic_payload& trans) { return mmio_out->transport_dbg(trans); }

void TraceTap::noteRegisterWrite(uint32_t offset, unsigned size, uint64_t value, uint64_t time_ps) {
  trace::TraceRecord r;
  r.kind = trace::RecordKind::RegisterWrite;
  r.time_ps = time_ps;
  r.reg.offset = offset;
  r.reg.size = uint8_t(size);
  r.reg.value = value;
  put(r);
  // IQA and IQT as 64-bit writes or as their low halves (the fields live in 31:0 except
  // IQA's base, whose high half a 32-bit write to offset + 4 supplies).
  if (offset == kIqa) iqa_ = size == 8 ? value : (iqa_ & ~0xFFFFFFFFull) | value;
  else if (offset == kIqa + 4 && size == 4) iqa_ = (iqa_ & 0xFFFFFFFFull) | value << 32;
  else if (offset == kIqt) recordDescriptors(value & 0x7FFF0, time_ps);
}

// Descriptors from the previous tail up to the new one, wrapping at the queue's end.
// 128-bit descriptors (DW = 0) are recorded whole; of 256-bit ones (scalable mode) the
// first 128 bits, which hold every legacy descriptor's fields.
void TraceTap::recordDescriptors(uint64_t new_tail, uint64_t time_ps) {
  const bool wide = (iqa_ >> 11) & 1;
  const uint64_t base = iqa_ & ~0xFFFull;
  const uint64_t queue_bytes = 4096ull << (iqa_ & 7);
  const uint64_t step = wide ? 32 : 16;
  if (new_tail >= queue_bytes) new_tail = 0;  // the unit reports this as a queue error
  uint64_t at = tail_;
  tail_ = new_tail;
  if (base == 0 || at >= queue_bytes) return;
  for (unsigned n = 0; at != new_tail && n < queue_bytes / step; ++n) {
    uint64_t q[2] = {0, 0};
    ::tlm::tlm_generic_payload peek;
    peek.set_command(::tlm::TLM_READ_COMMAND);
    peek.set_address(base + at);
    peek.set_data_ptr(reinterpret_cast<unsigned char*>(q));
    peek.set_data_length(16);
    peek.set_streaming_width(16);
    if (memory_peek->transport_dbg(peek) == 16) {
      trace::TraceRecord r;
      r.kind = trace::RecordKind::Invalidation;
      r.time_ps = time_ps;
      r.inv.lo = q[0];
      r.inv.hi = q[1];
      put(r);
    }
    at = (at + step) % queue_bytes;
  }
}

}  // namespace vtd::platform
