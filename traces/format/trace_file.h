// Opening trace files by name: the form is told by the first byte ('V' of the binary
// magic, anything else is read as text and must start with the text header), "-" is
// standard input / output. A TraceFile owns the stream and the reader or writer on it.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include "traces/format/trace_record.h"

namespace vtd::trace {

enum class TraceForm : uint8_t { Binary, Text };

class TraceInput {
 public:
  // Throws TraceError when the file cannot be opened or its header is bad.
  explicit TraceInput(const std::string& path);
  ~TraceInput();
  TraceSource& source() { return *source_; }
  TraceForm form() const { return form_; }

 private:
  std::unique_ptr<std::ifstream> file_;
  std::unique_ptr<TraceSource> source_;
  TraceForm form_ = TraceForm::Binary;
};

class TraceOutput {
 public:
  // Throws std::runtime_error when the file cannot be created.
  TraceOutput(const std::string& path, TraceForm form);
  ~TraceOutput();
  TraceSink& sink() { return *sink_; }
  // Writes the binary end record, flushes and closes; throws std::runtime_error on errors.
  void finish();

 private:
  std::unique_ptr<std::ofstream> file_;
  std::unique_ptr<TraceSink> sink_;
  TraceForm form_;
  bool finished_ = false;
};

// The form a file name asks for: ".txt" / ".vtdt.txt" text, anything else binary.
TraceForm formForName(const std::string& path);

}  // namespace vtd::trace
