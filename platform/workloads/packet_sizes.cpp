// Packet sizes and wire time.
#include "platform/workloads/packet_sizes.h"

#include <algorithm>
#include <cmath>

namespace vtd::platform {

uint32_t PacketSizeSampler::next(std::mt19937_64& rng) {
  switch (nic_.sizes) {
    case PacketSizes::Fixed:
      return packet_bytes_;
    case PacketSizes::Imix: {
      // 7 of 12 small, 4 of 12 medium, 1 of 12 large frames.
      const uint64_t r = rng() % 12;
      return r < 7 ? 60 : r < 11 ? 590 : 1514;
    }
    case PacketSizes::Bimodal: {
      std::bernoulli_distribution small(nic_.small_fraction);
      return small(rng) ? nic_.small_bytes : packet_bytes_;
    }
  }
  return packet_bytes_;
}

uint64_t Wire::framePs(uint32_t bytes) const {
  const uint64_t on_wire = std::max<uint64_t>(uint64_t(bytes) + kFcs, kMinFrame) + kPreambleAndGap;
  return uint64_t(std::llround(double(on_wire) * 8.0 * 1000.0 / gbps_));
}

}  // namespace vtd::platform
