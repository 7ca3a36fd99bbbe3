// PacketSizeSampler and Wire: the traffic a NIC workload carries. Packet sizes are what the
// device writes or reads: the Ethernet frame without its 4-byte FCS. fixed draws nothing
// (so a fixed-size run uses no random numbers for it); imix is the simple IMIX (7:4:1 of
// 64, 594 and 1518-byte frames); bimodal mixes small and large packets. A Wire is one
// direction of the Ethernet link at the line rate: a frame occupies it for its bytes plus
// FCS, preamble and inter-frame gap (frames padded to the 64-byte minimum). Not modelled:
// pause frames, drops, VLAN tags.
#pragma once

#include <cstdint>
#include <random>

#include "platform/workloads/workload_params.h"

namespace vtd::platform {

class PacketSizeSampler {
 public:
  PacketSizeSampler(const NicParams& nic, uint32_t packet_bytes) : nic_(nic), packet_bytes_(packet_bytes) {}
  uint32_t next(std::mt19937_64& rng);

 private:
  NicParams nic_;
  uint32_t packet_bytes_;
};

class Wire {
 public:
  static constexpr uint32_t kFcs = 4, kPreambleAndGap = 20, kMinFrame = 64;
  explicit Wire(double gbps) : gbps_(gbps) {}
  bool paced() const { return gbps_ > 0; }
  // Time a packet of `bytes` (without FCS) occupies the wire, in ps.
  uint64_t framePs(uint32_t bytes) const;

 private:
  double gbps_;
};

}  // namespace vtd::platform
