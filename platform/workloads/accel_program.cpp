// AccelProgram: the per-job streaming state machine.
#include "platform/workloads/accel_program.h"

#include <algorithm>
#include <cstring>

namespace vtd::platform {

// Output owed for the input consumed so far: in proportion, and all of it at the end.
uint64_t AccelProgram::outputDue() const {
  if (consumed_ >= desc_.in_bytes) return desc_.out_bytes;
  return desc_.in_bytes ? desc_.out_bytes * consumed_ / desc_.in_bytes : desc_.out_bytes;
}

// What to do next in the current job: write owed output first, then read more input,
// fetching list entries when the stream reaches them.
AccelProgram::Step AccelProgram::plan() {
  if (produced_ < outputDue()) {
    if (out_.needsFetch(list_address_, list_bytes_)) return Step::FetchOut;
    const uint64_t max = std::min<uint64_t>(s_.chunk_bytes, outputDue() - produced_);
    if (out_.take(max, piece_address_, piece_bytes_)) return Step::WriteOut;
    ++malformed_;  // the list ends before the output does
    return Step::Complete;
  }
  if (consumed_ < desc_.in_bytes) {
    if (in_.needsFetch(list_address_, list_bytes_)) return Step::FetchIn;
    const uint64_t max = std::min<uint64_t>(s_.chunk_bytes, desc_.in_bytes - consumed_);
    if (in_.take(max, piece_address_, piece_bytes_)) return Step::ReadIn;
    ++malformed_;
  }
  return Step::Complete;
}

bool AccelProgram::next(DmaOp& op) {
  if (step_ == Step::ReadDescriptor && job_ >= s_.jobs) step_ = Step::Finished;
  switch (step_) {
    case Step::ReadDescriptor:
      op = DmaOp{DmaOp::Read, descriptorAddress(), 64, 0, nullptr};
      return true;
    case Step::FetchIn:
    case Step::FetchOut:
      op = DmaOp{DmaOp::Read, list_address_, list_bytes_, 0, nullptr};
      return true;
    case Step::ReadIn:
      op = DmaOp{DmaOp::Read, piece_address_, piece_bytes_, 0, nullptr};
      return true;
    case Step::WriteOut:
      op = DmaOp{DmaOp::Write, piece_address_, piece_bytes_, uint32_t(uint8_t(desc_.job)), nullptr};
      return true;
    case Step::Complete: {
      const uint32_t words[2] = {desc_.job, AccelDescriptor::kDone};
      std::memcpy(completion_, words, 8);
      std::memcpy(completion_ + 8, &produced_, 8);
      op = DmaOp{DmaOp::Write, descriptorAddress() + AccelDescriptor::kCompletionOffset, 16, 0, completion_};
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

void AccelProgram::completed(const DmaOp& op, bool ok, const uint8_t* data) {
  if (!ok && step_ != Step::Finished) ++errors_;
  switch (step_) {
    case Step::ReadDescriptor:
      std::memcpy(&desc_, data, sizeof desc_);
      in_.reset(desc_.src_list, desc_.src_entries);
      out_.reset(desc_.dst_list, desc_.dst_entries);
      consumed_ = produced_ = 0;
      step_ = plan();
      return;
    case Step::FetchIn:
    case Step::FetchOut:
      ++list_reads_;
      (step_ == Step::FetchIn ? in_ : out_).fetched(data, list_bytes_);
      step_ = plan();
      return;
    case Step::ReadIn:
      consumed_ += piece_bytes_;
      bytes_in_ += piece_bytes_;
      step_ = plan();
      return;
    case Step::WriteOut:
      produced_ += piece_bytes_;
      bytes_out_ += piece_bytes_;
      step_ = plan();
      return;
    case Step::Complete: {
      const uint32_t slot = uint32_t(job_ % s_.ring_entries);
      const uint64_t done = job_++;
      if (s_.guest) s_.guest->jobDone(done, slot);
      const bool interrupt = s_.interrupt_every && job_ % s_.interrupt_every == 0;
      step_ = interrupt ? Step::Interrupt : Step::ReadDescriptor;
      return;
    }
    case Step::Interrupt:
      step_ = Step::ReadDescriptor;
      return;
    case Step::Finished:
      return;
  }
  (void)op;
}

}  // namespace vtd::platform
