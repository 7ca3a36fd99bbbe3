// IrteAllocator: which interrupt-remapping table entries are in use. Entries are handed out
// in naturally aligned blocks of 2^n, as Linux's alloc_irte does with
// bitmap_find_free_region (first fit): a multi-message MSI function gets one block and
// places the message number in the subhandle, and a block can be invalidated in the
// interrupt-entry cache with one IM = n descriptor (FS 6.5, 8.1). Bookkeeping only; the
// table itself is InterruptRemapping's. Not modelled: per-node or per-CPU placement.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vtd::fw {

class IrteAllocator {
 public:
  // `entries`: the table size, a power of two up to 65536.
  explicit IrteAllocator(uint32_t entries = 0) { reset(entries); }
  void reset(uint32_t entries);

  // The first free aligned block of the smallest power of two >= count entries, or nothing
  // when count is 0, larger than the table, or no such block is free.
  std::optional<uint16_t> allocate(unsigned count);
  // Releases the block that starts at `base`; false when no block starts there.
  bool release(uint16_t base);
  // log2 of the size of the block starting at `base`.
  std::optional<unsigned> order(uint16_t base) const;
  // The start of the allocated block holding `index`.
  std::optional<uint16_t> blockOf(uint32_t index) const;

  uint32_t entries() const { return uint32_t(used_.size()); }
  uint32_t inUse() const { return in_use_; }

 private:
  std::vector<bool> used_;
  std::map<uint16_t, unsigned> blocks_;  // base -> order
  uint32_t in_use_ = 0;
};

}  // namespace vtd::fw
