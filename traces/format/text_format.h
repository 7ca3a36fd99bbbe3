// The text form of a trace (traces/README.md, "Text form"; traces/schema.json): one record
// per line after the header line `vtdtrace-text 1`; '#' starts a comment line, blank lines
// are skipped.
//   <time_ps> dma <bb:dd.f> <r|w> <address> <size> [at=request|translated] [pasid=<n>] [priv] [exec]
//   <time_ps> reg <offset> <4|8> <value>
//   <time_ps> inv <low quadword> <high quadword>
// Numbers are decimal or 0x-prefixed hexadecimal. TextTraceReader rejects a malformed line
// with a TraceError naming its line number and the problem; TextTraceWriter writes
// addresses, offsets and values in hexadecimal, times and sizes in decimal.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "traces/format/trace_record.h"

namespace vtd::trace {

constexpr const char* kTextHeader = "vtdtrace-text 1";

class TextTraceReader final : public TraceSource {
 public:
  // Reads and checks the header line at once (TraceError when it is missing or wrong).
  explicit TextTraceReader(std::istream& in);
  bool next(TraceRecord& record) override;
  std::string position() const override { return "line " + std::to_string(line_number_); }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void parse(const std::string& line, TraceRecord& r) const;

  std::istream& in_;
  uint64_t line_number_ = 0;
  std::string line_;
};

class TextTraceWriter final : public TraceSink {
 public:
  explicit TextTraceWriter(std::ostream& out);  // writes the header line
  void put(const TraceRecord& record) override;
  void comment(const std::string& text);  // "# text"
  void finish();  // flushes; throws std::runtime_error when writing failed

 private:
  std::ostream& out_;
};

// One record as its text line (no newline).
std::string textLine(const TraceRecord& record);

}  // namespace vtd::trace
