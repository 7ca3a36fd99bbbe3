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
  tlm::fillPayload(payload_, read ? ::tlm::TLM_READ_COMMAND : ::tlm::TLM_WRITE_COMMAND, op.address,
                   buffer_.data(), size);
  sc_time delay = keeper_.get_local_time();
  const sc_time issued = delay;
  socket->b_transport(payload_, delay);
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
  const bool ok = payload_.is_response_ok();
  if (!ok) ++stats_.errors;
  return ok;
}

void DmaMaster::run() {
  for (;;) {
    // The flag, not the event, says there is work: a start() issued before this thread
    // first waits (e.g. at time 0) must not be lost.
    while (!program_) sc_core::wait(start_);
    keeper_.reset();
    DmaOp op;
    while (program_->next(op)) {
      const bool ok = perform(op);
      program_->completed(op, ok, buffer_.data());
    }
    keeper_.sync();
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
  r.addDerived(p + "mean_latency_ns", [this] { return stats_.ops ? double(stats_.latency_ps) / 1000.0 / double(stats_.ops) : 0.0; }, "ns", "mean operation latency");
}

}  // namespace vtd::platform
