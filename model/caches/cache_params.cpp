// CacheParams: description and geometry checks.
#include "model/caches/cache_params.h"

#include "model/common/param_registry.h"

namespace vtd {

const char* policyName(ReplacementPolicy p) {
  switch (p) {
    case ReplacementPolicy::Lru: return "lru";
    case ReplacementPolicy::TreePlru: return "plru";
    case ReplacementPolicy::Fifo: return "fifo";
    case ReplacementPolicy::Random: return "random";
  }
  return "?";
}

void CacheParams::describe(ParamRegistry& r, const std::string& p, const char* what) {
  std::string w(what);
  r.addUInt(p + "entries", entries, 1, 1u << 20, "entries", "number of " + w + " entries");
  r.addUInt(p + "ways", ways, 0, 1u << 20, "ways", w + " associativity; 0 = fully associative");
  r.addChoice(p + "policy", policy,
              {{"lru", ReplacementPolicy::Lru}, {"plru", ReplacementPolicy::TreePlru},
               {"fifo", ReplacementPolicy::Fifo}, {"random", ReplacementPolicy::Random}},
              w + " replacement policy");
  r.addUInt(p + "seed", seed, 0, ~0ull, "", "seed of the " + w + " random replacement policy");
  r.addUInt(p + "lookup_cycles", lookup_cycles, 0, 1000, "cycles", w + " lookup latency");
  r.addBool(p + "enable", enable, "enable the " + w + " (off: every lookup misses)");
}

std::vector<std::string> CacheParams::validate(const std::string& p) const {
  std::vector<std::string> errors;
  uint32_t w = effectiveWays();
  if (w > entries) {
    errors.push_back(p + "ways (" + std::to_string(ways) + ") exceeds " + p + "entries (" +
                     std::to_string(entries) + ")");
    return errors;
  }
  if (entries % w)
    errors.push_back(p + "entries (" + std::to_string(entries) + ") must be a multiple of " + p +
                     "ways (" + std::to_string(ways) + ")");
  uint32_t s = entries / w;
  if (s & (s - 1))
    errors.push_back(p + "entries/" + p + "ways must be a power of two (sets), got " +
                     std::to_string(s));
  if (policy == ReplacementPolicy::TreePlru && (w & (w - 1)))
    errors.push_back(p + "policy plru needs a power-of-two number of ways, got " + std::to_string(w));
  return errors;
}

}  // namespace vtd
