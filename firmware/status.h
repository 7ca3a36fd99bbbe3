// Status: the result of a driver operation that can fail because the hardware misbehaved
// (a poll timed out, an invalidation was refused) or because the request was wrong (a
// double map, an exhausted domain-id space). Failures are values, not exceptions, so the
// platform can report them and carry on; the message names the register and bit involved.
#pragma once

#include <string>
#include <utility>

namespace vtd::fw {

struct Status {
  bool ok = true;
  std::string error;

  explicit operator bool() const { return ok; }

  static Status success() { return Status{}; }
  static Status failure(std::string message) { return Status{false, std::move(message)}; }
};

// Early return on failure: `VTD_FW_TRY(step());`
#define VTD_FW_TRY(expr)            \
  do {                              \
    ::vtd::fw::Status s_ = (expr);  \
    if (!s_) return s_;             \
  } while (0)

}  // namespace vtd::fw
