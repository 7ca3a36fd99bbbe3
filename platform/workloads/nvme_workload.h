// NvmeWorkload: an NVMe-like controller assigned to a guest, the way Linux's nvme driver
// and a queue-depth-bound benchmark (fio with iodepth = nvme.queue_depth) use it. The guest
// driver places one I/O submission queue and one completion queue in the VM's control area
// (a page each), gives each queue slot its own data buffer of nvme.block_bytes (pages by
// scenario.alloc, starting nvme.buffer_offset into the first) with its PRP list pages
// (allocated like the buffers, as the driver's PRP page pool would be), and keeps every
// slot busy: after each completion its poll checks the completion entry (command id, phase
// tag, status, SQ head) and, for a read, that the buffer holds what the device wrote, then
// submits the next command in that slot (read or write drawn with nvme.read_fraction,
// sequential blocks). The device runs NvmeProgram.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "platform/workloads/nvme_program.h"
#include "platform/workloads/workload.h"
#include "platform/workloads/workload_params.h"

namespace vtd::platform {

class NvmeWorkload final : public ProgramWorkload, private NvmeGuestHook {
 public:
  NvmeWorkload(const NvmeParams& params, DmaMaster* master);

  const char* kind() const override { return "nvme"; }
  const char* unitName() const override { return "commands"; }
  uint32_t controlPages() const override { return 2; }
  void setUp(WorkloadContext& context) override;
  void finish(std::vector<std::string>& problems) override;
  uint64_t units() const override { return program_ ? program_->commandsDone() : 0; }
  uint64_t payloadBytes() const override { return program_ ? program_->dataBytes() : 0; }
  void describeStats(StatRegistry& r, const std::string& prefix) const override;

  struct Slot {
    std::vector<uint64_t> pages;       // guest-physical pages of the data buffer
    std::vector<uint64_t> list_pages;  // guest-physical PRP list pages
    uint64_t prp1 = 0, prp2 = 0;       // DMA addresses
  };
  const std::vector<Slot>& slots() const { return slots_; }
  uint64_t sqGpa() const { return sq_; }
  uint64_t cqGpa() const { return cq_; }

  DmaProgram& program() override { return *program_; }

 private:
  void commandDone(uint64_t command, uint32_t slot) override;
  void submit(uint64_t command);
  void problem(const std::string& what);

  NvmeParams params_;
  GuestRam* ram_ = nullptr;
  std::mt19937_64 rng_;
  uint64_t sq_ = 0, cq_ = 0;
  std::vector<Slot> slots_;
  std::vector<uint8_t> opcode_;   // per slot: the command in flight
  std::unique_ptr<NvmeProgram> program_;
  uint64_t checked_ = 0, bad_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace vtd::platform
