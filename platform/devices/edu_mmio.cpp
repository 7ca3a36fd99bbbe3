// EduDevice: BAR0, as QEMU's memory core and edu_mmio_read/edu_mmio_write present it.
// The region accepts accesses of 4 or 8 bytes at their natural alignment (edu_mmio_ops
// .valid): a longer or misaligned access is split into naturally aligned pieces of at most
// 8 bytes, and a piece of 1 or 2 bytes is invalid: it reads 0 and is not written (checked
// against QEMU 7.2: readb/readw read 0, readq at offset 2 reads bytes 4..7 in the middle).
// A valid piece below 0x80 must be 4 bytes, from 0x80 on 4 or 8 bytes, or it reads
// all-ones and is ignored; unknown offsets read all-ones. A 4-byte write to a 64-bit DMA
// register replaces the whole register (zero-extended); its upper half at +4 is unknown.
#include <optional>

#include "platform/devices/edu.h"

namespace vtd::platform {

namespace {
unsigned pieceSize(uint64_t offset, uint64_t remaining) {
  unsigned size = 8;
  while (size > remaining || (offset & (size - 1))) size >>= 1;
  return size;
}

// n! in 32-bit arithmetic, as edu's thread computes it (ret *= val-- on uint32_t). From
// 34 on the product has at least 32 factors of two, so it is 0; stopping there gives the
// same result without QEMU's up to 2^32 multiplications.
uint32_t factorial32(uint32_t n) {
  if (n >= 34) return 0;
  uint32_t r = 1;
  while (n > 0) r *= n--;
  return r;
}
}  // namespace

void EduDevice::memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  const std::optional<uint64_t> base = config_.barAddress(0);
  const uint64_t length = trans.get_data_length();
  if (!base || !claimsMemory(trans.get_address(), unsigned(length))) {
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  uint8_t* data = trans.get_data_ptr();
  const uint64_t offset = trans.get_address() - *base;
  for (uint64_t done = 0; done < length;) {
    const unsigned size = pieceSize(offset + done, length - done);
    const bool valid = size >= 4;
    if (trans.is_read()) {
      const uint64_t v = valid ? registerRead(offset + done, size) : 0;
      for (unsigned i = 0; i < size; ++i) data[done + i] = uint8_t(v >> (8 * i));
    } else if (trans.is_write() && valid) {
      uint64_t v = 0;
      for (unsigned i = 0; i < size; ++i) v |= uint64_t(data[done + i]) << (8 * i);
      registerWrite(offset + done, size, v);
    }
    done += size;
  }
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

uint64_t EduDevice::registerRead(uint64_t offset, unsigned size) const {
  constexpr uint64_t kAllOnes = ~0ull;
  if (offset < 0x80 ? size != 4 : size != 4 && size != 8) return kAllOnes;
  switch (offset) {
    case kRegId:
      return kIdValue;
    case kRegLiveness:
      return addr4_;
    case kRegFactorial:
      return fact_;
    case kRegStatus:
      return status_;
    case kRegIrqStatus:
      return irq_status_;
    case kRegDmaSrc:
      return dma_regs_.src;
    case kRegDmaDst:
      return dma_regs_.dst;
    case kRegDmaCount:
      return dma_regs_.cnt;
    case kRegDmaCmd:
      return dma_regs_.cmd;
    default:
      return kAllOnes;  // includes 0x60/0x64 (write-only) and the buffer at 0x40000
  }
}

void EduDevice::registerWrite(uint64_t offset, unsigned size, uint64_t value) {
  if (offset < 0x80 ? size != 4 : size != 4 && size != 8) return;
  switch (offset) {
    case kRegLiveness:
      addr4_ = ~uint32_t(value);
      break;
    case kRegFactorial:
      if (!(status_ & kStatusComputing)) startFactorial(uint32_t(value));
      break;
    case kRegStatus:
      // Only the interrupt-on-completion bit is writable; "computing" is read-only.
      status_ = value & kStatusIrqFact ? status_ | kStatusIrqFact : status_ & ~kStatusIrqFact;
      break;
    case kRegIrqRaise:
      raiseIrq(uint32_t(value));
      break;
    case kRegIrqAck:
      lowerIrq(uint32_t(value));
      break;
    case kRegDmaSrc:
      writeDmaRegister(dma_regs_.src, value);
      break;
    case kRegDmaDst:
      writeDmaRegister(dma_regs_.dst, value);
      break;
    case kRegDmaCount:
      writeDmaRegister(dma_regs_.cnt, value);
      break;
    case kRegDmaCmd:
      // A command without RUN is ignored entirely; one with RUN arms the 100 ms timer
      // unless a transfer is already pending (dma_rw).
      if (!(value & kDmaRun) || (dma_regs_.cmd & kDmaRun)) break;
      dma_regs_.cmd = value;
      dma_timer_.notify(sc_core::sc_time(100, sc_core::SC_MS));
      break;
    default:
      break;
  }
}

// dma_rw: the DMA registers are frozen while a transfer is pending.
void EduDevice::writeDmaRegister(uint64_t& reg, uint64_t value) {
  if (!(dma_regs_.cmd & kDmaRun)) reg = value;
}

// edu_fact_thread's work, done at once: the status bit would be clear by the time a
// polling script looks, and an interrupt follows when status bit 7 asks for one.
void EduDevice::startFactorial(uint32_t n) {
  ++stats_.factorials;
  fact_ = factorial32(n);
  status_ &= ~kStatusComputing;
  if (status_ & kStatusIrqFact) raiseIrq(kFactIrq);
}

}  // namespace vtd::platform
