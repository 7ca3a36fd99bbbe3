// BinaryTraceWriter: writes the compact binary form (traces/README.md) to a stream: the
// header at construction, one record per put() (time, address and size delta-encoded
// against the previous record), and the end record (with the record count) at finish().
// Output is buffered and written in blocks; a failed write throws std::runtime_error.
// Records are written as given: the writer checks only what the format cannot hold
// (PASID above 20 bits, register sizes other than 4 and 8, AT 3), with std::invalid_argument.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "traces/format/trace_record.h"

namespace vtd::trace {

class BinaryTraceWriter final : public TraceSink {
 public:
  explicit BinaryTraceWriter(std::ostream& out);
  ~BinaryTraceWriter() override;  // finishes if finish() was not called (errors swallowed)

  void put(const TraceRecord& record) override;
  // Writes the end record and flushes; put() after finish() is a logic error.
  void finish();
  uint64_t records() const { return records_; }

 private:
  void flush();

  std::ostream& out_;
  std::vector<uint8_t> buffer_;
  size_t used_ = 0;
  uint64_t records_ = 0;
  uint64_t last_time_ = 0, last_address_ = 0;
  uint32_t last_size_ = 0;
  uint16_t last_source_ = 0;
  bool finished_ = false;
};

}  // namespace vtd::trace
