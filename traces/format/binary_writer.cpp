// BinaryTraceWriter: encoding (see binary_format.h for the layout).
#include "traces/format/binary_writer.h"

#include <cstring>
#include <stdexcept>

#include "traces/format/binary_format.h"

namespace vtd::trace {

namespace {
constexpr size_t kBlock = 1 << 16;

void putLe(uint8_t* p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) p[i] = uint8_t(v >> (8 * i));
}
}  // namespace

BinaryTraceWriter::BinaryTraceWriter(std::ostream& out) : out_(out), buffer_(kBlock + 64) {
  uint8_t* p = buffer_.data();
  std::memcpy(p, bin::kMagic, 8);
  putLe(p + 8, bin::kVersion, 2);
  putLe(p + 10, 0, 2);
  putLe(p + 12, 0, 4);
  used_ = bin::kHeaderBytes;
}

BinaryTraceWriter::~BinaryTraceWriter() {
  if (finished_) return;
  try {
    finish();
  } catch (...) {
  }
}

void BinaryTraceWriter::put(const TraceRecord& r) {
  if (finished_) throw std::logic_error("BinaryTraceWriter: put() after finish()");
  uint8_t* const start = buffer_.data() + used_;
  uint8_t* p = start + 1;  // the tag goes first, once known
  p = bin::putVarint(p, bin::zigzag(int64_t(r.time_ps - last_time_)));
  last_time_ = r.time_ps;
  uint8_t tag = 0;
  switch (r.kind) {
    case RecordKind::Dma: {
      const DmaEvent& d = r.dma;
      if (d.pasid > kMaxPasid) throw std::invalid_argument("trace writer: PASID above 20 bits");
      if (uint8_t(d.at) > 2) throw std::invalid_argument("trace writer: reserved address type 3");
      tag = bin::kKindDma | (d.write ? bin::kDmaWrite : 0);
      if (d.source != last_source_) {
        tag |= bin::kDmaSource;
        putLe(p, d.source, 2);
        p += 2;
        last_source_ = d.source;
      }
      p = bin::putVarint(p, bin::zigzag(int64_t(d.address - last_address_)));
      last_address_ = d.address;
      if (d.size != last_size_) {
        tag |= bin::kDmaSize;
        p = bin::putVarint(p, d.size);
        last_size_ = d.size;
      }
      const uint8_t extras = (d.pasid_present ? bin::kExtraPasid : 0) |
                             (d.privileged ? bin::kExtraPrivileged : 0) |
                             (d.execute ? bin::kExtraExecute : 0) |
                             uint8_t(uint8_t(d.at) << bin::kExtraAtShift);
      if (extras) {
        tag |= bin::kDmaExtras;
        *p++ = extras;
        if (d.pasid_present) p = bin::putVarint(p, d.pasid);
      }
      break;
    }
    case RecordKind::RegisterWrite:
      if (r.reg.size != 4 && r.reg.size != 8)
        throw std::invalid_argument("trace writer: register writes are 4 or 8 bytes");
      if (r.reg.offset > kMaxRegisterOffset)
        throw std::invalid_argument("trace writer: register offset above 0xFFFF");
      tag = bin::kKindRegister | (r.reg.size == 8 ? bin::kRegister64 : 0);
      p = bin::putVarint(p, r.reg.offset);
      p = bin::putVarint(p, r.reg.value);
      break;
    case RecordKind::Invalidation:
      tag = bin::kKindInvalidation;
      p = bin::putVarint(p, r.inv.lo);
      p = bin::putVarint(p, r.inv.hi);
      break;
  }
  *start = tag;
  used_ = size_t(p - buffer_.data());
  ++records_;
  if (used_ >= kBlock) flush();
}

void BinaryTraceWriter::finish() {
  if (finished_) return;
  finished_ = true;
  uint8_t* p = buffer_.data() + used_;
  *p++ = bin::kKindEnd;
  p = bin::putVarint(p, records_);
  used_ = size_t(p - buffer_.data());
  flush();
  out_.flush();
  if (!out_) throw std::runtime_error("trace writer: error writing the trace");
}

void BinaryTraceWriter::flush() {
  out_.write(reinterpret_cast<const char*>(buffer_.data()), std::streamsize(used_));
  if (!out_) throw std::runtime_error("trace writer: error writing the trace");
  used_ = 0;
}

}  // namespace vtd::trace
