// QueuedInvalidator: descriptors (FS 6.2-6.6, IEC 6.5), submission and the wait (FS 6.6, 9.B.2),
// queue errors and device-TLB time-outs (FS 6.12, 7.1, 7.3).
#include "firmware/queued_invalidator.h"

#include <stdexcept>
#include <string>

#include "firmware/interrupt_regs.h"
#include "firmware/text_format.h"
#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

namespace {
constexpr uint32_t kQueueBytes = 4096;  // QS = 0: 256 descriptors of 16 bytes
constexpr uint64_t kTypeContext = 0x1, kTypeIotlb = 0x2, kTypeDeviceTlb = 0x3, kTypeWait = 0x5;
constexpr uint64_t kWaitSw = 1ull << 5;
constexpr uint64_t kQiGlobal = 1, kQiDomain = 2, kQiSelective = 3;  // G fields (FS 6.2, 6.3)
}  // namespace

Status QueuedInvalidator::enable() {
  if (!caps_.qi) return Status::failure("queued invalidation: ECAP.QI = 0");
  if (queue_ == 0) {
    try {
      queue_ = allocator_.allocatePage();
      status_ = allocator_.allocatePage();
    } catch (const std::runtime_error& e) {
      return Status::failure(std::string("queued invalidation: ") + e.what());
    }
  }
  tail_ = 0;
  io_.write64(IQT_REG, 0);
  io_.write64(IQA_REG, queue_);  // DW = 0, QS = 0
  return gcmd_.setQueuedInvalidation(true);
}

Status QueuedInvalidator::contextGlobal() {
  ++stats_.inv_context_global;
  return submit({{kTypeContext | kQiGlobal << 4, 0}}, "context-cache global");
}

Status QueuedInvalidator::contextDomain(uint16_t did) {
  ++stats_.inv_context_domain;
  return submit({{kTypeContext | kQiDomain << 4 | uint64_t(did) << 16, 0}}, "context-cache domain");
}

Status QueuedInvalidator::contextDevice(uint16_t sid, unsigned fm, uint16_t did) {
  ++stats_.inv_context_device;
  return submit({{kTypeContext | kQiSelective << 4 | uint64_t(did) << 16 | uint64_t(sid) << 32 |
                      uint64_t(fm & 3) << 48,
                  0}},
                "context-cache device");
}

Status QueuedInvalidator::iotlbGlobal() {
  ++stats_.inv_iotlb_global;
  return submit({{kTypeIotlb | kQiGlobal << 4, 0}}, "IOTLB global");
}

Status QueuedInvalidator::iotlbDomain(uint16_t did) {
  ++stats_.inv_iotlb_domain;
  return submit({{kTypeIotlb | kQiDomain << 4 | uint64_t(did) << 16, 0}}, "IOTLB domain");
}

// Page-selective within CAP.PSI and CAP.MAMV, else domain-selective (as the register path).
Status QueuedInvalidator::iotlbPages(uint16_t did, uint64_t address, unsigned am, bool ih) {
  if (!caps_.psi || am > caps_.mamv) return iotlbDomain(did);
  ++stats_.inv_iotlb_page;
  const uint64_t base = address & ~((1ull << (12 + am)) - 1);
  return submit(
      {{kTypeIotlb | kQiSelective << 4 | uint64_t(did) << 16, base | (ih ? 1ull << 6 : 0) | am}},
      "IOTLB page");
}

// FS 6.4: S = 0 for one page; else ADDR with the bits below the size's top bit set (bit
// 12 clear: 8 KiB, ...), Linux's qi_flush_dev_iotlb encoding. MIP 0 means 32.
Status QueuedInvalidator::deviceTlb(uint16_t sid, unsigned qdep, uint64_t address, unsigned am) {
  ++stats_.inv_device_tlb;
  uint64_t hi = address & ~0xFFFull;
  if (am >= 52) {
    hi = 0x7FFF'FFFF'FFFF'F000ull | 1;  // bits 62:12 set: everything
  } else if (am > 0) {
    hi = (hi & ~((1ull << (12 + am)) - 1)) | (((1ull << (11 + am)) - 1) & ~0xFFFull) | 1;
  }
  const uint64_t mip = qdep >= 32 ? 0 : qdep;
  return submit({{kTypeDeviceTlb | mip << 16 | uint64_t(sid) << 32, hi}}, "device-TLB");
}

// FS 6.5: G (bit 4) = 0 global; 1 index-selective with IIDX aligned down to 2^IM.
Status QueuedInvalidator::iecGlobal() {
  ++stats_.inv_iec_global;
  return submit({{iec_dsc::kType, 0}}, "interrupt-entry cache global");
}

Status QueuedInvalidator::iecIndex(uint16_t index, unsigned im) {
  if (im > caps_.mhmv) return iecGlobal();
  ++stats_.inv_iec_index;
  const uint64_t base = index & ~((1ull << im) - 1);
  return submit(
      {{iec_dsc::kType | iec_dsc::G_INDEX | iec_dsc::IM.make(im) | iec_dsc::IIDX.make(base), 0}},
      "interrupt-entry cache index");
}

// Descriptors, then a wait (SW) whose status data is a fresh sequence number; IQT past
// them; poll the status word (FS 6.6). The queue must have room for all of them plus the
// slot kept free.
Status QueuedInvalidator::submit(std::initializer_list<Desc> descriptors, const char* what) {
  if (!enabled())
    return Status::failure(std::string(what) + ": queued invalidation is not enabled");
  const uint32_t data = ++sequence_;
  const uint32_t zero = 0;
  hal_.memory.write(status_, &zero, 4);
  auto put = [&](uint64_t lo, uint64_t hi) {
    hal_.memory.write64(queue_ + tail_, lo);
    hal_.memory.write64(queue_ + tail_ + 8, hi);
    tail_ = (tail_ + 16) % kQueueBytes;
  };
  for (const Desc& d : descriptors) put(d.lo, d.hi);
  put(kTypeWait | kWaitSw | uint64_t(data) << 32, status_);
  ++stats_.inv_queue_waits;
  io_.write64(IQT_REG, iq::QT.make(tail_ >> 4));
  pollUntil(
      hal_.clock,
      [&] {
        uint32_t v = 0;
        hal_.memory.read(status_, &v, 4);
        return v == data || (io_.read32(FSTS_REG) & (fsts::IQE | fsts::ITE));
      },
      timeout_ns_);
  uint32_t v = 0;
  hal_.memory.read(status_, &v, 4);
  if (v == data) return Status::success();
  const uint32_t status = io_.read32(FSTS_REG);
  if (status & (fsts::IQE | fsts::ITE)) return recover(status, what);
  return Status::failure(std::string(what) + ": the wait descriptor never completed");
}

// FS 6.12: after IQE the head stays on the bad descriptor: overwrite it with a wait that
// does nothing and clear IQE (Linux's qi_check_fault). After ITE the waits up to the head
// were aborted: clear ITE. Either way the call fails.
Status QueuedInvalidator::recover(uint32_t status, const char* what) {
  if (status & fsts::IQE) {
    const uint64_t head = iq::QH.get(io_.read64(IQH_REG)) << 4;
    const uint64_t cause = io_.read64(IQERCD_REG) & 0xF;
    hal_.memory.write64(queue_ + head, kTypeWait);
    hal_.memory.write64(queue_ + head + 8, 0);
    io_.write32(FSTS_REG, fsts::IQE);
    ++stats_.inv_queue_errors;
    return Status::failure(std::string(what) + ": invalidation queue error (FSTS.IQE, IQEI " +
                           std::to_string(cause) + ")");
  }
  const uint64_t sid = (io_.read64(IQERCD_REG) >> 32) & 0xFFFF;
  io_.write32(FSTS_REG, fsts::ITE);
  ++stats_.inv_queue_timeouts;
  return Status::failure(std::string(what) +
                         ": device-TLB invalidation timed out (FSTS.ITE, ITESID " +
                         sourceIdText(uint16_t(sid)) + ")");
}

}  // namespace vtd::fw
