// StrayTail: runs a device's workload program, then a few stray DMA writes beyond its VM's
// RAM (a buggy or malicious guest driver handing the device an address it does not own).
// With the IOMMU translating, each must be blocked (and recorded as a fault); the scenario
// checks that they were. 64 bytes each, 4 KiB apart, from `base` (a DMA address).
#pragma once

#include <cstdint>

#include "platform/dma_master.h"

namespace vtd::platform {

class StrayTail final : public DmaProgram {
 public:
  StrayTail(DmaProgram& inner, uint64_t base, uint32_t count) : inner_(inner), base_(base), count_(count) {}

  void started(uint64_t now_ps) override {
    passTime(inner_, now_ps);
    inner_.started(now_ps);
  }
  bool next(DmaOp& op) override {
    if (!inner_done_) {
      passTime(inner_, nowPs());
      if (inner_.next(op)) return true;
      inner_done_ = true;
    }
    if (issued_ >= count_) return false;
    op = DmaOp{DmaOp::Write, base_ + 4096ull * issued_, 64, 0xEE, nullptr};
    return true;
  }
  void completed(const DmaOp& op, bool ok, const uint8_t* data) override {
    if (!inner_done_) {
      passTime(inner_, nowPs());
      inner_.completed(op, ok, data);
      return;
    }
    ++issued_;
    if (!ok) ++blocked_;
  }
  uint32_t issued() const { return issued_; }
  uint32_t blocked() const { return blocked_; }

 private:
  DmaProgram& inner_;
  uint64_t base_;
  uint32_t count_;
  bool inner_done_ = false;
  uint32_t issued_ = 0, blocked_ = 0;
};

}  // namespace vtd::platform
