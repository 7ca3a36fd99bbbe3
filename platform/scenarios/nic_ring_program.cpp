// NicRingProgram: the per-packet state machine.
#include "platform/scenarios/nic_ring_program.h"

#include <algorithm>

namespace vtd::platform {

NicRingProgram::NicRingProgram(const NicRingSetup& s)
    : s_(s), sizes_(s.nic, s.packet_bytes), wire_(s.nic.line_gbps), rng_(s.seed) {}

// Direction (split rings) and size of the next packet; fixed sizes on a shared ring draw
// nothing, so the default run's DMA stream does not depend on these draws.
void NicRingProgram::beginPacket() {
  ring_ = 0;
  if (s_.rings == NicRings::Split) {
    std::bernoulli_distribution rx(s_.rx_fraction);
    ring_ = rx(rng_) ? 0 : 1;
  }
  bytes_ = sizes_.next(rng_);
  began_ = true;
}

uint64_t NicRingProgram::descriptorAddress() const {
  const uint64_t base = ring_ == 0 ? s_.ring : s_.tx_ring;
  return base + 16ull * (head_[ring_] % s_.ring_entries);
}

// The wire decides when the data may move: a received frame once it has fully arrived
// (frames arrive back to back from the program's start), a frame to send once the one
// before it has started on the wire (the device holds one frame while another is sent).
uint64_t NicRingProgram::dataNotBefore() {
  if (!wire_.paced()) return 0;
  if (desc_.flags & RingDescriptor::kRx) return rx_arrival_ps_ += wire_.framePs(bytes_);
  return tx_start_ps_;
}

bool NicRingProgram::next(DmaOp& op) {
  if (step_ == Step::ReadDescriptor && packet_ >= s_.packets) step_ = Step::Finished;
  switch (step_) {
    case Step::ReadDescriptor:
      if (!began_) beginPacket();
      op = DmaOp{DmaOp::Read, descriptorAddress(), 16, 0, nullptr};
      return true;
    case Step::Data:
      if (desc_.flags & RingDescriptor::kRx)
        op = DmaOp{DmaOp::Write, desc_.buffer, bytes_, uint32_t(packet_ & 0xFF), nullptr};
      else
        op = DmaOp{DmaOp::Read, desc_.buffer, bytes_, 0, nullptr};
      op.not_before_ps = dataNotBefore();
      return true;
    case Step::WriteBack:
      desc_.flags |= RingDescriptor::kDone;
      desc_.sequence = uint32_t(packet_);
      desc_.length = uint16_t(bytes_);
      op = DmaOp{DmaOp::Write, descriptorAddress(), 16, 0, reinterpret_cast<const uint8_t*>(&desc_)};
      return true;
    case Step::Interrupt:
      op = DmaOp{DmaOp::Msi, s_.msi_address, 4, s_.msi_data, nullptr};
      return true;
    case Step::Finished:
      return false;
  }
  return false;
}

void NicRingProgram::advancePacket() {
  ++head_[ring_];
  ++packet_;
  began_ = false;
  const bool interrupt = s_.interrupt_every && packet_ % s_.interrupt_every == 0;
  step_ = interrupt ? Step::Interrupt : Step::ReadDescriptor;
}

void NicRingProgram::completed(const DmaOp& op, bool ok, const uint8_t* data) {
  switch (step_) {
    case Step::ReadDescriptor:
      if (!ok) {
        ++unexpected_errors_;
        advancePacket();
        return;
      }
      std::memcpy(&desc_, data, sizeof desc_);
      if (desc_.buffer == 0) {  // the guest never filled this slot: skip the packet
        ++malformed_;
        advancePacket();
        return;
      }
      // Split rings: the ring says the direction, whatever the guest marked.
      if (s_.rings == NicRings::Split)
        desc_.flags = uint8_t((desc_.flags & ~RingDescriptor::kRx) | (ring_ == 0 ? RingDescriptor::kRx : 0));
      step_ = Step::Data;
      return;
    case Step::Data:
      if (!ok) ++unexpected_errors_;
      if (desc_.flags & RingDescriptor::kRx) {
        ++rx_;
        rx_bytes_ += bytes_;
      } else {
        ++tx_;
        tx_bytes_ += bytes_;
        if (wire_.paced()) {  // the frame goes out once fetched and the wire is free
          tx_start_ps_ = std::max(tx_end_ps_, nowPs());
          tx_end_ps_ = tx_start_ps_ + wire_.framePs(bytes_);
        }
      }
      step_ = Step::WriteBack;
      return;
    case Step::WriteBack:
      if (!ok) ++unexpected_errors_;
      if (s_.guest)
        s_.guest->packetDone(ring_, uint32_t(head_[ring_] % s_.ring_entries), packet_,
                             desc_.flags & RingDescriptor::kRx, bytes_);
      advancePacket();
      return;
    case Step::Interrupt:
      if (!ok) ++unexpected_errors_;
      step_ = Step::ReadDescriptor;
      return;
    case Step::Finished:
      return;
  }
  (void)op;
}

}  // namespace vtd::platform
