// CheckerLog: where a unit's driver-checker reports go (checker.log): a file, or standard
// error when the name is empty. Each line carries the simulated time, the unit's name, the
// finding's kind and its text. Nothing is opened unless checker.stale or checker.ordering
// is on. A file that cannot be opened is a configuration error naming checker.log.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "model/checker/checker_params.h"
#include "model/checker/diagnostics.h"

namespace vtd::tlm {

class CheckerLog {
 public:
  CheckerLog(const CheckerParams& params, std::string unit_name);
  // Connects the log to the unit's findings (no-op when the checker is off).
  void attach(DiagnosticLog& log);
  void write(const Diagnostic& d);

 private:
  struct Closer {
    void operator()(std::FILE* f) const {
      if (f) std::fclose(f);
    }
  };
  bool enabled_;
  std::string unit_name_;
  std::unique_ptr<std::FILE, Closer> file_;  // null: stderr
};

}  // namespace vtd::tlm
