// BinaryTraceReader: decoding and checks (see binary_format.h for the layout).
#include "traces/format/binary_reader.h"

#include <cstring>

#include "traces/format/binary_format.h"

namespace vtd::trace {

namespace {
constexpr size_t kBuffer = 1 << 20;

uint64_t getLe(const uint8_t* p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}
}  // namespace

BinaryTraceReader::BinaryTraceReader(std::istream& in) : in_(in), buffer_(kBuffer) {
  if (fill(bin::kHeaderBytes) < bin::kHeaderBytes) {
    if (end_ >= 8 && std::memcmp(buffer_.data(), bin::kMagic, 8) == 0)
      fail("the header is cut short (" + std::to_string(end_) + " of 16 bytes)");
    fail("not a vtdsim binary trace (no VTDTRACE magic)");
  }
  const uint8_t* h = buffer_.data();
  if (std::memcmp(h, bin::kMagic, 8) != 0) fail("not a vtdsim binary trace (no VTDTRACE magic)");
  const uint64_t version = getLe(h + 8, 2);
  if (version != bin::kVersion)
    fail("unsupported trace version " + std::to_string(version) + " (this reader knows version 1)");
  if (getLe(h + 10, 2) != 0 || getLe(h + 12, 4) != 0)
    fail("reserved header bytes 10-15 are not zero");
  pos_ = bin::kHeaderBytes;
}

void BinaryTraceReader::fail(const std::string& what) const {
  throw TraceError("trace byte " + std::to_string(record_offset_) + ": " + what);
}

size_t BinaryTraceReader::fill(size_t n) {
  if (end_ - pos_ >= n || eof_) return end_ - pos_;
  std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
  buffer_offset_ += pos_;
  end_ -= pos_;
  pos_ = 0;
  while (end_ < n && !eof_) {
    in_.read(reinterpret_cast<char*>(buffer_.data() + end_), std::streamsize(buffer_.size() - end_));
    const std::streamsize got = in_.gcount();
    end_ += size_t(got);
    if (got == 0 || !in_) eof_ = true;
  }
  return end_ - pos_;
}

uint64_t BinaryTraceReader::varint(const uint8_t*& p, const uint8_t* end, const char* field) const {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (p == end) fail(std::string("record cut short in its ") + field);
    const uint8_t b = *p++;
    // The tenth byte holds bit 63 only: anything more is too large or too long.
    if (shift == 63 && b > 1)
      fail(std::string(field) + " does not fit in 64 bits (a varint above 2^64 - 1 or longer than 10 bytes)");
    v |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

void BinaryTraceReader::finishAtEnd(const uint8_t* p, const uint8_t* end) {
  const uint64_t count = varint(p, end, "record count");
  if (count != records_)
    fail("the end record counts " + std::to_string(count) + " records but " +
         std::to_string(records_) + " precede it");
  pos_ = size_t(p - buffer_.data());
  const uint64_t end_offset = buffer_offset_ + pos_;
  if (fill(1) != 0) {
    record_offset_ = end_offset;
    fail("data after the end record");
  }
  done_ = true;
}

bool BinaryTraceReader::next(TraceRecord& r) {
  if (done_) return false;
  const size_t have = fill(bin::kMaxRecordBytes);
  record_offset_ = buffer_offset_ + pos_;
  if (have == 0) fail("the trace ends without its end record (truncated?)");
  const uint8_t* p = buffer_.data() + pos_;
  const uint8_t* const end = p + have;
  const uint8_t tag = *p++;
  const uint8_t kind = tag & bin::kKindMask;
  if (kind == bin::kKindEnd) {
    if (tag & bin::kPlainReserved) fail("reserved bits set in the end tag");
    finishAtEnd(p, end);
    return false;
  }
  if (kind > bin::kKindInvalidation) fail("unknown record kind " + std::to_string(kind));
  time_ += uint64_t(bin::unzigzag(varint(p, end, "time delta")));
  r.time_ps = time_;
  if (kind == bin::kKindDma) {
    if (tag & bin::kDmaReserved) fail("reserved bit 7 set in a DMA tag");
    r.kind = RecordKind::Dma;
    DmaEvent& d = r.dma;
    if (tag & bin::kDmaSource) {
      if (end - p < 2) fail("record cut short in its source id");
      source_ = uint16_t(getLe(p, 2));
      p += 2;
    }
    d.source = source_;
    d.write = tag & bin::kDmaWrite;
    address_ += uint64_t(bin::unzigzag(varint(p, end, "address delta")));
    d.address = address_;
    if (tag & bin::kDmaSize) {
      const uint64_t size = varint(p, end, "size");
      if (size > UINT32_MAX) fail("size " + std::to_string(size) + " is above 2^32 - 1");
      size_ = uint32_t(size);
    }
    d.size = size_;
    d.at = AddressType::Untranslated;
    d.pasid_present = d.privileged = d.execute = false;
    d.pasid = 0;
    if (tag & bin::kDmaExtras) {
      if (p == end) fail("record cut short in its extras byte");
      const uint8_t x = *p++;
      if (x & bin::kExtraReserved) fail("reserved bits set in a DMA extras byte");
      const unsigned at = (x & bin::kExtraAtMask) >> bin::kExtraAtShift;
      if (at == 3) fail("reserved address type 3");
      d.at = AddressType(at);
      d.pasid_present = x & bin::kExtraPasid;
      d.privileged = x & bin::kExtraPrivileged;
      d.execute = x & bin::kExtraExecute;
      if ((d.privileged || d.execute) && !d.pasid_present)
        fail("privileged or execute set without a PASID");
      if (d.pasid_present) {
        const uint64_t pasid = varint(p, end, "PASID");
        if (pasid > kMaxPasid) fail("PASID " + std::to_string(pasid) + " is above 20 bits");
        d.pasid = uint32_t(pasid);
      }
    }
  } else if (kind == bin::kKindRegister) {
    if (tag & bin::kRegisterReserved) fail("reserved bits set in a register-write tag");
    r.kind = RecordKind::RegisterWrite;
    r.reg.size = (tag & bin::kRegister64) ? 8 : 4;
    const uint64_t offset = varint(p, end, "register offset");
    if (offset > kMaxRegisterOffset) fail("register offset " + std::to_string(offset) + " is above 0xFFFF");
    r.reg.offset = uint32_t(offset);
    r.reg.value = varint(p, end, "register value");
    if (r.reg.size == 4 && r.reg.value > UINT32_MAX) fail("a 4-byte register write holds a value above 32 bits");
  } else {
    if (tag & bin::kPlainReserved) fail("reserved bits set in an invalidation tag");
    r.kind = RecordKind::Invalidation;
    r.inv.lo = varint(p, end, "descriptor low quadword");
    r.inv.hi = varint(p, end, "descriptor high quadword");
  }
  pos_ = size_t(p - buffer_.data());
  ++records_;
  return true;
}

}  // namespace vtd::trace
