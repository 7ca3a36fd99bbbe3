// What the host process used: peak and current resident set size from /proc/self/status
// (VmHWM, VmRSS), for the replay's and the curve's reports on bounded memory. Linux only;
// 0 where the file or the line is missing.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace vtd::replay {

inline uint64_t procStatusKib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string key;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field, 0) == 0 && line.size() > std::string(field).size() && line[std::string(field).size()] == ':')
      return std::stoull(line.substr(std::string(field).size() + 1));
  return 0;
}

inline uint64_t peakRssKib() { return procStatusKib("VmHWM"); }
inline uint64_t rssKib() { return procStatusKib("VmRSS"); }

}  // namespace vtd::replay
