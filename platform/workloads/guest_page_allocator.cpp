// GuestPageAllocator: control area, random and lowest-first placement.
#include "platform/workloads/guest_page_allocator.h"

#include <sstream>
#include <string>

namespace vtd::platform {

namespace {
// Draws before falling back to a scan: a nearly full area makes rejection sampling slow.
constexpr int kRandomTries = 64;
}  // namespace

GuestPageAllocator::GuestPageAllocator(uint64_t ram_bytes, uint64_t control_base, uint64_t control_pages,
                                       AllocPolicy policy)
    : policy_(policy),
      control_next_(control_base / kPage),
      control_end_(control_base / kPage + control_pages),
      first_(control_end_) {
  const uint64_t pages = ram_bytes / kPage;
  if (control_base % kPage || first_ >= pages)
    throw std::invalid_argument("guest RAM of " + std::to_string(ram_bytes >> 20) +
                                " MiB leaves no room for buffers after the control area");
  used_.assign(pages - first_, false);
}

uint64_t GuestPageAllocator::controlPage() {
  if (control_next_ >= control_end_) throw GuestOutOfMemory("the guest's control area is used up");
  return control_next_++ * kPage;
}

void GuestPageAllocator::take(uint64_t index) {
  used_[index] = true;
  ++in_use_;
}

uint64_t GuestPageAllocator::lowestFree() {
  while (lowest_hint_ < used_.size() && used_[lowest_hint_]) ++lowest_hint_;
  return lowest_hint_;
}

uint64_t GuestPageAllocator::allocate(std::mt19937_64& rng) {
  const uint64_t count = used_.size();
  if (in_use_ >= count)
    throw GuestOutOfMemory("guest RAM is used up (raise scenario.vm_ram_mib or lower the workload's buffers)");
  uint64_t index;
  if (policy_ == AllocPolicy::Contiguous) {
    index = lowestFree();
  } else {
    index = rng() % count;
    for (int tries = 1; used_[index] && tries < kRandomTries; ++tries) index = rng() % count;
    while (used_[index]) index = (index + 1) % count;  // crowded: the next free one up
  }
  take(index);
  return (first_ + index) * kPage;
}

uint64_t GuestPageAllocator::allocateRun(uint64_t pages) {
  uint64_t start = lowestFree(), run = 0;
  for (uint64_t i = start; i < used_.size() && run < pages; ++i) {
    if (used_[i]) {
      run = 0;
      start = i + 1;
    } else {
      ++run;
    }
  }
  if (run < pages)
    throw GuestOutOfMemory("no run of " + std::to_string(pages) + " free pages in guest RAM (raise scenario.vm_ram_mib)");
  for (uint64_t i = start; i < start + pages; ++i) take(i);
  return (first_ + start) * kPage;
}

void GuestPageAllocator::free(uint64_t gpa) {
  const uint64_t page = gpa / kPage;
  if (gpa % kPage || page < first_ || page - first_ >= used_.size() || !used_[page - first_])
  {
    std::ostringstream what;
    what << "GuestPageAllocator::free: 0x" << std::hex << gpa << " is not an allocated page";
    throw std::invalid_argument(what.str());
  }
  used_[page - first_] = false;
  --in_use_;
  if (page - first_ < lowest_hint_) lowest_hint_ = page - first_;
}

}  // namespace vtd::platform
