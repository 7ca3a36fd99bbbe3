// MSI messages the unit itself generates (fault event, later invalidation-completion and
// page-request events) and the sink they are handed to. The TLM layer delivers them on
// the unit's MSI socket; tests record them.
#pragma once

#include <cstdint>

namespace vtd {

struct MsiMessage {
  uint64_t address = 0;
  uint32_t data = 0;
};

class InterruptSink {
 public:
  virtual ~InterruptSink() = default;
  virtual void deliver(const MsiMessage& message) = 0;
};

}  // namespace vtd
