// BinaryTraceReader: streams the binary form (traces/README.md) from a std::istream in
// fixed-size blocks, so memory stays the same whatever the trace length. Every malformed
// input is a TraceError naming the byte offset where the bad record (or header) begins and
// what is wrong: bad magic, unsupported version, reserved bits, an unknown record kind, an
// overlong varint, a value out of range, a record cut short, a missing or miscounted end
// record, bytes after the end record. Not checked: that times increase (they may not, see
// the README) or that addresses make sense for a platform.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "traces/format/trace_record.h"

namespace vtd::trace {

class BinaryTraceReader final : public TraceSource {
 public:
  // Reads and checks the header at once (TraceError when it is bad).
  explicit BinaryTraceReader(std::istream& in);

  bool next(TraceRecord& record) override;
  std::string position() const override { return "byte " + std::to_string(record_offset_); }
  uint64_t records() const { return records_; }

 private:
  // At least `n` bytes buffered unless the stream ended first; returns how many are.
  size_t fill(size_t n);
  [[noreturn]] void fail(const std::string& what) const;
  uint64_t varint(const uint8_t*& p, const uint8_t* end, const char* field) const;
  void finishAtEnd(const uint8_t* p, const uint8_t* end);

  std::istream& in_;
  std::vector<uint8_t> buffer_;
  size_t pos_ = 0, end_ = 0;
  uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  uint64_t record_offset_ = 0;  // file offset of the record being decoded
  bool eof_ = false, done_ = false;
  uint64_t records_ = 0;
  uint64_t time_ = 0, address_ = 0;
  uint32_t size_ = 0;
  uint16_t source_ = 0;
};

}  // namespace vtd::trace
