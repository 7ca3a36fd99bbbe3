// NicRingProgram: the per-packet state machine.
#include "platform/scenarios/nic_ring_program.h"

namespace vtd::platform {

bool NicRingProgram::next(DmaOp& op) {
  if (step_ == Step::ReadDescriptor && packet_ >= s_.packets)
    step_ = s_.stray_dmas ? Step::Stray : Step::Finished;
  switch (step_) {
    case Step::ReadDescriptor:
      op = DmaOp{DmaOp::Read, descriptorAddress(), 16, 0, nullptr};
      return true;
    case Step::Data:
      if (desc_.flags & RingDescriptor::kRx)
        op = DmaOp{DmaOp::Write, desc_.buffer, s_.packet_bytes, uint32_t(packet_ & 0xFF), nullptr};
      else
        op = DmaOp{DmaOp::Read, desc_.buffer, s_.packet_bytes, 0, nullptr};
      return true;
    case Step::WriteBack:
      desc_.flags |= RingDescriptor::kDone;
      desc_.sequence = uint32_t(packet_);
      desc_.length = uint16_t(s_.packet_bytes);
      op = DmaOp{DmaOp::Write, descriptorAddress(), 16, 0, reinterpret_cast<const uint8_t*>(&desc_)};
      return true;
    case Step::Interrupt:
      op = DmaOp{DmaOp::Msi, s_.msi_address, 4, s_.msi_data, nullptr};
      return true;
    case Step::Stray:
      op = DmaOp{DmaOp::Write, s_.stray_base + 4096ull * stray_, 64, 0xEE, nullptr};
      return true;
    case Step::Finished:
      return false;
  }
  return false;
}

void NicRingProgram::advancePacket() {
  ++packet_;
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
      step_ = Step::Data;
      return;
    case Step::Data:
      if (!ok) ++unexpected_errors_;
      if (desc_.flags & RingDescriptor::kRx) ++rx_; else ++tx_;
      step_ = Step::WriteBack;
      return;
    case Step::WriteBack:
      if (!ok) ++unexpected_errors_;
      advancePacket();
      return;
    case Step::Interrupt:
      if (!ok) ++unexpected_errors_;
      step_ = Step::ReadDescriptor;
      return;
    case Step::Stray:
      if (!ok) ++stray_blocked_;
      if (++stray_ >= s_.stray_dmas) step_ = Step::Finished;
      return;
    case Step::Finished:
      return;
  }
  (void)op;
}

}  // namespace vtd::platform
