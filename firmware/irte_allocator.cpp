// Aligned power-of-two blocks of IRTE indexes, first fit (see irte_allocator.h).
#include "firmware/irte_allocator.h"

namespace vtd::fw {

void IrteAllocator::reset(uint32_t entries) {
  used_.assign(entries, false);
  blocks_.clear();
  in_use_ = 0;
}

std::optional<uint16_t> IrteAllocator::allocate(unsigned count) {
  if (count == 0 || count > used_.size()) return std::nullopt;
  unsigned order = 0;
  while ((1u << order) < count) ++order;
  const uint32_t size = 1u << order;
  for (uint32_t base = 0; base + size <= used_.size(); base += size) {
    bool free = true;
    for (uint32_t i = base; i < base + size && free; ++i) free = !used_[i];
    if (!free) continue;
    for (uint32_t i = base; i < base + size; ++i) used_[i] = true;
    blocks_[uint16_t(base)] = order;
    in_use_ += size;
    return uint16_t(base);
  }
  return std::nullopt;
}

bool IrteAllocator::release(uint16_t base) {
  const auto it = blocks_.find(base);
  if (it == blocks_.end()) return false;
  const uint32_t size = 1u << it->second;
  for (uint32_t i = base; i < base + size; ++i) used_[i] = false;
  in_use_ -= size;
  blocks_.erase(it);
  return true;
}

std::optional<unsigned> IrteAllocator::order(uint16_t base) const {
  const auto it = blocks_.find(base);
  if (it == blocks_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint16_t> IrteAllocator::blockOf(uint32_t index) const {
  if (index >= used_.size() || !used_[index]) return std::nullopt;
  auto it = blocks_.upper_bound(uint16_t(index));  // index < 65536 here
  --it;                                            // used_[index] guarantees a block at or below it
  return it->first;
}

}  // namespace vtd::fw
