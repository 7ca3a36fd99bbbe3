// AccelWorkload: a streaming accelerator assigned to a guest. The guest driver places the
// job ring (64-byte descriptors) in the VM's control area and accel.buffers input/output
// buffer pairs in guest RAM (pages by scenario.alloc), each described by a scatter list
// (pages that follow each other merge into one entry; each list is one contiguous
// allocation, as the driver's coherent DMA memory would be). Job j uses pair j mod
// accel.buffers. After each completion the driver's poll checks the descriptor's
// completion (job, status, bytes produced) and that the output holds what the device
// wrote, then queues the job one ring-length later in that slot. The device runs
// AccelProgram.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "platform/workloads/accel_program.h"
#include "platform/workloads/workload.h"
#include "platform/workloads/workload_params.h"

namespace vtd::platform {

class AccelWorkload final : public ProgramWorkload, private AccelGuestHook {
 public:
  AccelWorkload(const AccelParams& params, DmaMaster* master);

  const char* kind() const override { return "accel"; }
  const char* unitName() const override { return "jobs"; }
  uint32_t controlPages() const override { return 1; }
  void setUp(WorkloadContext& context) override;
  void finish(std::vector<std::string>& problems) override;
  uint64_t units() const override { return program_ ? program_->jobsDone() : 0; }
  uint64_t payloadBytes() const override { return program_ ? program_->bytesIn() + program_->bytesOut() : 0; }
  void describeStats(StatRegistry& r, const std::string& prefix) const override;

  struct Buffer {
    std::vector<uint64_t> pages;   // guest-physical
    uint64_t list = 0;             // guest-physical address of its scatter list
    uint32_t entries = 0;
  };
  struct Pair {
    Buffer in, out;
  };
  const std::vector<Pair>& pairs() const { return pairs_; }

  DmaProgram& program() override { return *program_; }

 private:
  void jobDone(uint64_t job, uint32_t slot) override;
  void submit(uint64_t job);
  Buffer makeBuffer(WorkloadContext& c, uint64_t bytes);
  void problem(const std::string& what);

  AccelParams params_;
  GuestRam* ram_ = nullptr;
  std::mt19937_64 rng_;
  uint64_t ring_ = 0;
  std::vector<Pair> pairs_;
  std::unique_ptr<AccelProgram> program_;
  uint64_t checked_ = 0, bad_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace vtd::platform
