// Second-level table construction and teardown (FS 5.1).
#include "firmware/page_table.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "firmware/text_format.h"
#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

namespace {

// Bytes one entry of a level-`level` table covers (level 1 = PTE: 4 KiB).
constexpr uint64_t entrySpan(unsigned level) { return 1ull << (12 + 9 * (level - 1)); }
constexpr unsigned indexAt(uint64_t iova, unsigned level) {
  return unsigned((iova >> (12 + 9 * (level - 1))) & (slpte::kEntries - 1));
}
// Present means R or W is set; there is no P bit (FS 5.1).
constexpr bool present(uint64_t e) { return (e & (slpte::R | slpte::W)) != 0; }
constexpr bool isLeaf(uint64_t e, unsigned level) { return level == 1 || (e & slpte::PS); }
constexpr uint64_t nextTable(uint64_t e) { return slpte::ADDR.get(e) << kPageShift; }
constexpr LeafSize sizeAtLevel(unsigned level) { return LeafSize(level - 1); }


}  // namespace

PageTable::PageTable(PhysMemory& memory, PhysAllocator& allocator, DriverStats& stats,
                     unsigned levels, bool flush_needed)
    : memory_(memory), allocator_(allocator), stats_(stats), levels_(levels),
      flush_needed_(flush_needed) {
  if (levels < 2 || levels > 5) throw std::invalid_argument("PageTable: 2 to 5 levels");
  root_ = newTable();
}

void PageTable::store(uint64_t address, uint64_t value) {
  memory_.write64(address, value);
  if (flush_needed_) {  // ECAP.C = 0: the walker does not snoop CPU caches (FS 2.2)
    ++stats_.cache_flushes;
    memory_.flushCache(address, 8);
  }
}

uint64_t PageTable::newTable() {
  const uint64_t table = allocator_.allocatePage();
  if (flush_needed_) {
    ++stats_.cache_flushes;
    memory_.flushCache(table, kPageBytes);
  }
  ++stats_.page_table_pages;
  return table;
}

void PageTable::freeTable(uint64_t table) {
  allocator_.freePage(table);
  --stats_.page_table_pages;
}

bool PageTable::tableEmpty(uint64_t table) {
  uint64_t entries[slpte::kEntries];
  memory_.read(table, entries, sizeof entries);
  return std::all_of(std::begin(entries), std::end(entries), [](uint64_t e) { return e == 0; });
}

// Largest leaf <= max_leaf that the hardware supports, that the table depth can hold, and
// for which iova, phys and the remaining length are all aligned (FS 5.1 superpages).
LeafSize PageTable::chooseLeaf(uint64_t iova, uint64_t phys, uint64_t remaining,
                               LeafSize max_leaf, LeafSupport support) const {
  for (int s = int(max_leaf); s > 0; --s) {
    const LeafSize size = LeafSize(s);
    const bool allowed = size == LeafSize::k2M ? support.size_2m : support.size_1g;
    const uint64_t bytes = leafBytes(size);
    if (allowed && leafLevel(size) <= levels_ && (iova % bytes) == 0 && (phys % bytes) == 0 &&
        remaining >= bytes)
      return size;
  }
  return LeafSize::k4K;
}

bool PageTable::anyMapped(uint64_t table, unsigned level, uint64_t start, uint64_t end) {
  const uint64_t span = entrySpan(level);
  for (uint64_t a = start; a < end;) {
    const uint64_t stop = std::min((a & ~(span - 1)) + span, end);
    const uint64_t e = read(table + 8ull * indexAt(a, level));
    if (present(e) && (isLeaf(e, level) || anyMapped(nextTable(e), level - 1, a, stop))) return true;
    a = stop;
  }
  return false;
}

// Walks down to the leaf's level, creating tables, and writes the leaf.
Status PageTable::install(uint64_t iova, uint64_t phys, LeafSize size, uint64_t perm_bits) {
  const unsigned leaf_level = leafLevel(size);
  uint64_t table = root_;
  for (unsigned level = levels_; level > leaf_level; --level) {
    const uint64_t slot = table + 8ull * indexAt(iova, level);
    const uint64_t e = read(slot);
    if (!present(e)) {
      const uint64_t child = newTable();
      store(slot, slpte::ADDR.make(child >> kPageShift) | slpte::R | slpte::W);
      table = child;
      continue;
    }
    if (isLeaf(e, level))  // excluded by the emptiness check; kept as a guard
      return Status::failure("map: IOVA " + hexText(iova) + " lies inside an existing superpage");
    table = nextTable(e);
  }
  const uint64_t slot = table + 8ull * indexAt(iova, leaf_level);
  if (present(read(slot))) return Status::failure("map: IOVA " + hexText(iova) + " is already mapped");
  const uint64_t ps = leaf_level > 1 ? slpte::PS : 0;
  store(slot, slpte::ADDR.make(phys >> kPageShift) | ps | perm_bits);
  ++stats_.leaves_mapped[unsigned(size)];
  return Status::success();
}

Status PageTable::map(uint64_t iova, uint64_t phys, uint64_t size, Perm perm, LeafSize max_leaf,
                      LeafSupport support) {
  const uint64_t perm_bits = uint64_t(perm) & (slpte::R | slpte::W);
  if (perm_bits == 0) return Status::failure("map: no permission given");
  if ((iova | phys | size) % kPageBytes || size == 0)
    return Status::failure("map: IOVA, physical address and size must be 4 KiB aligned and size > 0");
  const uint64_t end = iova + size;
  // No silent overwrite: the whole range must be free before anything is written.
  if (anyMapped(root_, levels_, iova, end))
    return Status::failure("map: [" + hexText(iova) + ", " + hexText(end) + ") overlaps an existing mapping");
  uint64_t done = 0;
  Status status;
  try {
    while (done < size && status) {
      const LeafSize leaf = chooseLeaf(iova + done, phys + done, size - done, max_leaf, support);
      status = install(iova + done, phys + done, leaf, perm_bits);
      if (status) done += leafBytes(leaf);
    }
  } catch (const std::runtime_error& e) {  // table memory exhausted
    status = Status::failure(std::string("map: ") + e.what());
  }
  if (!status && done > 0) {  // undo the part of this call that went in
    UnmapResult undone;
    clearRange(root_, levels_, iova, iova + done, undone);
    reclaim(undone);
    for (unsigned s = 0; s < kLeafSizeCount; ++s) stats_.leaves_mapped[s] -= undone.leaves[s];
  }
  return status;
}

// A leaf only partly inside [start, end) would have to be split: refuse (FS 5.1 leaves
// map naturally aligned blocks; the driver does not demote superpages).
Status PageTable::checkNoSplit(uint64_t table, unsigned level, uint64_t start, uint64_t end,
                               bool& found) {
  const uint64_t span = entrySpan(level);
  for (uint64_t a = start; a < end;) {
    const uint64_t base = a & ~(span - 1);
    const uint64_t stop = std::min(base + span, end);
    const uint64_t e = read(table + 8ull * indexAt(a, level));
    if (present(e)) {
      if (isLeaf(e, level)) {
        found = true;
        if (base < start || base + span > end)
          return Status::failure("unmap: [" + hexText(start) + ", " + hexText(end) + ") would split the " +
                                 hexText(span) + "-byte leaf at " + hexText(base));
      } else {
        VTD_FW_TRY(checkNoSplit(nextTable(e), level - 1, a, stop, found));
      }
    }
    a = stop;
  }
  return Status::success();
}

void PageTable::clearRange(uint64_t table, unsigned level, uint64_t start, uint64_t end,
                           UnmapResult& r) {
  const uint64_t span = entrySpan(level);
  for (uint64_t a = start; a < end;) {
    const uint64_t stop = std::min((a & ~(span - 1)) + span, end);
    const uint64_t slot = table + 8ull * indexAt(a, level);
    const uint64_t e = read(slot);
    if (present(e)) {
      if (isLeaf(e, level)) {
        store(slot, 0);
        ++r.leaves[unsigned(sizeAtLevel(level))];
      } else {
        const uint64_t child = nextTable(e);
        clearRange(child, level - 1, a, stop, r);
        if (tableEmpty(child)) {  // unlink now; the page goes back in reclaim()
          store(slot, 0);
          r.detached_tables.push_back(child);
        }
      }
    }
    a = stop;
  }
}

Status PageTable::unmap(uint64_t iova, uint64_t size, UnmapResult& result) {
  if ((iova | size) % kPageBytes || size == 0)
    return Status::failure("unmap: IOVA and size must be 4 KiB aligned and size > 0");
  const uint64_t end = iova + size;
  bool found = false;
  VTD_FW_TRY(checkNoSplit(root_, levels_, iova, end, found));
  if (!found) return Status::failure("unmap: nothing is mapped in [" + hexText(iova) + ", " + hexText(end) + ")");
  clearRange(root_, levels_, iova, end, result);
  for (unsigned s = 0; s < kLeafSizeCount; ++s) stats_.leaves_unmapped[s] += result.leaves[s];
  return Status::success();
}

void PageTable::reclaim(UnmapResult& result) {
  for (uint64_t table : result.detached_tables) freeTable(table);
  result.detached_tables.clear();
}

std::optional<LeafInfo> PageTable::lookup(uint64_t iova) {
  uint64_t table = root_;
  for (unsigned level = levels_; level >= 1; --level) {
    const uint64_t slot = table + 8ull * indexAt(iova, level);
    const uint64_t e = read(slot);
    if (!present(e)) return std::nullopt;
    if (isLeaf(e, level)) {
      LeafInfo info;
      info.size = sizeAtLevel(level);
      info.phys = (slpte::ADDR.get(e) << kPageShift) & ~(leafBytes(info.size) - 1);
      info.perm = uint8_t(e & (slpte::R | slpte::W));
      info.entry_address = slot;
      info.entry = e;
      return info;
    }
    table = nextTable(e);
  }
  return std::nullopt;
}

void PageTable::releaseTable(uint64_t table, unsigned level) {
  if (level > 1) {
    for (unsigned i = 0; i < slpte::kEntries; ++i) {
      const uint64_t e = read(table + 8ull * i);
      if (present(e) && !isLeaf(e, level)) releaseTable(nextTable(e), level - 1);
    }
  }
  freeTable(table);
}

void PageTable::release() {
  if (root_ == 0) return;
  releaseTable(root_, levels_);
  root_ = 0;
}

}  // namespace vtd::fw
