// IOTLB organisation, fills and invalidation by granularity (FS 6.3, 6.11).
#include "model/caches/iotlb.h"

#include "model/common/param_registry.h"

namespace vtd {

const char* IotlbOrganisationParams::sizeName(unsigned size) {
  static const char* const kNames[3] = {"4k", "2m", "1g"};
  return size < 3 ? kNames[size] : "?";
}

void IotlbOrganisationParams::describe(ParamRegistry& r, const std::string& p) {
  r.addChoice(p + "organisation", organisation,
              {{"unified", IotlbOrganisation::Unified}, {"split", IotlbOrganisation::Split}},
              "IOTLB organisation: unified = one array (iotlb.*) for every page size; split = one "
              "array per page size (iotlb.4k.*, iotlb.2m.*, iotlb.1g.*; iotlb.* then unused)");
  static const char* const kWhat[3] = {"split IOTLB 4 KiB array", "split IOTLB 2 MiB array",
                                       "split IOTLB 1 GiB array"};
  for (unsigned s = 0; s < 3; ++s) split[s].describe(r, p + sizeName(s) + ".", kWhat[s]);
}

std::vector<std::string> IotlbOrganisationParams::validate(const std::string& p) const {
  std::vector<std::string> errors;
  if (organisation != IotlbOrganisation::Split) return errors;
  for (unsigned s = 0; s < 3; ++s)
    for (auto& e : split[s].validate(p + sizeName(s) + ".")) errors.push_back(e);
  return errors;
}

namespace {
const CacheParams kUnused{1, 1, ReplacementPolicy::Lru, 1, 0, false};
bool isSplit(const IotlbOrganisationParams& o) { return o.organisation == IotlbOrganisation::Split; }
}  // namespace

Iotlb::Iotlb(const CacheParams& unified, const IotlbOrganisationParams& o)
    : organisation_(o.organisation), split_(isSplit(o)), array_count_(split_ ? 3 : 1),
      arrays_{SetAssocCache<IotlbEntry>(isSplit(o) ? o.split[0] : unified),
              SetAssocCache<IotlbEntry>(isSplit(o) ? o.split[1] : kUnused),
              SetAssocCache<IotlbEntry>(isSplit(o) ? o.split[2] : kUnused)} {}

Iotlb::FillResult Iotlb::insert(uint64_t iova, const IotlbEntry& entry) {
  FillResult f;
  const uint64_t page = iova >> pageShift(entry.size);
  const auto r = arrays_[split_ ? unsigned(entry.size) : 0].insert(tagOf(entry.did, entry.size, page),
                                                                  setIndex(entry.did, page), entry);
  if (!r.inserted) return f;
  f.inserted = true;
  if (r.evicted) {
    f.evicted = true;
    f.evicted_size = PageSize((r.evicted_tag >> 45) & 3);
    --resident_[unsigned(f.evicted_size)];
  }
  if (!r.refreshed) ++resident_[unsigned(entry.size)];
  return f;
}

template <class Pred>
uint32_t Iotlb::invalidateIf(Pred pred) {
  uint32_t n = 0;
  for (unsigned a = 0; a < array_count_; ++a)
    n += arrays_[a].invalidateIf([&](uint64_t t, const IotlbEntry& e) {
      if (!pred(t, e)) return false;
      --resident_[unsigned(e.size)];
      return true;
    });
  return n;
}

uint32_t Iotlb::invalidateAll() {
  return invalidateIf([](uint64_t, const IotlbEntry&) { return true; });
}

uint32_t Iotlb::invalidateDomain(uint16_t did) {
  return invalidateIf([&](uint64_t, const IotlbEntry& e) { return e.did == did; });
}

uint32_t Iotlb::invalidatePages(uint16_t did, uint64_t base, unsigned am) {
  // 2^AM pages from base aligned down; an AM covering the whole 64-bit space saturates.
  const unsigned shift = 12 + am;
  const uint64_t first = shift >= 64 ? 0 : base & ~((1ull << shift) - 1);
  const uint64_t last = shift >= 64 ? ~0ull : first + ((1ull << shift) - 1);
  return invalidateIf([&](uint64_t t, const IotlbEntry& e) {
    if (e.did != did) return false;
    const uint64_t page_first = pageOf(t, e.size);
    const uint64_t page_last = page_first + pageBytes(e.size) - 1;
    return !(page_first > last || first > page_last);  // overlap
  });
}

uint32_t Iotlb::validCount() const {
  uint32_t n = 0;
  for (unsigned a = 0; a < array_count_; ++a) n += arrays_[a].validCount();
  return n;
}

}  // namespace vtd
