// PcieLink: splitting into TLPs and booking them on each direction's timeline.
#include "platform/pcie/pcie_link.h"

#include <algorithm>
#include <cmath>

#include "model/common/stat_registry.h"
#include "platform/pcie/tlp_split.h"

namespace vtd::platform {

using sc_core::sc_time;

PcieLink::PcieLink(const sc_core::sc_module_name& name, const PcieParams& params)
    : sc_module(name),
      up_in("up_in"),
      down_out("down_out"),
      params_(params),
      ps_per_byte_(1000.0 / params.tlpBytesPerNs()),
      latency_ps_(uint64_t(params.link_latency_ns) * 1000),
      peq_(this, &PcieLink::atEvent) {
  up_in.register_b_transport(this, &PcieLink::transport);
  up_in.register_nb_transport_fw(this, &PcieLink::nbForward);
  up_in.register_transport_dbg(this, &PcieLink::debugTransport);
  down_out.register_nb_transport_bw(this, &PcieLink::nbBackward);
}

uint64_t PcieLink::wirePs(uint32_t bytes) const {
  return uint64_t(std::llround(double(bytes + params_.tlp_framing_bytes) * ps_per_byte_));
}

uint64_t PcieLink::sendUpstream(uint64_t ready, uint32_t bytes, uint32_t payload) {
  const uint64_t duration = wirePs(bytes);
  const uint64_t start = upstream_.reserve(ready, duration, sc_core::sc_time_stamp().value());
  ++stats_.upstream_tlps;
  stats_.upstream_bytes += bytes + params_.tlp_framing_bytes;
  stats_.upstream_payload += payload;
  stats_.upstream_queue_ps += start - ready;
  return start + duration + latency_ps_;
}

uint64_t PcieLink::sendCompletions(uint64_t ready, uint64_t address, uint32_t length) {
  uint64_t last = ready;
  const uint64_t horizon = sc_core::sc_time_stamp().value();
  tlp::forEachCompletion(address, length, params_, [&](uint64_t, uint32_t n) {
    const uint32_t bytes = tlp::kCompletionHeaderBytes + n;
    const uint64_t duration = wirePs(bytes);
    const uint64_t start = downstream_.reserve(ready, duration, horizon);
    ++stats_.completions;
    ++stats_.downstream_tlps;
    stats_.downstream_bytes += bytes + params_.tlp_framing_bytes;
    stats_.downstream_payload += n;
    stats_.downstream_queue_ps += start - ready;
    last = std::max(last, start + duration + latency_ps_);
  });
  return last;
}

bool PcieLink::forward(::tlm::tlm_generic_payload& trans, uint64_t address, unsigned char* data,
                       uint32_t length, uint64_t at, uint64_t& done) {
  const uint64_t now = sc_core::sc_time_stamp().value();
  sc_time delay = sc_time::from_value(at - now);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  down_out->b_transport(trans, delay);
  done = now + delay.value();
  return trans.is_response_ok();
}

void PcieLink::transport(::tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t now = sc_core::sc_time_stamp().value();
  const uint64_t ready = now + delay.value();
  const bool read = trans.is_read();
  if ((!read && !trans.is_write()) || trans.get_byte_enable_ptr() ||
      trans.get_streaming_width() < trans.get_data_length()) {
    down_out->b_transport(trans, delay);  // not a plain memory request: not timed here
    return;
  }
  const uint64_t address = trans.get_address();
  const uint32_t length = trans.get_data_length();
  unsigned char* const data = trans.get_data_ptr();
  const uint32_t max = read ? params_.max_read_request_bytes : params_.max_payload_bytes;
  uint64_t end = ready;
  bool ok = true;
  ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
  // Requests go out back to back from `ready`; each is served when it reaches the root complex.
  tlp::forEachRequest(address, length, max, [&](uint64_t at, uint32_t n) {
    if (!ok) return;
    const uint32_t header = tlp::requestHeaderBytes(at);
    read ? ++stats_.read_requests : ++stats_.write_requests;
    const uint64_t arrival = sendUpstream(ready, read ? header : header + n, read ? 0 : n);
    uint64_t served = arrival;
    ok = forward(trans, at, data + (at - address), n, arrival, served);
    if (!ok) {
      status = trans.get_response_status();
      end = std::max(end, served);
      return;
    }
    end = std::max(end, read ? sendCompletions(served, at, n) : served);
  });
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(status);
  delay = sc_time::from_value(end - now);
}

unsigned PcieLink::debugTransport(::tlm::tlm_generic_payload& trans) {
  return down_out->transport_dbg(trans);
}

double PcieLink::utilisation(const BusyTimeline& t) const {
  const double elapsed = (sc_core::sc_time_stamp() - stats_start_).to_seconds() * 1e12;
  return elapsed > 0 ? double(t.bookedPs()) / elapsed : 0.0;
}

void PcieLink::resetStats() {
  stats_ = PcieLinkStats{};
  upstream_.resetStats();
  downstream_.resetStats();
  stats_start_ = sc_core::sc_time_stamp();
}

void PcieLink::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "read_requests", stats_.read_requests, "TLPs",
               "memory read request TLPs sent upstream");
  r.addCounter(p + "write_requests", stats_.write_requests, "TLPs",
               "memory write request TLPs sent upstream");
  r.addCounter(p + "completions", stats_.completions, "TLPs",
               "completion TLPs with data sent downstream");
  r.addCounter(p + "upstream_tlps", stats_.upstream_tlps, "TLPs",
               "TLPs from the device to the root complex");
  r.addCounter(p + "downstream_tlps", stats_.downstream_tlps, "TLPs",
               "TLPs from the root complex to the device");
  r.addCounter(p + "upstream_bytes", stats_.upstream_bytes, "bytes",
               "bytes sent upstream: headers, data and per-TLP framing");
  r.addCounter(p + "downstream_bytes", stats_.downstream_bytes, "bytes",
               "bytes sent downstream: headers, data and per-TLP framing");
  r.addCounter(p + "upstream_payload", stats_.upstream_payload, "bytes",
               "data bytes sent upstream (write data)");
  r.addCounter(p + "downstream_payload", stats_.downstream_payload, "bytes",
               "data bytes sent downstream (read data)");
  r.addCounter(p + "upstream_queue_ps", stats_.upstream_queue_ps, "ps",
               "time upstream TLPs waited for the link");
  r.addCounter(p + "downstream_queue_ps", stats_.downstream_queue_ps, "ps",
               "time downstream TLPs waited for the link");
  r.addCounter(p + "root_waits", stats_.root_waits, "TLPs",
               "approximately timed: request TLPs that reached the root complex while it had not "
               "accepted the previous one (the unit's backpressure) and waited");
  r.addCounter(p + "root_wait_ps", stats_.root_wait_ps, "ps", "time those TLPs waited");
  r.addDerived(
      p + "upstream_utilisation", [this] { return upstreamUtilisation(); }, "ratio",
      "upstream link time booked by TLPs per simulated time since the statistics were reset (DLLP "
      "share excluded)");
  r.addDerived(
      p + "downstream_utilisation", [this] { return downstreamUtilisation(); }, "ratio",
      "downstream link time booked by TLPs per simulated time since the statistics were reset "
      "(DLLP share excluded)");
}

}  // namespace vtd::platform
