// NicRingProgram: what a NIC-like assigned device does, as DMA operations: per packet it
// reads the next 16-byte descriptor from the ring (guest-physical address), follows the
// buffer address it finds there, writes (receive) or reads (transmit) the packet, writes
// the descriptor back with DONE and the packet number, and every `interrupt_every` packets
// raises its MSI. At the end it can issue stray writes beyond guest RAM, which the unit
// must block. The device never sees host addresses: only what the guest wrote.
#pragma once

#include <cstdint>
#include <cstring>

#include "platform/dma_master.h"

namespace vtd::platform {

// Descriptor layout shared by the guest driver and the device (16 bytes).
struct RingDescriptor {
  uint64_t buffer = 0;   // guest-physical buffer address
  uint16_t length = 0;
  uint8_t flags = 0;     // kRx: device writes the buffer; kDone: written back by the device
  uint8_t reserved = 0;
  uint32_t sequence = 0; // packet number, written back by the device
  static constexpr uint8_t kRx = 1, kDone = 2;
};
static_assert(sizeof(RingDescriptor) == 16, "descriptor is 16 bytes");

struct NicRingSetup {
  uint64_t ring_gpa = 0;
  uint32_t ring_entries = 0;
  uint64_t packets = 0;
  uint32_t packet_bytes = 0;
  uint32_t interrupt_every = 0;
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;
  uint64_t stray_base = 0;  // first guest-physical address outside guest RAM
  uint32_t stray_dmas = 0;
};

class NicRingProgram final : public DmaProgram {
 public:
  explicit NicRingProgram(const NicRingSetup& s) : s_(s) {}

  bool next(DmaOp& op) override;
  void completed(const DmaOp& op, bool ok, const uint8_t* data) override;

  uint64_t packetsDone() const { return packet_; }
  uint64_t rxPackets() const { return rx_; }
  uint64_t txPackets() const { return tx_; }
  uint64_t unexpectedErrors() const { return unexpected_errors_; }
  uint64_t strayBlocked() const { return stray_blocked_; }
  uint64_t malformedDescriptors() const { return malformed_; }

 private:
  enum class Step : uint8_t { ReadDescriptor, Data, WriteBack, Interrupt, Stray, Finished };
  uint64_t descriptorAddress() const { return s_.ring_gpa + 16ull * (packet_ % s_.ring_entries); }
  void advancePacket();

  NicRingSetup s_;
  Step step_ = Step::ReadDescriptor;
  uint64_t packet_ = 0;
  uint32_t stray_ = 0;
  RingDescriptor desc_;
  uint64_t rx_ = 0, tx_ = 0, unexpected_errors_ = 0, stray_blocked_ = 0, malformed_ = 0;
};

}  // namespace vtd::platform
