// DeviceTlb: the address translation cache (ATC) of an ATS-capable PCIe function (PCIe ATS;
// VT-d 3.x 4.1), the device side of what the remapping unit's TT=01 contexts allow. It
// holds translation completions (model/translation/ats.h) that were usable (R or W set,
// U clear), each for the range its S bit gave, tagged by the untranslated range; a
// lookup probes each range size the cache holds (smallest first). An invalidate request
// (DeviceTlbInvalidation) drops every entry whose range overlaps it. Geometry and
// replacement are a CacheParams (`device.atc.*`) over the model's SetAssocCache. No
// SystemC, no time: the DmaMaster decides when requests go out.
// Not modelled: PASID-tagged entries, the No-Write flag (every request asks for R and W),
// the STU (4 KiB), invalidations arriving while a translation request is in flight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/caches/cache_params.h"
#include "model/caches/set_assoc_cache.h"
#include "model/invalidation/device_tlb_port.h"
#include "model/translation/ats.h"

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

// `device.*`: the bus masters' ATS support (every device of the platform alike).
struct DeviceParams {
  bool ats = false;  // ATS enabled: an ATC, translation requests, translated requests
  CacheParams atc{64, 0, ReplacementPolicy::Lru, 1, 1, true};  // device.atc.*
  bool ats_timeout = false;  // never answers invalidate requests (the unit reports ITE)

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix) const;
};

struct AtcEntry {
  uint64_t translated = 0;  // base of the translated range
  uint8_t shift = 12;       // range = 2^shift bytes
  bool read = false, write = false, non_snooped = false;
};

class DeviceTlb {
 public:
  explicit DeviceTlb(const CacheParams& params) : cache_(params) {}

  // The entry whose range holds `address`, or null.
  const AtcEntry* lookup(uint64_t address);
  // Keeps a usable completion for the range holding `address`; false when not usable.
  bool insert(uint64_t address, const AtsCompletion& c);
  // Drops the entries overlapping the request; returns how many.
  uint32_t invalidate(const DeviceTlbInvalidation& request);

  uint32_t validCount() const { return cache_.validCount(); }
  uint64_t evictions() const { return evictions_; }

 private:
  static uint64_t tag(uint64_t address, unsigned shift) { return (address >> shift) << 6 | shift; }

  SetAssocCache<AtcEntry> cache_;
  uint64_t shifts_ = 0;  // bit n: entries of 2^n bytes may be present
  uint64_t evictions_ = 0;
};

}  // namespace vtd::platform
