// Polling with timeout over the HAL clock (pollUntil in hal.h).
#include "firmware/register_io.h"

#include <cstdio>

namespace vtd::fw {

Status RegisterIo::timeout(const std::string& what, uint32_t offset, uint64_t last_value) {
  ++stats_.poll_timeouts;
  char text[160];
  std::snprintf(text, sizeof text, " timed out after %llu ns (register 0x%03x last read 0x%llx)",
                static_cast<unsigned long long>(options_.poll_timeout_ns), offset,
                static_cast<unsigned long long>(last_value));
  return Status::failure("waiting for " + what + text);
}

Status RegisterIo::poll32(uint32_t offset, uint32_t mask, uint32_t expect, const std::string& what,
                          uint32_t* last) {
  ++stats_.polls;
  uint32_t value = 0;
  const bool done = pollUntil(
      clock_,
      [&] {
        ++stats_.poll_iterations;
        value = read32(offset);
        return (value & mask) == expect;
      },
      options_.poll_timeout_ns, options_.poll_interval_ns);
  if (last) *last = value;
  return done ? Status::success() : timeout(what, offset, value);
}

Status RegisterIo::poll64(uint32_t offset, uint64_t mask, uint64_t expect, const std::string& what,
                          uint64_t* last) {
  ++stats_.polls;
  uint64_t value = 0;
  const bool done = pollUntil(
      clock_,
      [&] {
        ++stats_.poll_iterations;
        value = read64(offset);
        return (value & mask) == expect;
      },
      options_.poll_timeout_ns, options_.poll_interval_ns);
  if (last) *last = value;
  return done ? Status::success() : timeout(what, offset, value);
}

}  // namespace vtd::fw
