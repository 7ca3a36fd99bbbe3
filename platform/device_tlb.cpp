// DeviceTlb: lookups, fills, invalidate requests; DeviceParams.
#include "platform/device_tlb.h"

#include "model/common/param_registry.h"

namespace vtd::platform {

void DeviceParams::describe(ParamRegistry& r, const std::string& p) {
  r.addBool(p + "ats", ats,
            "devices use ATS: an address translation cache (ATC), translation requests on a miss, "
            "translated requests on a hit; the firmware then sets context TT=01 and invalidates "
            "the device-TLB after the IOTLB (needs unit.device_tlb)");
  atc.describe(r, p + "atc.", "device ATC");
  r.addBool(p + "ats_timeout", ats_timeout,
            "devices never answer device-TLB invalidate requests, so the unit reports an "
            "invalidation time-out (FSTS.ITE)");
}

std::vector<std::string> DeviceParams::validate(const std::string& p) const {
  return atc.validate(p + "atc.");
}

const AtcEntry* DeviceTlb::lookup(uint64_t address) {
  for (uint64_t m = shifts_; m; m &= m - 1) {
    const unsigned shift = unsigned(__builtin_ctzll(m));
    if (const AtcEntry* e = cache_.lookup(tag(address, shift), address >> shift)) return e;
  }
  return nullptr;
}

bool DeviceTlb::insert(uint64_t address, const AtsCompletion& c) {
  if (!c.usable() || c.range_bytes < 4096 || (c.range_bytes & (c.range_bytes - 1))) return false;
  AtcEntry e;
  e.shift = uint8_t(__builtin_ctzll(c.range_bytes));
  e.translated = c.translated_address;
  e.read = c.read;
  e.write = c.write;
  e.non_snooped = c.non_snooped;
  const auto r = cache_.insert(tag(address, e.shift), address >> e.shift, e);
  evictions_ += r.evicted ? 1 : 0;
  if (r.inserted) shifts_ |= 1ull << e.shift;
  return r.inserted;
}

uint32_t DeviceTlb::invalidate(const DeviceTlbInvalidation& request) {
  return cache_.invalidateIf([&](uint64_t t, const AtcEntry&) {
    const unsigned shift = unsigned(t & 63);
    return request.covers((t >> 6) << shift, 1ull << shift);
  });
}

}  // namespace vtd::platform
