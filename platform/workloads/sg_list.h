// Scatter-gather lists of the streaming accelerator: 16-byte entries (DMA address, length)
// in guest memory, one list for a job's input and one for its output. Guest side:
// buildSgList() describes a buffer given as its pages, merging pages that follow each other
// (a contiguous buffer is one entry; a scattered one an entry per page). Device side:
// SgCursor walks a list it fetches in pieces of up to 256 entries (one 4 KiB read) as the
// stream reaches them, handing out pieces that never cross an entry. Not modelled: chained
// lists, per-entry flags.
#pragma once

#include <cstdint>
#include <vector>

namespace vtd::platform {

struct SgEntry {
  uint64_t address = 0;
  uint32_t length = 0;
  uint32_t reserved = 0;
};
static_assert(sizeof(SgEntry) == 16, "scatter-gather entries are 16 bytes");

// `pages`: the DMA address of each 4 KiB page of the buffer, in order; `bytes` its length.
std::vector<SgEntry> buildSgList(const std::vector<uint64_t>& pages, uint64_t bytes);

class SgCursor {
 public:
  static constexpr uint32_t kFetchEntries = 256;
  void reset(uint64_t list, uint32_t entries);
  // The list read needed before the next piece, if any.
  bool needsFetch(uint64_t& address, uint32_t& bytes) const;
  void fetched(const uint8_t* data, uint32_t bytes);
  // The next piece of at most `max` bytes, inside one entry; false at the list's end (or
  // when a fetch is needed first).
  bool take(uint64_t max, uint64_t& address, uint32_t& length);

 private:
  uint64_t list_ = 0;
  uint32_t entries_ = 0;
  uint32_t first_ = 0;            // list index of cache_[0]
  std::vector<SgEntry> cache_;
  uint32_t index_ = 0;            // current entry
  uint32_t offset_ = 0;           // bytes of it already handed out
};

}  // namespace vtd::platform
