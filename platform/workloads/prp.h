// PRP data pointers (NVMe Base Specification 2.0, 4.1.1 "Physical Region Page entry and
// list"), memory page size 4 KiB (CC.MPS = 0). Guest side: buildPrps() turns a buffer (the
// DMA address of each page it spans, the offset into the first) into PRP1, PRP2 and the
// contents of the PRP list pages: PRP1 holds the first page with the offset; a transfer
// that ends in the next page puts that page in PRP2; a longer one makes PRP2 point to a
// list of the remaining pages, and when they do not fit one list page its last entry
// points to the next list page. Device side: PrpWalker follows the same rules with no
// knowledge of the guest: it says which list reads it needs (a list page's entries before
// the data they describe, as a controller parses the pointers before moving data) and
// which data segments (address, length) come out, one page at most each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vtd::platform {

constexpr uint64_t kPrpPage = 4096;
constexpr uint32_t kPrpEntriesPerPage = kPrpPage / 8;

// Pages a transfer of `bytes` starting `offset` bytes into its first page spans.
uint32_t prpPagesSpanned(uint32_t offset, uint64_t bytes);
// PRP list pages a transfer spanning `pages` pages needs (0 for one or two pages).
uint32_t prpListPages(uint32_t pages);

struct PrpSet {
  uint64_t prp1 = 0, prp2 = 0;
  std::vector<std::vector<uint64_t>> lists;  // the entries of each list page, in order
};

// `pages`: DMA address of every page the buffer spans; `list_pages`: DMA addresses of the
// prpListPages() pages the list may use. Throws std::invalid_argument when they do not
// match the transfer.
PrpSet buildPrps(const std::vector<uint64_t>& pages, uint32_t offset, uint64_t bytes,
                 const std::vector<uint64_t>& list_pages);

class PrpWalker {
 public:
  struct Segment {
    uint64_t address = 0;
    uint32_t bytes = 0;
  };
  PrpWalker(uint64_t prp1, uint64_t prp2, uint64_t bytes);
  // The list read needed before the next segment (address and entry count), if any.
  bool needsList(uint64_t& address, uint32_t& entries) const;
  // The entries of that read (little-endian 64-bit addresses).
  void listRead(const uint64_t* entries, uint32_t count);
  // The next data segment; false when the transfer is complete.
  bool next(Segment& s);
  // A malformed pointer was found (a list entry with an offset).
  bool malformed() const { return malformed_; }

 private:
  uint64_t prp2_;
  uint64_t remaining_;      // bytes still to hand out
  uint64_t first_;          // PRP1 until used
  bool first_done_ = false;
  uint32_t pages_left_;     // pages after the first still to hand out
  bool listed_;             // the pages after the first come from a list
  uint64_t list_address_ = 0;
  std::vector<uint64_t> entries_;
  size_t next_entry_ = 0;
  bool malformed_ = false;
};

}  // namespace vtd::platform
