// NicRingProgram: what a NIC-like assigned device does, as DMA operations. Per packet it
// reads the next 16-byte descriptor of a ring (a DMA address the guest gave it), follows
// the buffer address it finds there, writes (receive) or reads (transmit) the packet,
// writes the descriptor back with DONE, the length and the packet number, tells the guest
// driver (NicGuestHook: the driver's poll sees the descriptor) and every `interrupt_every`
// packets raises its MSI. Rings: one shared ring whose slots the guest marked receive or
// transmit, or a receive and a transmit ring, the direction of each packet drawn from
// rx_fraction. Packet sizes come from a PacketSizeSampler; with a line rate each direction
// is a wire carrying frames back to back: a received frame is written no earlier than it
// has arrived, and a frame to send is fetched no earlier than the previous one started on
// the wire (the device buffers one frame). The device never sees host addresses: only what
// the guest wrote. Not modelled: descriptor prefetch and batched write-back, receive drops
// when the ring is empty, checksum/segmentation offloads, several queues.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>

#include "platform/dma_master.h"
#include "platform/workloads/packet_sizes.h"
#include "platform/workloads/workload_params.h"

namespace vtd::platform {

// Descriptor layout shared by the guest driver and the device (16 bytes).
struct RingDescriptor {
  uint64_t buffer = 0;   // DMA address of the buffer
  uint16_t length = 0;   // guest: buffer capacity; device: bytes moved
  uint8_t flags = 0;     // kRx: device writes the buffer; kDone: written back by the device
  uint8_t reserved = 0;
  uint32_t sequence = 0; // packet number, written back by the device
  static constexpr uint8_t kRx = 1, kDone = 2;
};
static_assert(sizeof(RingDescriptor) == 16, "descriptor is 16 bytes");

// The guest driver's side: called after each descriptor write-back, in simulation order.
class NicGuestHook {
 public:
  virtual ~NicGuestHook() = default;
  // `ring`: 0 the shared or receive ring, 1 the transmit ring.
  virtual void packetDone(unsigned ring, uint32_t slot, uint64_t packet, bool rx, uint32_t bytes) = 0;
};

struct NicRingSetup {
  uint64_t ring = 0;          // DMA address of the shared or receive ring
  uint64_t tx_ring = 0;       // DMA address of the transmit ring (split rings)
  uint32_t ring_entries = 0;
  NicRings rings = NicRings::Shared;
  double rx_fraction = 0.5;   // split rings: share of received packets
  uint64_t packets = 0;
  uint32_t packet_bytes = 0;
  NicParams nic;              // sizes, line rate
  uint32_t interrupt_every = 0;
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;
  uint64_t seed = 1;          // direction and size draws
  NicGuestHook* guest = nullptr;
};

class NicRingProgram final : public DmaProgram {
 public:
  explicit NicRingProgram(const NicRingSetup& s);

  void started(uint64_t now_ps) override { rx_arrival_ps_ = tx_start_ps_ = now_ps; }
  bool next(DmaOp& op) override;
  void completed(const DmaOp& op, bool ok, const uint8_t* data) override;

  uint64_t packetsDone() const { return packet_; }
  uint64_t rxPackets() const { return rx_; }
  uint64_t txPackets() const { return tx_; }
  uint64_t rxBytes() const { return rx_bytes_; }
  uint64_t txBytes() const { return tx_bytes_; }
  uint64_t unexpectedErrors() const { return unexpected_errors_; }
  uint64_t malformedDescriptors() const { return malformed_; }

 private:
  enum class Step : uint8_t { ReadDescriptor, Data, WriteBack, Interrupt, Finished };
  void beginPacket();
  uint64_t descriptorAddress() const;
  uint64_t dataNotBefore();
  void advancePacket();

  NicRingSetup s_;
  PacketSizeSampler sizes_;
  Wire wire_;
  std::mt19937_64 rng_;
  Step step_ = Step::ReadDescriptor;
  uint64_t packet_ = 0;
  bool began_ = false;           // the current packet's direction and size are drawn
  unsigned ring_ = 0;            // ring of the current packet
  uint32_t bytes_ = 0;           // size of the current packet
  uint64_t head_[2] = {0, 0};    // next slot per ring (as a count of packets through it)
  RingDescriptor desc_;
  uint64_t rx_arrival_ps_ = 0;   // when the last received frame finished arriving
  uint64_t tx_start_ps_ = 0;     // when the last sent frame started on the wire
  uint64_t tx_end_ps_ = 0;       // when it left the wire
  uint64_t rx_ = 0, tx_ = 0, rx_bytes_ = 0, tx_bytes_ = 0, unexpected_errors_ = 0, malformed_ = 0;
};

}  // namespace vtd::platform
