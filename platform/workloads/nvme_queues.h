// NVMe queue entries as an NVMe-like device and its guest driver share them (NVMe Base
// Specification 2.0, 4.2 submission queue entry, 4.6 completion queue entry; only the
// fields this workload uses are named): a 64-byte submission entry (opcode, command id,
// namespace, PRP1/PRP2 data pointer, starting LBA, number of blocks) and a 16-byte
// completion entry (SQ head, SQ id, command id, phase tag, status). I/O opcodes of the NVM
// command set: write 01h, read 02h. Not modelled: SGLs (PSDT = 00b: PRPs only), fused
// operations, metadata, admin commands, doorbell registers (the device takes submissions
// in order as if the tail doorbell had been rung).
#pragma once

#include <cstdint>

namespace vtd::platform {

struct NvmeSubmission {
  uint8_t opcode = 0;
  uint8_t flags = 0;          // FUSE 1:0, PSDT 7:6 (00b: PRPs)
  uint16_t command_id = 0;
  uint32_t nsid = 1;
  uint64_t reserved = 0;
  uint64_t metadata = 0;
  uint64_t prp1 = 0;
  uint64_t prp2 = 0;
  uint64_t slba = 0;          // CDW10-11
  uint16_t nlb = 0;           // CDW12 15:0, zero-based
  uint16_t control = 0;
  uint32_t cdw13 = 0, cdw14 = 0, cdw15 = 0;
  static constexpr uint8_t kWrite = 0x01, kRead = 0x02;
};
static_assert(sizeof(NvmeSubmission) == 64, "submission queue entries are 64 bytes");

struct NvmeCompletion {
  uint32_t result = 0;        // DW0, command specific
  uint32_t reserved = 0;
  uint16_t sq_head = 0;       // DW2
  uint16_t sq_id = 0;
  uint16_t command_id = 0;    // DW3 15:0
  uint16_t status = 0;        // DW3 31:16: bit 0 the phase tag, 15:1 the status field
  bool phase() const { return status & 1; }
  uint16_t statusField() const { return uint16_t(status >> 1); }
};
static_assert(sizeof(NvmeCompletion) == 16, "completion queue entries are 16 bytes");

constexpr uint32_t kNvmeLbaBytes = 512;

}  // namespace vtd::platform
