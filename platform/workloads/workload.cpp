// ProgramWorkload: starting the program, with its stray tail when asked for.
#include "platform/workloads/workload.h"

namespace vtd::platform {

void ProgramWorkload::addStrays(uint64_t base, uint32_t count) {
  stray_base_ = base;
  stray_count_ = count;
}

void ProgramWorkload::start() {
  tail_ = std::make_unique<StrayTail>(program(), stray_base_, stray_count_);
  master_->start(*tail_);
}

uint32_t ProgramWorkload::straysIssued() const { return tail_ ? tail_->issued() : 0; }
uint32_t ProgramWorkload::straysBlocked() const { return tail_ ? tail_->blocked() : 0; }

}  // namespace vtd::platform
