// NvmeProgram: the per-command state machine.
#include "platform/workloads/nvme_program.h"

#include <cstring>

namespace vtd::platform {

// After the submission entry or a list read: the next list read, the next data segment,
// or (all data moved) the completion.
NvmeProgram::Step NvmeProgram::afterSegment() {
  if (walker_->needsList(list_address_, list_entries_)) return Step::ReadList;
  if (walker_->next(segment_)) return Step::Data;
  return Step::WriteCompletion;
}

bool NvmeProgram::next(DmaOp& op) {
  if (step_ == Step::ReadSubmission && command_ >= s_.commands) step_ = Step::Finished;
  switch (step_) {
    case Step::ReadSubmission:
      op = DmaOp{DmaOp::Read, s_.sq + 64ull * slot(), 64, 0, nullptr};
      return true;
    case Step::ReadList:
      op = DmaOp{DmaOp::Read, list_address_, 8 * list_entries_, 0, nullptr};
      return true;
    case Step::Data:
      if (sqe_.opcode == NvmeSubmission::kRead)
        op = DmaOp{DmaOp::Write, segment_.address, segment_.bytes, uint32_t(uint8_t(sqe_.slba / (sqe_.nlb + 1u))), nullptr};
      else
        op = DmaOp{DmaOp::Read, segment_.address, segment_.bytes, 0, nullptr};
      return true;
    case Step::WriteCompletion: {
      cqe_ = NvmeCompletion{};
      cqe_.sq_head = uint16_t((command_ + 1) % s_.queue_depth);
      cqe_.sq_id = 1;
      cqe_.command_id = sqe_.command_id;
      const bool phase = (command_ / s_.queue_depth) % 2 == 0;  // 1 on the first pass
      const uint16_t status = (sqe_.opcode == NvmeSubmission::kRead || sqe_.opcode == NvmeSubmission::kWrite) ? 0 : 1;
      cqe_.status = uint16_t(status << 1 | (phase ? 1 : 0));  // 1: invalid opcode
      op = DmaOp{DmaOp::Write, s_.cq + 16ull * slot(), 16, 0, reinterpret_cast<const uint8_t*>(&cqe_)};
      return true;
    }
    case Step::Interrupt:
      op = DmaOp{DmaOp::Msi, s_.msi_address, 4, s_.msi_data, nullptr};
      return true;
    case Step::Finished:
      return false;
  }
  return false;
}

void NvmeProgram::finishCommand() {
  const uint32_t done_slot = slot();
  const uint64_t done = command_++;
  if (s_.guest) s_.guest->commandDone(done, done_slot);
  const bool interrupt = s_.interrupt_every && command_ % s_.interrupt_every == 0;
  step_ = interrupt ? Step::Interrupt : Step::ReadSubmission;
}

void NvmeProgram::completed(const DmaOp& op, bool ok, const uint8_t* data) {
  if (!ok && step_ != Step::Finished) ++errors_;
  switch (step_) {
    case Step::ReadSubmission: {
      std::memcpy(&sqe_, data, sizeof sqe_);
      const bool io = sqe_.opcode == NvmeSubmission::kRead || sqe_.opcode == NvmeSubmission::kWrite;
      const uint64_t bytes = io && ok ? uint64_t(sqe_.nlb + 1u) * kNvmeLbaBytes : 0;
      walker_.emplace(sqe_.prp1, sqe_.prp2, bytes);
      if (sqe_.opcode == NvmeSubmission::kRead) ++reads_;
      else if (sqe_.opcode == NvmeSubmission::kWrite) ++writes_;
      step_ = afterSegment();
      return;
    }
    case Step::ReadList:
      ++list_reads_;
      walker_->listRead(reinterpret_cast<const uint64_t*>(data), list_entries_);
      step_ = afterSegment();
      return;
    case Step::Data:
      data_bytes_ += segment_.bytes;
      step_ = afterSegment();
      return;
    case Step::WriteCompletion:
      if (walker_->malformed()) ++malformed_;
      finishCommand();
      return;
    case Step::Interrupt:
      step_ = Step::ReadSubmission;
      return;
    case Step::Finished:
      return;
  }
  (void)op;
}

}  // namespace vtd::platform
