// DmaMaster: a PCI bus master with a requester id that performs the DMA operations a
// DmaProgram hands it, one at a time (loosely timed, with a quantum keeper): reads, writes
// and MSI writes, all through its upstream socket with a RequesterExtension. The program
// sees each completion (with the data read) and decides the next operation, so ring
// devices can follow descriptors they read. Not modelled: outstanding requests, PCIe
// link timing (later issues).
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <vector>

#include "tlm/requester_extension.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct DmaOp {
  enum Kind : uint8_t { Read, Write, Msi };
  Kind kind = Read;
  uint64_t address = 0;
  uint32_t size = 0;     // bytes (Msi: always 4)
  uint32_t value = 0;    // Msi: message data; Write: fill byte in bits 7:0
  const uint8_t* data = nullptr;  // Write: bytes to send instead of the fill byte
};

class DmaProgram {
 public:
  virtual ~DmaProgram() = default;
  // The next operation; false when the program is finished.
  virtual bool next(DmaOp& op) = 0;
  // After each operation: whether it completed without error and, for reads, the data.
  virtual void completed(const DmaOp& op, bool ok, const uint8_t* data) {
    (void)op, (void)ok, (void)data;
  }
};

struct DmaMasterStats {
  uint64_t ops = 0, reads = 0, writes = 0, msis = 0, bytes = 0, errors = 0;
  uint64_t latency_ps = 0, max_latency_ps = 0;  // time each operation took (issue to completion)
};

class DmaMaster : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DmaMaster> socket;

  SC_HAS_PROCESS(DmaMaster);
  DmaMaster(const sc_core::sc_module_name& name, SourceId source, uint32_t gap_ns);
  // The payload would free every extension it holds; ours is a member.
  ~DmaMaster() override { payload_.clear_extension(&extension_); }

  SourceId source() const { return extension_.source; }
  // Starts `program` (the master must be idle); done() fires when it has finished.
  void start(DmaProgram& program);
  bool busy() const { return program_ != nullptr; }
  const sc_core::sc_event& done() const { return done_; }
  const DmaMasterStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = DmaMasterStats{}; }

 private:
  void run();
  bool perform(const DmaOp& op);

  tlm::RequesterExtension extension_;
  ::tlm::tlm_generic_payload payload_;
  tlm_utils::tlm_quantumkeeper keeper_;
  std::vector<uint8_t> buffer_;
  sc_core::sc_time gap_;
  DmaProgram* program_ = nullptr;
  sc_core::sc_event start_, done_;
  DmaMasterStats stats_;
};

}  // namespace vtd::platform
