// CheckerParams: the driver checker's switches ("checker.*"). Both checks are off by
// default: the stale-translation check re-resolves every cache hit from memory, which a
// sizing run does not want to pay for; the ordering check only watches register writes
// but its reports are noise for runs that program the unit on purpose out of order.
#pragma once

#include <cstdint>
#include <string>

namespace vtd {

class ParamRegistry;

struct CheckerParams {
  bool stale = false;     // re-resolve every cache hit from memory, report differences
  bool ordering = false;  // report programming-order mistakes
  std::string log;        // where reports go: a file name, or empty for stderr
  uint32_t max_reports = 100;  // reports written to the log; later ones are only counted
  uint32_t keep = 256;         // reports kept in memory for tests and tools

  bool any() const { return stale || ordering; }
  void describe(ParamRegistry& r, const std::string& prefix);
};

}  // namespace vtd
