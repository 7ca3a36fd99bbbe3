// Context cache: decoded legacy context entries, tagged by source id (VT-d 3.x 6.2.1,
// FS 4.2, 6.2, 6.11). Only present, well-formed entries are cached (legal with and without
// CAP.CM). Invalidation: global, by domain id, or by source id under a function mask.
// A cached entry outlives changes to the context table until the driver invalidates it.
#pragma once

#include <cstdint>

#include "model/caches/set_assoc_cache.h"
#include "model/translation/context_entry.h"

namespace vtd {

class ContextCache {
 public:
  explicit ContextCache(const CacheParams& params) : params_(params), cache_(params) {}

  const ContextInfo* lookup(SourceId sid) { return cache_.lookup(sid.value, sid.value); }
  // Fills an entry; the result says where it went and whether a valid one was evicted.
  SetAssocCache<ContextInfo>::InsertResult insert(SourceId sid, const ContextInfo& info) {
    return cache_.insert(sid.value, sid.value, info);
  }

  uint32_t invalidateAll() { return cache_.invalidateAll(); }
  uint32_t invalidateDomain(uint16_t did) {
    return cache_.invalidateIf([did](uint64_t, const ContextInfo& c) { return c.did == did; });
  }
  // FM (FS 6.2): 0 compares all 16 SID bits; 1, 2, 3 ignore function bits 2, 2:1, 2:0.
  uint32_t invalidateDevice(SourceId sid, unsigned function_mask) {
    return cache_.invalidateIf([&](uint64_t t, const ContextInfo&) {
      return sameSourceUnderMask(SourceId{uint16_t(t)}, sid, function_mask);
    });
  }
  // The entry held for `sid`, without touching replacement state (the checker's view).
  const ContextInfo* peek(SourceId sid) const {
    const ContextInfo* held = nullptr;
    cache_.forEachValid([&](uint64_t t, const ContextInfo& c) {
      if (uint16_t(t) == sid.value) held = &c;
    });
    return held;
  }

  uint32_t validCount() const { return cache_.validCount(); }
  template <class F>
  void forEachValid(F f) const {
    cache_.forEachValid([&](uint64_t t, const ContextInfo& c) { f(SourceId{uint16_t(t)}, c); });
  }
  const CacheParams& params() const { return params_; }

 private:
  CacheParams params_;
  SetAssocCache<ContextInfo> cache_;
};

}  // namespace vtd
