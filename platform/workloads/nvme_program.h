// NvmeProgram: what an NVMe-like controller with one I/O queue pair does, as DMA
// operations. For each command in submission order it reads the 64-byte submission entry
// at the queue's head, follows PRP1/PRP2 (reading PRP list pages as the PrpWalker asks),
// moves the data one PRP segment at a time (a read command writes guest memory, a write
// command reads it), writes the 16-byte completion entry at the completion queue's tail
// with the phase tag of the current pass, tells the guest driver (NvmeGuestHook) and every
// `interrupt_every` completions raises its MSI. Data a read command returns is the low byte
// of the command's starting block number / blocks per command, so the guest can tell
// which command wrote a buffer. The media (latency, bandwidth) is not modelled: the device
// moves data as fast as DMA allows; nor are several queues or arbitration.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "platform/dma_master.h"
#include "platform/workloads/nvme_queues.h"
#include "platform/workloads/prp.h"

namespace vtd::platform {

class NvmeGuestHook {
 public:
  virtual ~NvmeGuestHook() = default;
  // Command number `command` (in submission order) completed in queue slot `slot`.
  virtual void commandDone(uint64_t command, uint32_t slot) = 0;
};

struct NvmeSetup {
  uint64_t sq = 0, cq = 0;     // DMA addresses of the queues
  uint32_t queue_depth = 0;
  uint64_t commands = 0;
  uint32_t interrupt_every = 0;
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;
  NvmeGuestHook* guest = nullptr;
};

class NvmeProgram final : public DmaProgram {
 public:
  explicit NvmeProgram(const NvmeSetup& s) : s_(s) {}
  bool next(DmaOp& op) override;
  void completed(const DmaOp& op, bool ok, const uint8_t* data) override;

  uint64_t commandsDone() const { return command_; }
  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }
  uint64_t dataBytes() const { return data_bytes_; }
  uint64_t listReads() const { return list_reads_; }
  uint64_t errors() const { return errors_; }
  uint64_t malformed() const { return malformed_; }

 private:
  enum class Step : uint8_t { ReadSubmission, ReadList, Data, WriteCompletion, Interrupt, Finished };
  uint32_t slot() const { return uint32_t(command_ % s_.queue_depth); }
  Step afterSegment();
  void finishCommand();

  NvmeSetup s_;
  Step step_ = Step::ReadSubmission;
  uint64_t command_ = 0;
  NvmeSubmission sqe_;
  std::optional<PrpWalker> walker_;
  PrpWalker::Segment segment_;
  uint64_t list_address_ = 0;
  uint32_t list_entries_ = 0;
  NvmeCompletion cqe_;
  uint64_t reads_ = 0, writes_ = 0, data_bytes_ = 0, list_reads_ = 0, errors_ = 0, malformed_ = 0;
};

}  // namespace vtd::platform
