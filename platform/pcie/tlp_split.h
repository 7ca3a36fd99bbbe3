// How one DMA becomes TLPs on a PCIe link (PCIe Base Specification): a read becomes read
// requests of at most Max_Read_Request_Size, a write becomes write requests of at most
// Max_Payload_Size, and no request crosses a 4 KiB boundary (2.2.7); each read request is
// answered by completions of at most Max_Payload_Size, and a completer that splits a
// request ends every completion but the last on a Read Completion Boundary (2.3.1.1).
// Header sizes: memory requests 12 bytes (3 DW) below 4 GiB and 16 bytes (4 DW) above
// (2.2.4.1), completions 12 bytes (2.2.9). Pure functions, no time: the link model
// (pcie_link.h) turns the pieces into link time.
#pragma once

#include <algorithm>
#include <cstdint>

#include "platform/pcie/pcie_params.h"

namespace vtd::platform::tlp {

constexpr uint32_t kCompletionHeaderBytes = 12;

inline uint32_t requestHeaderBytes(uint64_t address) {
  return address >> 32 ? 16 : 12;
}

// Calls f(address, bytes) for each request of a transfer of `length` bytes at `address`,
// each at most `max_bytes` (MRRS for reads, MPS for writes) and within one 4 KiB page.
// A zero-length transfer is one zero-length request.
template <class F>
void forEachRequest(uint64_t address, uint32_t length, uint32_t max_bytes, F&& f) {
  uint32_t done = 0;
  do {
    const uint64_t at = address + done;
    const uint64_t to_page = 4096 - (at & 0xFFF);
    const uint32_t n =
        uint32_t(std::min<uint64_t>({uint64_t(length - done), uint64_t(max_bytes), to_page}));
    f(at, n);
    done += n;
  } while (done < length);
}

// Calls f(address, bytes) for each completion of one read request.
template <class F>
void forEachCompletion(uint64_t address, uint32_t length, const PcieParams& p, F&& f) {
  const uint64_t end = address + length;
  const uint64_t rcb = p.read_completion_boundary_bytes;
  uint64_t at = address;
  do {
    uint64_t stop;
    if (p.completion_split == CompletionSplit::Rcb) {
      stop = (at / rcb + 1) * rcb;  // the next boundary
    } else {
      stop = at + p.max_payload_bytes;
      if (stop < end) stop = stop / rcb * rcb;  // not the last: end on a boundary
    }
    stop = std::min(stop, end);
    f(at, uint32_t(stop - at));
    at = stop;
  } while (at < end);
}

}  // namespace vtd::platform::tlp
