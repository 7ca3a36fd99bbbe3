// PhysAllocator: page bitmap, next-fit search, zeroing through PhysMemory.
#include "firmware/phys_allocator.h"

#include <stdexcept>
#include <string>

namespace vtd::fw {

namespace {
constexpr uint64_t kPage = 4096;
constexpr uint64_t kZeroChunk = 4096;
const uint8_t kZeros[kZeroChunk] = {};
}  // namespace

PhysAllocator::PhysAllocator(PhysMemory& memory, uint64_t base, uint64_t size)
    : memory_(memory), base_(base) {
  if (base % kPage || size % kPage || size == 0)
    throw std::invalid_argument("PhysAllocator: region must be non-empty and 4 KiB aligned");
  used_.assign(size / kPage, false);
}

void PhysAllocator::zero(uint64_t address, uint64_t bytes) {
  for (uint64_t done = 0; done < bytes; done += kZeroChunk) memory_.write(address + done, kZeros, kZeroChunk);
}

uint64_t PhysAllocator::allocatePage() {
  const uint64_t n = used_.size();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t page = (cursor_ + i) % n;
    if (used_[page]) continue;
    const uint64_t address = base_ + page * kPage;
    zero(address, kPage);
    used_[page] = true;
    ++in_use_;
    cursor_ = (page + 1) % n;
    return address;
  }
  throw std::runtime_error("PhysAllocator: out of memory (" + std::to_string(n) + " pages in use)");
}

void PhysAllocator::freePage(uint64_t address) { free(address, kPage); }

bool PhysAllocator::runFree(uint64_t first, uint64_t count) const {
  for (uint64_t p = first; p < first + count; ++p)
    if (used_[p]) return false;
  return true;
}

uint64_t PhysAllocator::allocate(uint64_t bytes, uint64_t align) {
  if (bytes == 0) throw std::invalid_argument("PhysAllocator: zero-sized allocation");
  if (align & (align - 1)) throw std::invalid_argument("PhysAllocator: alignment must be a power of two");
  const uint64_t count = (bytes + kPage - 1) / kPage;
  const uint64_t step = align > kPage ? align : kPage;
  // First page index whose address is aligned.
  uint64_t first = ((base_ + step - 1) / step * step - base_) / kPage;
  for (; first + count <= used_.size(); first += step / kPage) {
    if (!runFree(first, count)) continue;
    for (uint64_t p = first; p < first + count; ++p) used_[p] = true;
    in_use_ += count;
    const uint64_t address = base_ + first * kPage;
    zero(address, count * kPage);
    return address;
  }
  throw std::runtime_error("PhysAllocator: no free block of " + std::to_string(count) + " pages");
}

void PhysAllocator::free(uint64_t address, uint64_t bytes) {
  const uint64_t count = (bytes + kPage - 1) / kPage;
  if (address < base_ || (address - base_) % kPage || (address - base_) / kPage + count > used_.size())
    throw std::invalid_argument("PhysAllocator: freeing an address outside the region");
  const uint64_t first = (address - base_) / kPage;
  for (uint64_t p = first; p < first + count; ++p)
    if (!used_[p]) throw std::invalid_argument("PhysAllocator: freeing a page that is not allocated");
  for (uint64_t p = first; p < first + count; ++p) used_[p] = false;
  in_use_ -= count;
}

}  // namespace vtd::fw
