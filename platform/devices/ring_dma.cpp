// RingDmaDevice: registers, doorbell and the descriptor engine (see the header).
#include "platform/devices/ring_dma.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

#include "model/common/stat_registry.h"
#include "tlm/payload.h"
#include "tlm/requester_extension.h"

namespace vtd::platform {

namespace {
PciIdentity ringIdentity() {
  PciIdentity id;
  id.vendor_id = VRDM_VENDOR_ID;
  id.device_id = VRDM_DEVICE_ID;
  id.revision = VRDM_VERSION;
  id.class_code = 0x088000;  // base system peripheral, other
  return id;
}
constexpr uint64_t kPage = 4096;
}  // namespace

RingDmaDevice::RingDmaDevice(const sc_core::sc_module_name& name, uint8_t devfn, unsigned burst_bytes)
    : sc_module(name), dma("dma"), devfn_(devfn), burst_(std::clamp(burst_bytes, 4u, 4096u)),
      config_(ringIdentity()), buffer_(4096) {
  config_.addMemoryBar32(0, VRDM_BAR_SIZE);
  auto ext = std::make_unique<tlm::RequesterExtension>();
  ext->source = SourceId{uint16_t(devfn)};
  payload_.set_extension(ext.release());
  SC_THREAD(engine);
}

void RingDmaDevice::memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  const auto bar = config_.barAddress(0);
  const unsigned n = trans.get_data_length();
  if (!bar || n == 0 || n > 8 || trans.get_address() < *bar) {
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const uint64_t offset = trans.get_address() - *bar;
  uint64_t v = 0;
  if (trans.is_read()) {
    v = registerRead(offset, n);
    std::memcpy(trans.get_data_ptr(), &v, n);
  } else {
    std::memcpy(&v, trans.get_data_ptr(), n);
    registerWrite(offset, n, v);
  }
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

uint32_t RingDmaDevice::register32(uint64_t offset) const {
  switch (offset) {
    case VRDM_REG_ID: return VRDM_ID_VALUE;
    case VRDM_REG_VERSION: return VRDM_VERSION;
    case VRDM_REG_CONTROL: return control_;
    case VRDM_REG_STATUS: return status_ | (busy_ ? VRDM_STATUS_BUSY : 0);
    case VRDM_REG_RING_LO: return uint32_t(ring_base_);
    case VRDM_REG_RING_HI: return uint32_t(ring_base_ >> 32);
    case VRDM_REG_RING_SIZE: return ring_size_;
    case VRDM_REG_HEAD: return head_;
    case VRDM_REG_TAIL: return tail_;
    case VRDM_REG_COMPLETED: return completed_;
    case VRDM_REG_DMA_ERRORS: return dma_errors_;
    case VRDM_REG_ERROR_IOVA_LO: return uint32_t(error_iova_);
    case VRDM_REG_ERROR_IOVA_HI: return uint32_t(error_iova_ >> 32);
    default: return 0;  // reserved: reads 0
  }
}

// Sub-dword and 8-byte accesses are cut from / spread over the aligned dwords.
uint64_t RingDmaDevice::registerRead(uint64_t offset, unsigned size) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const uint64_t byte = offset + i;
    v |= uint64_t((register32(byte & ~3ull) >> (8 * (byte & 3))) & 0xFF) << (8 * i);
  }
  return v;
}

void RingDmaDevice::registerWrite(uint64_t offset, unsigned size, uint64_t value) {
  if (size == 8 && (offset & 7) == 0) {
    write32(offset, uint32_t(value));
    write32(offset + 4, uint32_t(value >> 32));
    return;
  }
  if (size != 4 || (offset & 3)) return;  // registers take dword (or aligned qword) writes
  write32(offset, uint32_t(value));
}

void RingDmaDevice::write32(uint64_t offset, uint32_t value) {
  switch (offset) {
    case VRDM_REG_CONTROL:
      if (value & VRDM_CONTROL_RESET) {
        head_ = tail_ = completed_ = dma_errors_ = status_ = 0;
        error_iova_ = 0;
        ++generation_;  // a batch in progress stops after its current descriptor
      }
      control_ = value & VRDM_CONTROL_ENABLE;
      break;
    // The ring's geometry is latched by the doorbell that starts a batch: while the engine
    // works, a new base or size would make HEAD wrap where TAIL can never be.
    case VRDM_REG_RING_LO:
      if (busy_) ++stats_.ring_writes_while_busy;
      else ring_base_ = (ring_base_ & ~0xFFFF'FFFFull) | value;
      break;
    case VRDM_REG_RING_HI:
      if (busy_) ++stats_.ring_writes_while_busy;
      else ring_base_ = (ring_base_ & 0xFFFF'FFFFull) | (uint64_t(value) << 32);
      break;
    case VRDM_REG_RING_SIZE:
      if (busy_) ++stats_.ring_writes_while_busy;
      else ring_size_ = value;
      break;
    case VRDM_REG_TAIL: doorbell(value); break;
    default: break;  // read-only or reserved
  }
}

bool RingDmaDevice::ringValid() const {
  return ring_size_ >= 1 && ring_size_ <= 65536 && (ring_size_ & (ring_size_ - 1)) == 0 && (ring_base_ & 63) == 0;
}

// A TAIL outside the ring is refused (TAIL keeps its value): HEAD, which wraps at the
// ring's size, could never reach it.
void RingDmaDevice::doorbell(uint32_t tail) {
  ++stats_.doorbells;
  if (!ringValid() || tail >= ring_size_) {
    status_ |= VRDM_STATUS_BAD_RING;
    ++stats_.doorbells_ignored;
    return;
  }
  tail_ = tail;
  if (!(control_ & VRDM_CONTROL_ENABLE) || !config_.busMaster() || (status_ & VRDM_STATUS_FETCH_ERROR)) {
    ++stats_.doorbells_ignored;
    return;
  }
  if (!busy_) doorbell_event_.notify(sc_core::SC_ZERO_TIME);  // a busy engine reads TAIL again
}

void RingDmaDevice::engine() {
  for (;;) {
    sc_core::wait(doorbell_event_);
    busy_ = true;
    const uint64_t generation = generation_;
    const uint32_t mask = ring_size_ - 1;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    while (head_ != tail_ && (control_ & VRDM_CONTROL_ENABLE) && config_.busMaster()) {
      const bool fetched = processDescriptor(head_);
      if (generation != generation_) break;  // RESET while the descriptor ran
      if (!fetched) {
        status_ |= VRDM_STATUS_FETCH_ERROR;
        break;
      }
      head_ = (head_ + 1) & mask;
    }
    stats_.busy_ps += (sc_core::sc_time_stamp() - start).value();
    busy_ = false;
  }
}

bool RingDmaDevice::processDescriptor(uint32_t index) {
  const uint64_t at = ring_base_ + uint64_t(index) * sizeof(vrdm_desc);
  vrdm_desc d{};
  if (!access(false, at, reinterpret_cast<uint8_t*>(&d), sizeof d)) {
    ++stats_.fetch_errors;
    ++dma_errors_;
    return false;
  }
  runOp(d);
  // Result fields first, then the status dword the driver polls.
  const uint64_t result_offset = offsetof(vrdm_desc, result);
  if (!access(true, at + result_offset, reinterpret_cast<uint8_t*>(&d) + result_offset, 16) ||
      !access(true, at + offsetof(vrdm_desc, status), reinterpret_cast<uint8_t*>(&d.status), 4)) {
    ++stats_.fetch_errors;
    ++dma_errors_;
    return false;
  }
  ++completed_;
  ++stats_.descriptors;
  return true;
}

void RingDmaDevice::runOp(vrdm_desc& d) {
  d.result = 0;
  d.error_iova = 0;
  if (d.len == 0 || d.len > VRDM_MAX_LEN ||
      (d.op != VRDM_OP_FILL && d.op != VRDM_OP_COPY && d.op != VRDM_OP_CHECKSUM)) {
    ++stats_.desc_bad;
    d.status = VRDM_DESC_BAD_OP;
    return;
  }
  uint64_t hash = VRDM_FNV_START;
  bool ok = true;
  uint64_t done = 0;
  while (ok && done < d.len) {
    // A chunk stays inside one page of the source and of the destination.
    uint64_t chunk = std::min<uint64_t>(burst_, d.len - done);
    if (d.op != VRDM_OP_CHECKSUM) chunk = std::min(chunk, kPage - ((d.dst + done) & (kPage - 1)));
    if (d.op != VRDM_OP_FILL) chunk = std::min(chunk, kPage - ((d.src + done) & (kPage - 1)));
    uint8_t* data = buffer_.data();
    if (d.op == VRDM_OP_FILL) {
      for (uint64_t i = 0; i < chunk; ++i) {
        const uint64_t byte = done + i;
        data[i] = uint8_t(vrdm_pattern_word(d.seed, byte / 8) >> (8 * (byte % 8)));
      }
    } else {
      ok = access(false, d.src + done, data, chunk);
      if (ok && d.op == VRDM_OP_CHECKSUM) hash = vrdm_fnv1a64(hash, data, chunk);
    }
    if (ok && d.op != VRDM_OP_CHECKSUM) ok = access(true, d.dst + done, data, chunk);
    if (ok) done += chunk;
  }
  if (!ok) {
    ++stats_.desc_dma_errors;
    ++dma_errors_;
    d.status = VRDM_DESC_DMA_ERROR;
    d.error_iova = error_iova_;
    d.result = done;
    return;
  }
  d.status = VRDM_DESC_OK;
  d.result = d.op == VRDM_OP_CHECKSUM ? hash : done;
  ++(d.op == VRDM_OP_FILL ? stats_.fills : d.op == VRDM_OP_COPY ? stats_.copies : stats_.checksums);
}

bool RingDmaDevice::access(bool write, uint64_t iova, uint8_t* data, uint64_t length) {
  while (length > 0) {
    const unsigned n = unsigned(std::min<uint64_t>({length, burst_, kPage - (iova & (kPage - 1))}));
    tlm::fillPayload(payload_, write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND, iova, data, n);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    ++stats_.requests;
    dma->b_transport(payload_, delay);
    // At least a nanosecond per request, whatever the timing parameters say, so simulated
    // time always moves and the session's budget of simulated time bounds every batch.
    sc_core::wait(std::max(delay, sc_core::sc_time(1, sc_core::SC_NS)));
    if (!payload_.is_response_ok()) {
      error_iova_ = iova;
      return false;
    }
    (write ? stats_.bytes_written : stats_.bytes_read) += n;
    iova += n;
    data += n;
    length -= n;
  }
  return true;
}

void RingDmaDevice::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "doorbells", stats_.doorbells, "writes", "TAIL doorbell writes");
  r.addCounter(p + "doorbells_ignored", stats_.doorbells_ignored, "writes",
               "doorbells with the engine disabled, Bus Master clear, a bad ring or after a fetch error");
  r.addCounter(p + "descriptors", stats_.descriptors, "descriptors", "descriptors completed (any status)");
  r.addCounter(p + "fills", stats_.fills, "descriptors", "FILL descriptors completed without error");
  r.addCounter(p + "copies", stats_.copies, "descriptors", "COPY descriptors completed without error");
  r.addCounter(p + "checksums", stats_.checksums, "descriptors", "CHECKSUM descriptors completed without error");
  r.addCounter(p + "desc_dma_errors", stats_.desc_dma_errors, "descriptors",
               "descriptors ended by a DMA access answered with an error (a remapping fault)");
  r.addCounter(p + "desc_bad", stats_.desc_bad, "descriptors", "descriptors with an unknown op or length");
  r.addCounter(p + "fetch_errors", stats_.fetch_errors, "descriptors",
               "descriptor fetches or write-backs answered with an error (the engine stops)");
  r.addCounter(p + "ring_writes_while_busy", stats_.ring_writes_while_busy, "writes",
               "RING_LO/HI/SIZE writes ignored because a batch was running");
  r.addCounter(p + "requests", stats_.requests, "requests", "DMA requests issued (at most one page, burst_bytes)");
  r.addCounter(p + "bytes_read", stats_.bytes_read, "bytes", "DMA bytes read, descriptors included");
  r.addCounter(p + "bytes_written", stats_.bytes_written, "bytes", "DMA bytes written, write-backs included");
  r.addCounter(p + "busy_ps", stats_.busy_ps, "ps", "simulated time the engine worked (doorbell to idle)");
}

}  // namespace vtd::platform
