// PRP lists: construction (guest) and the walk (device).
#include "platform/workloads/prp.h"

#include <algorithm>
#include <stdexcept>

namespace vtd::platform {

uint32_t prpPagesSpanned(uint32_t offset, uint64_t bytes) {
  return uint32_t((uint64_t(offset) + bytes + kPrpPage - 1) / kPrpPage);
}

uint32_t prpListPages(uint32_t pages) {
  if (pages <= 2) return 0;
  const uint32_t entries = pages - 1;
  if (entries <= kPrpEntriesPerPage) return 1;
  // Every full page but the last gives one entry to the chain pointer.
  return 1 + (entries - kPrpEntriesPerPage + kPrpEntriesPerPage - 2) / (kPrpEntriesPerPage - 1);
}

PrpSet buildPrps(const std::vector<uint64_t>& pages, uint32_t offset, uint64_t bytes,
                 const std::vector<uint64_t>& list_pages) {
  const uint32_t n = prpPagesSpanned(offset, bytes);
  if (pages.size() != n || list_pages.size() != prpListPages(n) || offset % 4 || offset >= kPrpPage)
    throw std::invalid_argument("buildPrps: pages, list pages or offset do not match the transfer");
  PrpSet s;
  s.prp1 = pages[0] + offset;
  if (n == 2) s.prp2 = pages[1];
  if (n <= 2) return s;
  s.prp2 = list_pages[0];
  size_t page = 1;
  for (size_t l = 0; l < list_pages.size(); ++l) {
    std::vector<uint64_t> entries;
    const size_t left = n - page;
    if (left > kPrpEntriesPerPage) {  // full page, the last entry chains to the next one
      entries.assign(pages.begin() + long(page), pages.begin() + long(page + kPrpEntriesPerPage - 1));
      entries.push_back(list_pages[l + 1]);
      page += kPrpEntriesPerPage - 1;
    } else {
      entries.assign(pages.begin() + long(page), pages.end());
      page = n;
    }
    s.lists.push_back(std::move(entries));
  }
  return s;
}

PrpWalker::PrpWalker(uint64_t prp1, uint64_t prp2, uint64_t bytes)
    : prp2_(prp2), remaining_(bytes), first_(prp1) {
  const uint32_t n = prpPagesSpanned(uint32_t(prp1 % kPrpPage), bytes);
  pages_left_ = n ? n - 1 : 0;
  listed_ = n > 2;
  list_address_ = prp2;
}

bool PrpWalker::needsList(uint64_t& address, uint32_t& entries) const {
  if (!listed_ || !pages_left_ || next_entry_ < entries_.size()) return false;
  address = list_address_;
  // The list starts at PRP2's offset; a page holds the rest of its entries. Where more
  // pages follow than fit, the page's last entry is the pointer to the next list page.
  const uint32_t room = uint32_t((kPrpPage - list_address_ % kPrpPage) / 8);
  entries = pages_left_ > room ? room : pages_left_;
  return true;
}

void PrpWalker::listRead(const uint64_t* entries, uint32_t count) {
  const uint32_t room = uint32_t((kPrpPage - list_address_ % kPrpPage) / 8);
  entries_.assign(entries, entries + count);
  next_entry_ = 0;
  if (pages_left_ > room) {  // the last entry chains
    list_address_ = entries_.back();
    entries_.pop_back();
    if (list_address_ % 8) malformed_ = true;
  }
}

bool PrpWalker::next(Segment& s) {
  if (!remaining_) return false;
  if (!first_done_) {
    first_done_ = true;
    s.address = first_;
    s.bytes = uint32_t(std::min<uint64_t>(remaining_, kPrpPage - first_ % kPrpPage));
  } else {
    uint64_t page;
    if (!listed_) {
      page = prp2_;
    } else {
      if (next_entry_ >= entries_.size()) return false;  // needsList() first
      page = entries_[next_entry_++];
    }
    if (page % kPrpPage) malformed_ = true;  // entries after PRP1 carry no offset
    --pages_left_;
    s.address = page;
    s.bytes = uint32_t(std::min<uint64_t>(remaining_, kPrpPage));
  }
  remaining_ -= s.bytes;
  return true;
}

}  // namespace vtd::platform
