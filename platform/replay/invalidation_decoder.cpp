// InvalidationDecoder: field decoding (FS 6.11 registers, 6.5.2 descriptors).
#include "platform/replay/invalidation_decoder.h"

#include "firmware/vtd_driver.h"
#include "firmware/vtd_regs.h"

namespace vtd::replay {

namespace {
constexpr uint32_t kCcmd = fw::regs::CCMD_REG;
uint64_t bits(uint64_t v, unsigned hi, unsigned lo) { return (v >> lo) & ((2ull << (hi - lo)) - 1); }
}  // namespace

void InvalidationDecoder::merge(uint64_t& shadow, uint32_t base, const trace::RegisterWrite& w) {
  if (w.size == 8) {
    shadow = w.value;
  } else {
    const unsigned shift = w.offset == base ? 0 : 32;
    shadow = (shadow & ~(0xFFFFFFFFull << shift)) | (w.value << shift);
  }
}

std::optional<InvalidationOp> InvalidationDecoder::registerWrite(const trace::RegisterWrite& w) {
  const uint32_t iotlb = iva_offset_ + 8;
  auto at = [&](uint32_t base) { return w.offset == base || (w.size == 4 && w.offset == base + 4); };
  if (at(iva_offset_)) {
    merge(iva_, iva_offset_, w);
    return std::nullopt;
  }
  // The command bit is bit 63: only a write reaching the high half starts an invalidation.
  const bool high = w.size == 8 || w.offset % 8 == 4;
  if (at(kCcmd)) {
    merge(ccmd_, kCcmd, w);
    if (!high || !(ccmd_ >> 63)) return std::nullopt;
    InvalidationOp op;
    op.target = InvalidationOp::ContextCache;
    op.granularity = unsigned(bits(ccmd_, 62, 61));
    op.did = uint16_t(bits(ccmd_, 15, 0));
    op.sid = uint16_t(bits(ccmd_, 31, 16));
    op.fm = unsigned(bits(ccmd_, 33, 32));
    return op;
  }
  if (at(iotlb)) {
    merge(iotlb_, iotlb, w);
    if (!high || !(iotlb_ >> 63)) return std::nullopt;
    InvalidationOp op;
    op.target = InvalidationOp::Iotlb;
    op.granularity = unsigned(bits(iotlb_, 61, 60));
    op.did = uint16_t(bits(iotlb_, 47, 32));
    op.address = iva_ & ~0xFFFull;
    op.ih = (iva_ >> 6) & 1;
    op.am = unsigned(bits(iva_, 5, 0));
    return op;
  }
  return std::nullopt;
}

std::optional<InvalidationOp> InvalidationDecoder::descriptor(const trace::InvalidationDescriptor& d) const {
  // Type: bits 3:0 with bits 11:9 as its high part (VT-d 3.x 6.5.2).
  const unsigned type = unsigned(bits(d.lo, 3, 0) | bits(d.lo, 11, 9) << 4);
  InvalidationOp op;
  op.granularity = unsigned(bits(d.lo, 5, 4));
  op.did = uint16_t(bits(d.lo, 31, 16));
  if (type == 1) {
    op.target = InvalidationOp::ContextCache;
    op.sid = uint16_t(bits(d.lo, 47, 32));
    op.fm = unsigned(bits(d.lo, 49, 48));
    return op;
  }
  if (type == 2) {
    op.target = InvalidationOp::Iotlb;
    op.address = d.hi & ~0xFFFull;
    op.ih = (d.hi >> 6) & 1;
    op.am = unsigned(bits(d.hi, 5, 0));
    return op;
  }
  return std::nullopt;
}

bool applyInvalidation(fw::VtdDriver& driver, const InvalidationOp& op) {
  fw::Status s = fw::Status::failure("granularity 0 is reserved");
  if (op.target == InvalidationOp::ContextCache) {
    switch (op.granularity) {
      case 1: s = driver.flushContextGlobal(); break;
      case 2: s = driver.flushContextDomain(op.did); break;
      case 3: s = driver.flushContextDevice(op.sid, op.fm, op.did); break;
      default: break;
    }
  } else {
    switch (op.granularity) {
      case 1: s = driver.flushIotlbGlobal(); break;
      case 2: s = driver.flushIotlbDomain(op.did); break;
      case 3: s = driver.flushIotlbPages(op.did, op.address, op.am, op.ih); break;
      default: break;
    }
  }
  return bool(s);
}

}  // namespace vtd::replay
