// AccelProgram: a streaming accelerator (a compression, crypto or copy engine) with a job
// ring, as DMA operations. Per job it reads the 64-byte job descriptor at the ring's head,
// then streams: it reads the input in chunks of chunk_bytes along the input scatter list
// and writes the output along the output list as the input is consumed (output bytes in
// proportion to input bytes, the rest when the input ends), fetching list entries as the
// stream reaches them; it writes the job's completion (job number, status, bytes
// produced) into the descriptor's last 16 bytes, tells the guest driver (AccelGuestHook)
// and every `interrupt_every` jobs raises its MSI. Output bytes are the job number's low
// byte. Not modelled: the engine's own processing time (it runs as fast as DMA allows),
// several engines or queues, PASID/shared virtual memory (buffers are guest-physical).
#pragma once

#include <cstdint>

#include "platform/dma_master.h"
#include "platform/workloads/sg_list.h"

namespace vtd::platform {

struct AccelDescriptor {
  uint64_t src_list = 0, dst_list = 0;      // DMA addresses of the scatter lists
  uint32_t src_entries = 0, dst_entries = 0;
  uint64_t in_bytes = 0, out_bytes = 0;
  uint32_t job = 0;
  uint32_t opcode = 0;
  // Written back by the device:
  uint32_t done_job = 0;
  uint32_t status = 0;                      // kDone when the job completed
  uint64_t produced = 0;                    // output bytes written
  static constexpr uint32_t kDone = 1;
  static constexpr uint64_t kCompletionOffset = 48;
};
static_assert(sizeof(AccelDescriptor) == 64, "job descriptors are 64 bytes");

class AccelGuestHook {
 public:
  virtual ~AccelGuestHook() = default;
  virtual void jobDone(uint64_t job, uint32_t slot) = 0;
};

struct AccelSetup {
  uint64_t ring = 0;           // DMA address of the job ring
  uint32_t ring_entries = 0;
  uint64_t jobs = 0;
  uint32_t chunk_bytes = 4096;
  uint32_t interrupt_every = 0;
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;
  AccelGuestHook* guest = nullptr;
};

class AccelProgram final : public DmaProgram {
 public:
  explicit AccelProgram(const AccelSetup& s) : s_(s) {}
  bool next(DmaOp& op) override;
  void completed(const DmaOp& op, bool ok, const uint8_t* data) override;

  uint64_t jobsDone() const { return job_; }
  uint64_t bytesIn() const { return bytes_in_; }
  uint64_t bytesOut() const { return bytes_out_; }
  uint64_t listReads() const { return list_reads_; }
  uint64_t errors() const { return errors_; }
  uint64_t malformed() const { return malformed_; }

 private:
  enum class Step : uint8_t { ReadDescriptor, FetchIn, ReadIn, FetchOut, WriteOut, Complete, Interrupt, Finished };
  uint64_t descriptorAddress() const { return s_.ring + 64ull * (job_ % s_.ring_entries); }
  uint64_t outputDue() const;
  Step plan();

  AccelSetup s_;
  Step step_ = Step::ReadDescriptor;
  uint64_t job_ = 0;
  AccelDescriptor desc_;
  SgCursor in_, out_;
  uint64_t consumed_ = 0, produced_ = 0;
  uint64_t piece_address_ = 0;
  uint32_t piece_bytes_ = 0;
  uint64_t list_address_ = 0;
  uint32_t list_bytes_ = 0;
  uint8_t completion_[16] = {};
  uint64_t bytes_in_ = 0, bytes_out_ = 0, list_reads_ = 0, errors_ = 0, malformed_ = 0;
};

}  // namespace vtd::platform
