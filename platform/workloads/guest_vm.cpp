// GuestRam: the range check for buffer contents.
#include "platform/workloads/guest_vm.h"

#include <algorithm>
#include <vector>

namespace vtd::platform {

bool GuestRam::holds(uint64_t gpa, uint64_t length, uint8_t value) {
  uint8_t chunk[4096];
  for (uint64_t done = 0; done < length;) {
    const size_t n = size_t(std::min<uint64_t>(sizeof chunk, length - done));
    read(gpa + done, chunk, n);
    if (!std::all_of(chunk, chunk + n, [value](uint8_t b) { return b == value; })) return false;
    done += n;
  }
  return true;
}

}  // namespace vtd::platform
