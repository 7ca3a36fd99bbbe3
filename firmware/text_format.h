// Small formatting helpers for driver error messages: hex numbers and PCI source ids
// (bus:dev.fn). No VT-d semantics.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vtd::fw {

inline std::string hexText(uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v));
  return text;
}

inline std::string sourceIdText(uint16_t sid) {
  char text[16];
  std::snprintf(text, sizeof text, "%02x:%02x.%x", unsigned(sid >> 8), unsigned((sid >> 3) & 0x1F),
                unsigned(sid & 7));
  return text;
}

}  // namespace vtd::fw
