// TraceInput / TraceOutput: files, standard streams and form detection.
#include "traces/format/trace_file.h"

#include <iostream>
#include <stdexcept>

#include "traces/format/binary_reader.h"
#include "traces/format/binary_writer.h"
#include "traces/format/text_format.h"

namespace vtd::trace {

TraceForm formForName(const std::string& path) {
  const std::string ext = ".txt";
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0
             ? TraceForm::Text
             : TraceForm::Binary;
}

TraceInput::TraceInput(const std::string& path) {
  std::istream* in = &std::cin;
  if (path != "-") {
    file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file_) throw TraceError("cannot open trace " + path);
    in = file_.get();
  }
  const int first = in->peek();
  if (first == 'V') {
    form_ = TraceForm::Binary;
    source_ = std::make_unique<BinaryTraceReader>(*in);
  } else {
    form_ = TraceForm::Text;
    source_ = std::make_unique<TextTraceReader>(*in);
  }
}

TraceInput::~TraceInput() = default;

TraceOutput::TraceOutput(const std::string& path, TraceForm form) : form_(form) {
  std::ostream* out = &std::cout;
  if (path != "-") {
    file_ = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
    if (!*file_) throw std::runtime_error("cannot create trace " + path);
    out = file_.get();
  }
  if (form == TraceForm::Binary) sink_ = std::make_unique<BinaryTraceWriter>(*out);
  else sink_ = std::make_unique<TextTraceWriter>(*out);
}

TraceOutput::~TraceOutput() {
  try {
    finish();
  } catch (...) {
  }
}

void TraceOutput::finish() {
  if (finished_) return;
  finished_ = true;
  if (form_ == TraceForm::Binary) static_cast<BinaryTraceWriter&>(*sink_).finish();
  else static_cast<TextTraceWriter&>(*sink_).finish();
  if (file_) {
    file_->close();
    if (!*file_) throw std::runtime_error("error closing the trace");
  }
}

}  // namespace vtd::trace
