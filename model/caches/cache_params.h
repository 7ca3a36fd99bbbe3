// CacheParams: the one vocabulary every translation cache is configured with (entries,
// ways, policy, seed, lookup_cycles, enable), as in STYLE.md item 6.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd {

class ParamRegistry;

enum class ReplacementPolicy : uint8_t { Lru, TreePlru, Fifo, Random };
const char* policyName(ReplacementPolicy p);

struct CacheParams {
  uint32_t entries = 64;
  uint32_t ways = 0;  // 0 = fully associative
  ReplacementPolicy policy = ReplacementPolicy::Lru;
  uint64_t seed = 1;  // for the random policy
  uint32_t lookup_cycles = 1;
  bool enable = true;

  void describe(ParamRegistry& r, const std::string& prefix, const char* what);
  // Empty when the geometry is buildable; messages name `prefix`.
  std::vector<std::string> validate(const std::string& prefix) const;
  uint32_t effectiveWays() const { return ways == 0 ? entries : ways; }
  uint32_t sets() const { return entries / effectiveWays(); }
};

}  // namespace vtd
