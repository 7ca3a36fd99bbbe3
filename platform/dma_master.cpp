// DmaMaster: the operation loop.
#include "platform/dma_master.h"

#include <algorithm>
#include <cstring>

#include "model/common/stat_registry.h"
#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;

DmaMaster::DmaMaster(const sc_core::sc_module_name& name, SourceId source, uint32_t gap_ns)
    : sc_module(name), socket("socket"), buffer_(64 * 1024), gap_(double(gap_ns), sc_core::SC_NS) {
  extension_.source = source;
  // The extension lives as long as the master; the payload never deletes it.
  payload_.set_extension(&extension_);
  SC_THREAD(run);
}

void DmaMaster::start(DmaProgram& program) {
  if (program_) SC_REPORT_ERROR(name(), "start() while a program is running");
  program_ = &program;
  start_.notify();
}

bool DmaMaster::perform(const DmaOp& op) {
  const uint32_t size = op.kind == DmaOp::Msi ? 4 : std::min<uint32_t>(op.size, uint32_t(buffer_.size()));
  const bool read = op.kind == DmaOp::Read;
  if (!read) {
    if (op.kind == DmaOp::Msi)
      std::memcpy(buffer_.data(), &op.value, 4);
    else if (op.data)
      std::memcpy(buffer_.data(), op.data, size);
    else
      std::memset(buffer_.data(), int(op.value & 0xFF), size);
  }
  sc_time delay = keeper_.get_local_time();
  if (op.not_before_ps) {  // pacing: idle until the operation's time has come
    const uint64_t now = (sc_core::sc_time_stamp() + delay).value();
    if (op.not_before_ps > now) {
      delay += sc_time::from_value(op.not_before_ps - now);
      stats_.paced_ps += op.not_before_ps - now;
    }
  }
  const sc_time issued = delay;
  if (op.kind == DmaOp::Msi && msi_observer_) msi_observer_(sc_core::sc_time_stamp() + issued);
  const bool ok = transfer(op, size, delay);
  const uint64_t latency = (delay - issued).value();
  keeper_.set(delay + gap_);
  if (keeper_.need_sync()) keeper_.sync();

  ++stats_.ops;
  stats_.latency_ps += latency;
  stats_.max_latency_ps = std::max(stats_.max_latency_ps, latency);
  switch (op.kind) {
    case DmaOp::Read: ++stats_.reads; stats_.bytes += size; break;
    case DmaOp::Write: ++stats_.writes; stats_.bytes += size; break;
    case DmaOp::Msi: ++stats_.msis; break;
  }
  if (!ok) ++stats_.errors;
  return ok;
}

bool DmaMaster::transfer(const DmaOp& op, uint32_t size, sc_time& delay) {
  if (atc_ && op.kind != DmaOp::Msi) return transferAts(op, size, delay);
  return access(op.kind == DmaOp::Read ? ::tlm::TLM_READ_COMMAND : ::tlm::TLM_WRITE_COMMAND,
                op.address, buffer_.data(), size, AddressType::Untranslated, delay);
}

bool DmaMaster::access(::tlm::tlm_command command, uint64_t address, unsigned char* data,
                       uint32_t length, AddressType at, sc_time& delay) {
  extension_.at = at;
  tlm::fillPayload(payload_, command, address, data, length);
  if (observer_) observer_->beforeTransfer();
  socket->b_transport(payload_, delay);
  if (observer_) observer_->afterTransfer();
  extension_.at = AddressType::Untranslated;
  return payload_.is_response_ok();
}

// One 4 KiB piece at a time: the device-TLB, a translation request on a miss, then a
// translated request, or an untranslated one when no usable entry allows the access.
bool DmaMaster::transferAts(const DmaOp& op, uint32_t size, sc_time& delay) {
  const bool write = op.kind == DmaOp::Write;
  const auto command = write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND;
  uint32_t done = 0;
  do {
    const uint64_t in = op.address + done;
    const uint32_t piece = uint32_t(std::min<uint64_t>(size - done, 4096 - (in & 0xFFF)));
    ++stats_.atc_lookups;
    const AtcEntry* e = atc_->lookup(in);
    if (e) {
      ++stats_.atc_hits;
    } else {
      ++stats_.translation_requests;
      const bool answered = access(::tlm::TLM_READ_COMMAND, in & ~0xFFFull,
                                   reinterpret_cast<unsigned char*>(&completion_entry_), 8,
                                   AddressType::TranslationRequest, delay);
      const AtsCompletion c = answered ? ats::decodeEntry(completion_entry_) : AtsCompletion{};
      if (answered && atc_->insert(in, c)) {
        ++stats_.atc_fills;
        e = atc_->lookup(in);
      } else {
        ++stats_.translation_failures;
      }
    }
    bool ok;
    if (e && (write ? e->write : e->read)) {
      ++stats_.translated_requests;
      const uint64_t out = e->translated | (in & ((1ull << e->shift) - 1));
      ok = access(command, out, buffer_.data() + done, piece, AddressType::Translated, delay);
    } else {
      ++stats_.untranslated_requests;
      ok = access(command, in, buffer_.data() + done, piece, AddressType::Untranslated, delay);
    }
    if (!ok) return false;
    done += piece;
  } while (done < size);
  return true;
}

void DmaMaster::enableAts(const DeviceParams& params) {
  atc_ = std::make_unique<DeviceTlb>(params.atc);
  ats_timeout_ = params.ats_timeout;
}

DeviceTlbResult DmaMaster::invalidateAtc(const DeviceTlbInvalidation& request) {
  DeviceTlbResult r;
  if (!atc_ || ats_timeout_) return r;  // no ATS: the message is not understood, no answer
  ++stats_.atc_invalidations;
  r.entries_invalidated = atc_->invalidate(request);
  stats_.atc_entries_invalidated += r.entries_invalidated;
  r.completed = true;
  return r;
}

void DmaMaster::run() {
  for (;;) {
    // The flag, not the event, says there is work: a start() issued before this thread
    // first waits (e.g. at time 0) must not be lost.
    while (!program_) sc_core::wait(start_);
    keeper_.reset();
    const sc_time start = sc_core::sc_time_stamp();
    program_->now_ps_ = start.value();
    program_->started(start.value());
    DmaOp op;
    while (program_->next(op)) {
      const bool ok = perform(op);
      program_->now_ps_ = (sc_core::sc_time_stamp() + keeper_.get_local_time()).value();
      program_->completed(op, ok, buffer_.data());
    }
    keeper_.sync();
    stats_.active_ps += (sc_core::sc_time_stamp() - start).value();
    program_ = nullptr;
    done_.notify(sc_core::SC_ZERO_TIME);
  }
}

void DmaMaster::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "ops", stats_.ops, "operations", "DMA operations performed (reads, writes, MSIs)");
  r.addCounter(p + "reads", stats_.reads, "operations", "DMA reads");
  r.addCounter(p + "writes", stats_.writes, "operations", "DMA writes");
  r.addCounter(p + "msis", stats_.msis, "messages", "MSI writes");
  r.addCounter(p + "bytes", stats_.bytes, "bytes", "bytes read or written by DMA");
  r.addCounter(p + "errors", stats_.errors, "operations", "operations answered with an error");
  r.addCounter(p + "max_latency_ps", stats_.max_latency_ps, "ps", "longest operation");
  r.addCounter(p + "paced_ps", stats_.paced_ps, "ps", "time the device held operations back to pace itself (line rate)");
  r.addCounter(p + "active_ps", stats_.active_ps, "ps", "time from the start of the device's program to its end");
  r.addCounter(p + "atc_lookups", stats_.atc_lookups, "lookups",
               "device-TLB lookups (one per 4 KiB piece of a read or write)");
  r.addCounter(p + "atc_hits", stats_.atc_hits, "lookups", "device-TLB hits");
  r.addCounter(p + "atc_fills", stats_.atc_fills, "entries",
               "usable translation completions kept in the device-TLB");
  r.addCounter(p + "translation_requests", stats_.translation_requests, "requests",
               "ATS translation requests sent (AT=01)");
  r.addCounter(p + "translation_failures", stats_.translation_failures, "requests",
               "translation requests without a usable answer (UR, CA, R=W=0, U=1)");
  r.addCounter(p + "translated_requests", stats_.translated_requests, "requests",
               "requests sent with translated addresses (AT=10)");
  r.addCounter(p + "untranslated_requests", stats_.untranslated_requests, "requests",
               "pieces sent untranslated because no usable entry allowed the access");
  r.addCounter(p + "atc_invalidations", stats_.atc_invalidations, "requests",
               "ATS invalidate requests answered");
  r.addCounter(p + "atc_entries_invalidated", stats_.atc_entries_invalidated, "entries",
               "device-TLB entries dropped by invalidate requests");
  r.addDerived(
      p + "atc_hit_rate",
      [this] {
        return stats_.atc_lookups ? double(stats_.atc_hits) / double(stats_.atc_lookups) : 0.0;
      },
      "ratio", "device-TLB hits per lookup");
  r.addDerived(p + "mean_latency_ns", [this] { return stats_.ops ? double(stats_.latency_ps) / 1000.0 / double(stats_.ops) : 0.0; }, "ns", "mean operation latency");
}

}  // namespace vtd::platform
