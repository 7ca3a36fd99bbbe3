// CheckerLog: opening the log and formatting its lines.
#include "tlm/checker_log.h"

#include <cerrno>
#include <cstring>
#include <systemc>

#include "model/common/param_registry.h"

namespace vtd::tlm {

CheckerLog::CheckerLog(const CheckerParams& params, std::string unit_name)
    : enabled_(params.any()), unit_name_(std::move(unit_name)) {
  if (!enabled_ || params.log.empty()) return;
  file_.reset(std::fopen(params.log.c_str(), "w"));
  if (!file_)
    throw ConfigError("checker.log: cannot open '" + params.log + "' for writing: " + std::strerror(errno));
}

void CheckerLog::attach(DiagnosticLog& log) {
  if (enabled_) log.setSink([this](const Diagnostic& d) { write(d); });
}

void CheckerLog::write(const Diagnostic& d) {
  std::FILE* out = file_ ? file_.get() : stderr;
  std::fprintf(out, "[%s] %s checker %s: %s\n", sc_core::sc_time_stamp().to_string().c_str(), unit_name_.c_str(),
               diagnosticName(d.kind), d.text.c_str());
  std::fflush(out);  // a crash or a kill later must not lose findings
}

}  // namespace vtd::tlm
