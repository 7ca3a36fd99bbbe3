// Property: the caches change cost, never results. Random legacy tables are translated by
// two units over the same memory, one with every cache on (small random geometries and
// policies, paging-structure caches, unified or split IOTLB, random CAP.CM) and one with
// every cache off; both are checked against the independent ReferenceWalker. Between
// batches the test changes one entry on a mapping's path and issues exactly the
// invalidation the spec requires for that change (VT-d 3.x 6.5, FS 6.3): a leaf change ->
// page-selective over the leaf with IH=1; a non-leaf change -> page-selective over the
// entry's region with IH=0 (performed domain-wide when AM exceeds MAMV); a context change
// -> device-selective context invalidation then domain-selective IOTLB (FS 9.E.2). With
// CAP.CM these also clear the negative entries of the not-present -> present changes.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <random>
#include <string>
#include <vector>

#include "model/common/flat_memory.h"
#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"
#include "testbench/support/table_builder.h"
#include "testbench/unit/reference_walker.h"

namespace vtd::test {
namespace {

using namespace reg;

constexpr uint64_t kMemBytes = 48ull << 20;
constexpr uint64_t kTablesBase = 32ull << 20, kTablesSize = 16ull << 20;  // data below 32 MiB
constexpr uint64_t kAddrMask = 0x000F'FFFF'FFFF'F000ull;

struct Rng {
  std::mt19937_64 g;
  uint64_t below(uint64_t n) { return n ? g() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
};

CacheParams smallCache(Rng& rng, bool allow_large_fa = true) {
  static const uint32_t kGeom[][2] = {{1, 1}, {2, 0}, {4, 2}, {8, 0}, {16, 4}, {32, 0}, {64, 8}};
  const auto& g = kGeom[rng.below(allow_large_fa ? 7 : 5)];
  CacheParams p;
  p.entries = g[0], p.ways = g[1], p.policy = ReplacementPolicy(rng.below(4)), p.seed = rng.g();
  p.enable = rng.chance(90);
  return p;
}

UnitConfig randomConfig(Rng& rng) {
  UnitConfig c;
  static const std::vector<std::vector<uint32_t>> kSagaw = {{39}, {48}, {39, 48}, {48, 57}};
  c.unit.sagaw_bits = kSagaw[rng.below(kSagaw.size())];
  c.unit.mgaw_bits = c.unit.largestAgaw();
  c.unit.superpage_2m = rng.chance(70);
  c.unit.superpage_1g = rng.chance(50);
  c.unit.caching_mode = rng.chance(50);
  const uint32_t kMamv[] = {9, 18, 63};
  c.unit.max_address_mask = kMamv[rng.below(3)];
  c.iotlb = smallCache(rng);
  if (rng.chance(40)) {
    c.iotlb_organisation.organisation = IotlbOrganisation::Split;
    for (size_t s = 0; s < c.iotlb_organisation.split.size(); ++s) c.iotlb_organisation.split[s] = smallCache(rng);
  }
  for (size_t l = 0; l < c.psc.level.size(); ++l) c.psc.level[l] = smallCache(rng);
  c.context_cache = smallCache(rng, false);
  return c;
}

UnitConfig withoutCaches(UnitConfig c) {
  c.iotlb.enable = c.context_cache.enable = false;
  for (auto& a : c.iotlb_organisation.split) a.enable = false;
  for (auto& level : c.psc.level) level.enable = false;
  return c;
}

struct Mapping { uint64_t iova; unsigned leaf_level; size_t domain; };
struct Domain { uint16_t did; unsigned levels; uint64_t top; };
struct Device { SourceId sid; size_t domain; };

class Round {
 public:
  explicit Round(uint64_t seed)
      : rng_{std::mt19937_64(seed)}, cfg_(randomConfig(rng_)), memory_(kMemBytes),
        cached_(cfg_, memory_), plain_(withoutCaches(cfg_), memory_),
        tables_(memory_, kTablesBase, kTablesSize), ref_(cfg_.unit, memory_) {}

  void run() {
    build();
    for (RemappingUnit* u : {&cached_, &plain_}) {
      u->mmioWrite(RTADDR, 8, tables_.root());
      u->mmioWrite(GCMD, 4, gcmd::SRTP);
      u->mmioWrite(GCMD, 4, gcmd::TE);
    }
    for (int batch = 0; batch < 12 && failures_ < 5; ++batch) {
      for (int i = 0; i < 250 && failures_ < 5; ++i) compare(randomDma());
      rng_.chance(15) ? changeContext() : changeEntry();
    }
  }

  unsigned compared = 0, ok = 0, psc_hits = 0, negative_hits = 0;

 private:
  void build() {
    const unsigned n_domains = 1 + unsigned(rng_.below(3));
    for (unsigned d = 0; d < n_domains; ++d) {
      const uint32_t width = cfg_.unit.sagaw_bits[rng_.below(cfg_.unit.sagaw_bits.size())];
      domains_.push_back({uint16_t(d + 1), (width - 30) / 9 + 2, tables_.newPage()});
      for (unsigned k = 0; k < 6 + rng_.below(20); ++k) addMapping(domains_.size() - 1);
    }
    for (unsigned i = 0; i < 2 + rng_.below(4); ++i) {
      const Device dev{SourceId::fromBdf(unsigned(rng_.below(3)), 1 + i, 0), size_t(rng_.below(domains_.size()))};
      const Domain& d = domains_[dev.domain];
      tables_.setContext(dev.sid, d.top, d.levels, d.did);
      devices_.push_back(dev);
    }
  }

  void addMapping(size_t di) {
    const Domain& d = domains_[di];
    unsigned level = rng_.chance(75) ? 1 : rng_.chance(70) ? 2 : 3;
    if ((level == 2 && !cfg_.unit.superpage_2m) || (level == 3 && !cfg_.unit.superpage_1g)) level = 1;
    const unsigned shift = 12 + 9 * (level - 1);
    const unsigned width = 30 + 9 * (d.levels - 2);
    // Clustered inputs, so walks share upper levels: a few 1 GiB slots, a few 2 MiB slots.
    uint64_t iova = (rng_.below(4) << 30 | rng_.below(8) << 21 | rng_.below(16) << 12);
    if (rng_.chance(20)) iova |= rng_.below(4) << 39;
    if (d.levels == 5 && rng_.chance(20)) iova |= 1ull << 48;
    iova &= ((1ull << width) - 1) & ~((1ull << shift) - 1);
    if (existingLeaf(di, iova)) return;
    const uint64_t out = rng_.below(32ull << 20) & ~((1ull << shift) - 1);
    const uint8_t perms = rng_.chance(80) ? uint8_t(kPermRW) : uint8_t(1 + rng_.below(2));
    tables_.map(d.top, d.levels, iova, out, PageSize(level - 1), perms);
    maps_.push_back({iova, level, di});
  }
  // Whether the path of iova already ends in a leaf above level 1 (map() would write below it).
  bool existingLeaf(size_t di, uint64_t iova) {
    const Domain& d = domains_[di];
    uint64_t table = d.top;
    for (unsigned l = d.levels; l >= 1; --l) {
      const uint64_t e = memory_.read64(table + 8 * TableBuilder::index(iova, l));
      if (!(e & 3)) return false;
      if (l == 1 || (e & 0x80)) return true;
      table = e & kAddrMask;
    }
    return false;
  }

  // The entry at `level` on the path of m, if every entry above it is present and a pointer.
  std::optional<uint64_t> entryOnPath(const Mapping& m, unsigned level) {
    const Domain& d = domains_[m.domain];
    uint64_t table = d.top;
    for (unsigned l = d.levels; l > level; --l) {
      const uint64_t e = memory_.read64(table + 8 * TableBuilder::index(m.iova, l));
      if (!(e & 3) || (e & 0x80)) return std::nullopt;
      table = e & kAddrMask;
      if (table < kTablesBase || table >= kTablesBase + kTablesSize) return std::nullopt;
    }
    return table + 8 * TableBuilder::index(m.iova, level);
  }

  // One change on a mapping's path, then the invalidation it needs.
  void changeEntry() {
    if (maps_.empty()) return;
    const Mapping& m = maps_[rng_.below(maps_.size())];
    const Domain& d = domains_[m.domain];
    const unsigned level = m.leaf_level + unsigned(rng_.below(d.levels - m.leaf_level + 1));
    const auto at = entryOnPath(m, level);
    if (!at) return;
    const bool leaf = level == m.leaf_level;
    uint64_t e = memory_.read64(*at);
    const unsigned how = unsigned(rng_.below(4));
    if (how == 0) {  // present <-> not present (remembering the old value)
      if (e & 3) saved_[*at] = e, e &= ~3ull;
      else e = saved_.count(*at) ? saved_[*at] : e | 3;
    } else if (how == 1) {  // R/W change, possibly to not present
      e = (e & ~3ull) | rng_.below(4);
    } else if (leaf) {  // another frame
      const uint64_t size = 1ull << (12 + 9 * (level - 1));
      e = (e & ~kAddrMask) | (rng_.below(32ull << 20) & ~(size - 1));
    } else if (e & 3) {  // re-point at a copy of the next table with one leaf moved
      uint64_t copy = 0;
      try {
        copy = tables_.newPage();
      } catch (const std::runtime_error&) {
        return;  // out of table pages: skip this change
      }
      for (uint64_t off = 0; off < 4096; off += 8) memory_.write64(copy + off, memory_.read64((e & kAddrMask) + off));
      const uint64_t slot = copy + 8 * rng_.below(512);
      const uint64_t s = memory_.read64(slot);
      if ((s & 3) && (level - 1 == 1 || (s & 0x80))) memory_.write64(slot, s ^ (1ull << 12 << (9 * (level - 2))));
      e = (e & ~kAddrMask) | copy;
    }
    memory_.write64(*at, e);
    const unsigned am = 9 * (level - 1);
    const uint64_t base = m.iova & ~((1ull << (12 + am)) - 1);
    for (RemappingUnit* u : {&cached_, &plain_}) {
      u->mmioWrite(cfg_.unit.iotlb_reg_offset, 8, base | (leaf ? iva::IH : 0) | am);
      u->mmioWrite(cfg_.unit.iotlb_reg_offset + 8, 8, iotlb::IVT | uint64_t(kGranSelective) << 60 | uint64_t(d.did) << 32);
    }
  }

  // A device's context toggles present (Linux: device-selective, then the domain's IOTLB).
  void changeContext() {
    const Device& dev = devices_[rng_.below(devices_.size())];
    const uint64_t at = tables_.contextEntryAddress(dev.sid);
    memory_.write64(at, memory_.read64(at) ^ 1);
    const uint16_t did = domains_[dev.domain].did;
    for (RemappingUnit* u : {&cached_, &plain_}) {
      u->mmioWrite(CCMD, 8, ccmd::ICC | uint64_t(kGranSelective) << 61 | uint64_t(dev.sid.value) << 16);
      u->mmioWrite(cfg_.unit.iotlb_reg_offset + 8, 8, iotlb::IVT | uint64_t(kGranDomain) << 60 | uint64_t(did) << 32);
    }
  }

  DmaRequest randomDma() {
    DmaRequest r;
    const Device& dev = devices_[rng_.below(devices_.size())];
    r.source = rng_.chance(3) ? SourceId::fromBdf(7, 7, 7) : dev.sid;
    const auto& dom_maps = maps_;
    if (!dom_maps.empty() && rng_.chance(85)) {
      const Mapping& m = dom_maps[rng_.below(dom_maps.size())];
      r.address = m.iova + (rng_.below(1ull << (12 + 9 * (m.leaf_level - 1))) & ~0xFFFull) + rng_.below(4096);
    } else {
      r.address = rng_.below(4) << 30 | rng_.below(8) << 21 | rng_.below(32) << 12;
    }
    r.kind = rng_.chance(50) ? AccessKind::Write : AccessKind::Read;
    r.size = 1 + uint32_t(rng_.below(64));
    if ((r.address & 0xFFF) + r.size > 4096) r.address &= ~0xFFFull;
    return r;
  }

  void compare(const DmaRequest& r) {
    if (RemappingUnit::isInterruptAddress(r.address)) return;
    const Translation a = cached_.translate(r), b = plain_.translate(r);
    const RefOutcome ref = ref_.translate(tables_.root(), r);
    ++compared;
    ok += a.ok();
    psc_hits += a.cost.psc_hit_level != 0;
    const bool same = a.status == b.status && a.reason == b.reason && a.output == b.output &&
                      a.permissions == b.permissions && a.page_size == b.page_size &&
                      b.ok() == ref.ok && (ref.ok ? b.output == ref.output : b.reason == ref.reason);
    if (!same) {
      ++failures_;
      ADD_FAILURE() << std::hex << "request sid=0x" << r.source.value << " addr=0x" << r.address
                    << (r.kind == AccessKind::Write ? " write" : " read") << "\n  cached: ok=" << a.ok()
                    << " reason=0x" << unsigned(a.reason) << " out=0x" << a.output << " perms=" << unsigned(a.permissions)
                    << " psc_hit=" << unsigned(a.cost.psc_hit_level) << "\n  plain:  ok=" << b.ok() << " reason=0x"
                    << unsigned(b.reason) << " out=0x" << b.output << " perms=" << unsigned(b.permissions)
                    << "\n  reference: ok=" << ref.ok << " reason=0x" << unsigned(ref.reason) << " out=0x" << ref.output
                    << "\n" << describeWalk(memory_, cfg_.unit, tables_.root(), r);
    }
  }

 public:
  uint64_t negativeHits() const { return cached_.stats().iotlb_negative_hit + cached_.stats().ctxt_cache_negative_hit; }
  uint64_t pscEvictions() const {
    uint64_t n = 0;
    for (auto v : cached_.stats().psc_eviction) n += v;
    return n;
  }
  uint64_t pscInvalidated() const { return cached_.stats().psc_entries_invalidated; }

 private:
  Rng rng_;
  UnitConfig cfg_;
  FlatMemory memory_;
  RemappingUnit cached_, plain_;
  TableBuilder tables_;
  ReferenceWalker ref_;
  std::vector<Domain> domains_;
  std::vector<Device> devices_;
  std::vector<Mapping> maps_;
  std::map<uint64_t, uint64_t> saved_;
  unsigned failures_ = 0;
};

TEST(CacheEquivalence, CachesNeverChangeResults) {
  unsigned compared = 0, ok = 0, psc_hits = 0;
  uint64_t negative = 0, evictions = 0, invalidated = 0;
  for (unsigned round = 0; round < 40; ++round) {
    SCOPED_TRACE("round seed " + std::to_string(0xCAC0 + round));
    Round r(0xCAC0 + round);
    r.run();
    compared += r.compared, ok += r.ok, psc_hits += r.psc_hits;
    negative += r.negativeHits(), evictions += r.pscEvictions(), invalidated += r.pscInvalidated();
  }
  // Keeps the generator honest: translations, faults, paging-structure hits, evictions and
  // invalidations, and negative entries (CM rounds) all happen.
  EXPECT_GT(compared, 100000u);
  EXPECT_GT(ok, compared / 5);
  EXPECT_LT(ok, compared - compared / 10);
  EXPECT_GT(psc_hits, compared / 20);
  EXPECT_GT(negative, 100u);
  EXPECT_GT(evictions, 1000u);
  EXPECT_GT(invalidated, 100u);
  std::printf("[ equivalence ] %u DMAs compared, %u ok, %u paging-structure hits, %llu negative hits, "
              "%llu PSC evictions, %llu PSC entries invalidated\n", compared, ok, psc_hits,
              (unsigned long long)negative, (unsigned long long)evictions, (unsigned long long)invalidated);
}

}  // namespace
}  // namespace vtd::test
