// Scatter-gather lists: construction and the device's cursor.
#include "platform/workloads/sg_list.h"

#include <algorithm>
#include <cstring>

namespace vtd::platform {

std::vector<SgEntry> buildSgList(const std::vector<uint64_t>& pages, uint64_t bytes) {
  std::vector<SgEntry> list;
  for (size_t i = 0; i < pages.size() && bytes; ++i) {
    const uint32_t n = uint32_t(std::min<uint64_t>(bytes, 4096));
    bytes -= n;
    // Entry lengths stay below 4 GiB.
    if (!list.empty() && list.back().address + list.back().length == pages[i] &&
        list.back().length <= 0xFFFFFFFFu - n)
      list.back().length += n;
    else
      list.push_back(SgEntry{pages[i], n, 0});
  }
  return list;
}

void SgCursor::reset(uint64_t list, uint32_t entries) {
  list_ = list;
  entries_ = entries;
  first_ = 0;
  cache_.clear();
  index_ = offset_ = 0;
}

bool SgCursor::needsFetch(uint64_t& address, uint32_t& bytes) const {
  if (index_ >= entries_ || index_ < first_ + cache_.size()) return false;
  address = list_ + 16ull * index_;
  bytes = 16 * std::min(kFetchEntries, entries_ - index_);
  return true;
}

void SgCursor::fetched(const uint8_t* data, uint32_t bytes) {
  first_ = index_;
  cache_.resize(bytes / 16);
  std::memcpy(cache_.data(), data, cache_.size() * 16);
}

bool SgCursor::take(uint64_t max, uint64_t& address, uint32_t& length) {
  // Skip empty entries.
  while (index_ < entries_ && index_ < first_ + cache_.size() && cache_[index_ - first_].length == 0) ++index_;
  if (index_ >= entries_ || index_ >= first_ + cache_.size()) return false;
  const SgEntry& e = cache_[index_ - first_];
  address = e.address + offset_;
  length = uint32_t(std::min<uint64_t>(max, e.length - offset_));
  offset_ += length;
  if (offset_ == e.length) {
    ++index_;
    offset_ = 0;
  }
  return true;
}

}  // namespace vtd::platform
