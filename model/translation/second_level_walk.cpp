// Second-level walk: reserved-bit masks per level (FS 5.1, QEMU-equivalent masks noted
// there) and the walk loop.
#include "model/translation/second_level_walk.h"

#include "model/common/bits.h"
#include "model/unit/unit_params.h"

namespace vtd {
namespace {
constexpr uint64_t kR = bit(0), kW = bit(1), kPS = bit(7), kSNP = bit(11), kTM = bit(62);
// Bits 63 and 61:52 are ignored at every level (FS 5.1).
constexpr uint64_t kIgnoredHigh = bit(63) | bitMask(61, 52);
}  // namespace

SecondLevelWalker::SecondLevelWalker(const UnitParams& p) {
  address_mask_ = addressMask(p.haw_bits) & ~0xFFFull;
  // Address bits at or above HAW, and bit 62 unless it is the TM bit of a leaf with DT.
  const uint64_t above_haw = ~(addressMask(p.haw_bits) | kIgnoredHigh);
  for (unsigned level = 1; level <= 5; ++level) {
    // Pointer to the next table: bit 11 reserved; PS (bit 7) reserved at PML4E/PML5E.
    non_leaf_reserved_[level] = above_haw | kSNP | (level >= 4 ? kPS : 0);
    // Leaf: frame bits below the page size reserved; SNP reserved without ECAP.SC;
    // TM reserved without ECAP.DT.
    uint64_t leaf = above_haw & ~(p.device_tlb ? kTM : 0);
    if (!p.snoop_control) leaf |= kSNP;
    if (level == 2) leaf |= bitMask(20, 12);
    if (level == 3) leaf |= bitMask(29, 12);
    leaf_reserved_[level] = leaf;
  }
  leaf_allowed_[1] = true;
  leaf_allowed_[2] = p.superpage_2m;
  leaf_allowed_[3] = p.superpage_1g;
  snoop_control_ = p.snoop_control;
}

WalkResult SecondLevelWalker::walk(GuestMemory& memory, const WalkStart& start, uint64_t iova,
                                   AccessKind kind, Cost& cost) const {
  WalkResult r;
  const FaultReason denied = deniedFault(kind);
  uint64_t table = start.table & address_mask_;
  uint8_t perms = start.permissions;
  for (unsigned level = start.level; level >= 1; --level) {
    const unsigned shift = 12 + 9 * (level - 1);
    const uint64_t slot = table + 8 * ((iova >> shift) & 0x1FF);
    uint64_t e = 0;
    ++cost.walk_reads;
    if (!memory.read(slot, &e, 8)) {
      r.fault = FaultReason::PagingEntryReadError;
      return r;
    }
    if (!(e & (kR | kW))) {  // not present
      r.fault = denied;
      return r;
    }
    // PS=1 is a leaf where the size is supported, and a reserved bit where it is not
    // (FS 5.1: PS only at PDE/PDPE with the matching SLLPS bit; reserved at PML4E/PML5E).
    const bool leaf = level == 1 || ((e & kPS) && level <= 3 && leaf_allowed_[level]);
    const bool bad_ps = level > 1 && (e & kPS) && !leaf;
    if (bad_ps || (e & (leaf ? leaf_reserved_[level] : non_leaf_reserved_[level]))) {
      r.fault = FaultReason::PagingEntryReserved;
      return r;
    }
    perms &= uint8_t(e & (kR | kW));
    if (leaf) {
      r.size = PageSize(level - 1);
      r.output_page = e & address_mask_ & ~(pageBytes(r.size) - 1);
      r.permissions = perms;
      r.snoop = snoop_control_ && (e & kSNP);
      return r;
    }
    table = e & address_mask_;
    r.pointers |= uint8_t(1u << level);
    r.next_table[level] = table;
    r.pointer_perms[level] = perms;
  }
  r.fault = FaultReason::PagingEntryReadError;  // unreachable: level 1 is always a leaf
  return r;
}

}  // namespace vtd
