// EduDevice: construction, configuration space, interrupts (INTx level and MSI) and stats.
#include "platform/devices/edu.h"

#include <memory>

#include "model/common/stat_registry.h"
#include "tlm/requester_extension.h"

namespace vtd::platform {

namespace {
PciIdentity eduIdentity() {
  PciIdentity id;
  id.vendor_id = EduDevice::kVendorId;
  id.device_id = EduDevice::kDeviceId;
  id.revision = EduDevice::kRevision;
  id.class_code = EduDevice::kClassCode;
  id.interrupt_pin = 1;  // INTA# (pci_edu_realize)
  return id;
}

// Each payload owns its requester id; the payload frees it when destroyed.
void attachRequester(::tlm::tlm_generic_payload& p, SourceId source) {
  auto ext = std::make_unique<tlm::RequesterExtension>();
  ext->source = source;
  p.set_extension(ext.release());
  p.set_byte_enable_ptr(nullptr);
}
}  // namespace

EduDevice::EduDevice(const sc_core::sc_module_name& name, uint8_t devfn, uint64_t dma_mask)
    : sc_module(name),
      dma("dma"),
      devfn_(devfn),
      dma_mask_(dma_mask),
      config_(eduIdentity()),
      msi_(config_, kMsiOffset) {
  config_.addMemoryBar32(0, kBarSize);
  attachRequester(dma_payload_, requesterId());
  attachRequester(msi_payload_, requesterId());
  msi_payload_.set_command(::tlm::TLM_WRITE_COMMAND);
  msi_payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&msi_word_));
  msi_payload_.set_data_length(4);
  msi_payload_.set_streaming_width(4);
  SC_THREAD(dmaThread);
  SC_THREAD(msiThread);
}

uint32_t EduDevice::configRead(unsigned offset, unsigned size) {
  return config_.read(offset, size);
}

// pci_default_write_config: masks, then the COMMAND side effects (INTx Disable gates the
// pin, Memory Space maps BAR0, Bus Master opens the DMA path: all read from config_ when
// used), then msi_write_config.
void EduDevice::configWrite(unsigned offset, unsigned size, uint32_t value) {
  config_.write(offset, size, value);
  if (msi_.afterConfigWrite(offset, size)) setIntxLevel(false);
  updateIntxLine();
}

bool EduDevice::claimsMemory(uint64_t address, unsigned length) const {
  return config_.barDecodes(0, address, length);
}

// edu_raise_irq: every raise with a non-zero status signals again. With MSI that is one
// message per raise (not per edge); INTx is a level, so a second raise changes nothing.
void EduDevice::raiseIrq(uint32_t value) {
  irq_status_ |= value;
  if (!irq_status_) return;
  if (!msi_.enabled()) return setIntxLevel(true);
  // The message goes through the bus-master address space: with Bus Master clear QEMU's
  // write lands nowhere.
  if (!config_.busMaster()) {
    ++stats_.msis_dropped;
    return;
  }
  // Address and data as programmed now (msi_notify reads them at raise time); the write
  // itself leaves from msiThread, so register accesses never block on the bus.
  msi_queue_.push_back(PendingMsi{msi_.address(), msi_.data()});
  msi_pending_.notify(sc_core::SC_ZERO_TIME);
}

// edu_lower_irq: INTx drops when no cause is left; with MSI enabled nothing is sent.
void EduDevice::lowerIrq(uint32_t value) {
  irq_status_ &= ~value;
  if (!irq_status_ && !msi_.enabled()) setIntxLevel(false);
}

void EduDevice::setIntxLevel(bool level) {
  intx_level_ = level;
  config_.setInterruptStatus(level);
  updateIntxLine();
}

void EduDevice::updateIntxLine() {
  const bool line = intx_level_ && !config_.intxDisabled();
  if (line == intx_line_) return;
  intx_line_ = line;
  if (line) ++stats_.intx_assertions;
  intx_changed_.notify(sc_core::SC_ZERO_TIME);
}

// MSI: a DWORD write of the 16-bit data, zero-extended, to the message address (PCI LB 3.0
// 6.8.1.4/6.8.1.5); the VT-d unit sees an interrupt request in 0xFEEx_xxxx from our id.
void EduDevice::msiThread() {
  for (;;) {
    while (msi_queue_.empty()) sc_core::wait(msi_pending_);
    const PendingMsi m = msi_queue_.front();
    msi_queue_.pop_front();
    msi_word_ = m.data;
    msi_payload_.set_address(m.address);
    msi_payload_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    dma->b_transport(msi_payload_, delay);
    ++stats_.msis_sent;
    if (delay > sc_core::SC_ZERO_TIME) sc_core::wait(delay);
  }
}

void EduDevice::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "factorials", stats_.factorials, "operations", "factorial computations started");
  r.addCounter(p + "dmas_done", stats_.dmas_done, "transfers",
               "DMA transfers completed without error");
  r.addCounter(p + "dmas_failed", stats_.dmas_failed, "transfers",
               "DMA transfers answered with an error (e.g. a remapping fault)");
  r.addCounter(p + "dmas_refused", stats_.dmas_refused, "transfers",
               "DMA transfers refused: outside the 4 KiB buffer or empty");
  r.addCounter(p + "dmas_no_master", stats_.dmas_no_master, "transfers",
               "DMA transfers run with COMMAND.Bus Master clear (no bus access)");
  r.addCounter(p + "dma_bytes", stats_.dma_bytes, "bytes",
               "bytes moved by DMA transfers completed without error");
  r.addCounter(p + "dma_clamped", stats_.dma_clamped, "transfers",
               "DMA transfers whose RAM address dma_mask changed");
  r.addCounter(p + "msis_sent", stats_.msis_sent, "messages", "MSI writes issued");
  r.addCounter(p + "msis_dropped", stats_.msis_dropped, "messages",
               "MSIs due while COMMAND.Bus Master was clear");
  r.addCounter(p + "intx_assertions", stats_.intx_assertions, "edges",
               "INTA# assertions seen by the interrupt controller");
}

}  // namespace vtd::platform
