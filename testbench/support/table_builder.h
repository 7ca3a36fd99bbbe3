// TableBuilder: writes legacy root/context entries and second-level page tables straight
// into a FlatMemory, so model tests can set up exactly the bits a rule is about (including
// wrong ones) without going through the firmware. Entry layouts per FS 4.1, 4.2, 5.1.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "model/common/flat_memory.h"
#include "model/common/types.h"

namespace vtd::test {

class TableBuilder {
 public:
  // Pages for tables come from [base, base + size) of `memory`.
  TableBuilder(FlatMemory& memory, uint64_t base, uint64_t size)
      : memory_(memory), next_(base), end_(base + size), root_(newPage()) {}

  uint64_t newPage() {
    if (next_ + 4096 > end_) throw std::runtime_error("TableBuilder: out of table pages");
    const uint64_t p = next_;
    next_ += 4096;
    for (uint64_t a = p; a < p + 4096; a += 8) memory_.write64(a, 0);
    return p;
  }
  uint64_t root() const { return root_; }

  uint64_t rootEntryAddress(SourceId sid) const { return root_ + 16ull * sid.bus(); }
  // Address of the context entry (creating the context table and root entry if needed).
  uint64_t contextEntryAddress(SourceId sid) {
    uint64_t re = memory_.read64(rootEntryAddress(sid));
    if (!(re & 1)) {
      re = newPage() | 1;
      memory_.write64(rootEntryAddress(sid), re);
    }
    return (re & ~0xFFFull) + 16ull * sid.devfn();
  }

  // Context entry: P, FPD, TT, SLPTPTR; AW (levels - 2), DID (FS 4.2).
  void setContext(SourceId sid, uint64_t slptptr, unsigned levels, uint16_t did, unsigned tt = 0,
                  bool fpd = false, bool present = true) {
    const uint64_t a = contextEntryAddress(sid);
    const uint64_t lo = (slptptr & ~0xFFFull) | uint64_t(tt & 3) << 2 | (fpd ? 2 : 0) | (present ? 1 : 0);
    const uint64_t hi = uint64_t(levels - 2) | uint64_t(did) << 8;
    memory_.write64(a, lo);
    memory_.write64(a + 8, hi);
  }

  // Maps one page of `size` at iova -> pa in the table rooted at `top` with `levels`
  // levels; non-leaf entries get R|W. `leaf_extra` is ORed into the leaf (test bits).
  void map(uint64_t top, unsigned levels, uint64_t iova, uint64_t pa, PageSize size,
           uint8_t perms = kPermRW, uint64_t leaf_extra = 0) {
    const unsigned leaf_level = unsigned(size) + 1;
    uint64_t table = top;
    for (unsigned level = levels; level > leaf_level; --level) {
      const uint64_t slot = table + 8 * index(iova, level);
      uint64_t e = memory_.read64(slot);
      if (!(e & 3)) {
        e = newPage() | 3;
        memory_.write64(slot, e);
      }
      table = e & 0x000F'FFFF'FFFF'F000ull;
    }
    uint64_t leaf = (pa & ~(pageBytes(size) - 1)) | perms | leaf_extra;
    if (size != PageSize::Size4K) leaf |= 1ull << 7;  // PS
    memory_.write64(table + 8 * index(iova, leaf_level), leaf);
  }

  // Address of the entry that translates `iova` at `level` (the tables must exist).
  uint64_t entryAddress(uint64_t top, unsigned levels, uint64_t iova, unsigned level) const {
    uint64_t table = top;
    for (unsigned l = levels; l > level; --l)
      table = memory_.read64(table + 8 * index(iova, l)) & 0x000F'FFFF'FFFF'F000ull;
    return table + 8 * index(iova, level);
  }

  static unsigned index(uint64_t iova, unsigned level) {
    return unsigned((iova >> (12 + 9 * (level - 1))) & 0x1FF);
  }

 private:
  FlatMemory& memory_;
  uint64_t next_, end_;
  uint64_t root_;
};

}  // namespace vtd::test
