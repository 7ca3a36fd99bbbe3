// DmaMaster: a PCI bus master with a requester id that performs the DMA operations a
// DmaProgram hands it, one at a time (loosely timed, with a quantum keeper): reads, writes
// and MSI writes, all through its upstream socket with a RequesterExtension. The program
// sees each completion (with the data read) and decides the next operation, so ring
// devices can follow descriptors they read. With ATS enabled (enableAts, `device.ats`)
// the master has a device-TLB (platform/device_tlb.h): each 4 KiB piece of a read or write
// looks it up; a miss sends a translation request (AT=01, an 8-byte read answered with a
// completion entry, tlm/vtd_unit.h) and keeps a usable answer; a piece whose entry allows
// the access goes out as a translated request (AT=10) to the translated address, any other
// (R=W=0, U=1, UR/CA, a write to a read-only entry) as an untranslated request, which the
// unit translates and checks itself. MSIs are always untranslated. Invalidate requests
// from the unit (invalidateAtc) drop entries at once and are answered unless the device is
// set to time out. An operation may carry a simulated time before which it must not start
// (not_before_ps): a device pacing itself to its line rate idles until then. A
// TransferObserver sees each TLM call begin and end (per-device shares of the unit's
// counters). Not modelled: outstanding requests, page requests (PRI).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "platform/device_tlb.h"
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
  uint64_t not_before_ps = 0;     // absolute simulated time (ps) the operation waits for
};

class DmaProgram {
 public:
  virtual ~DmaProgram() = default;
  // Called once when the master starts the program, with the simulated time (ps).
  virtual void started(uint64_t now_ps) { (void)now_ps; }
  // The next operation; false when the program is finished.
  virtual bool next(DmaOp& op) = 0;
  // After each operation: whether it completed without error and, for reads, the data.
  virtual void completed(const DmaOp& op, bool ok, const uint8_t* data) {
    (void)op, (void)ok, (void)data;
  }

 protected:
  // The master's simulated time (ps) when it called next() or completed(): a device's own
  // clock, up to a quantum ahead of the kernel's.
  uint64_t nowPs() const { return now_ps_; }
  // For programs that run other programs: hands the time on.
  static void passTime(DmaProgram& to, uint64_t now_ps) { to.now_ps_ = now_ps; }

 private:
  friend class DmaMaster;
  uint64_t now_ps_ = 0;
};

// Sees each TLM call of a master begin and end. The device path (PCIe link, unit, uncore,
// memory) answers b_transport without waiting, so nothing else runs in between: counters
// of shared modules that move between the two calls moved for this master.
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  virtual void beforeTransfer() = 0;
  virtual void afterTransfer() = 0;
};

struct DmaMasterStats {
  uint64_t ops = 0, reads = 0, writes = 0, msis = 0, bytes = 0, errors = 0;
  uint64_t latency_ps = 0, max_latency_ps = 0;  // time each operation took (issue to completion)
  uint64_t paced_ps = 0;  // time spent waiting for operations' not_before times
  uint64_t active_ps = 0;  // time from the last program's start to its end
  // ATS (device.ats): device-TLB lookups per 4 KiB piece, requests by address type
  uint64_t atc_lookups = 0, atc_hits = 0, atc_fills = 0;
  uint64_t translation_requests = 0, translation_failures = 0;  // failures: UR, CA, bad entry
  uint64_t translated_requests = 0, untranslated_requests = 0;
  uint64_t atc_invalidations = 0, atc_entries_invalidated = 0;
};

class DmaMaster : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DmaMaster> socket;

  SC_HAS_PROCESS(DmaMaster);
  DmaMaster(const sc_core::sc_module_name& name, SourceId source, uint32_t gap_ns);
  // The payload would free every extension it holds; ours is a member.
  ~DmaMaster() override { payload_.clear_extension(&extension_); }

  SourceId source() const { return extension_.source; }
  // Called with the issue time of every MSI write (a scenario measuring delivery latency).
  void setMsiObserver(std::function<void(const sc_core::sc_time& issued)> observer) {
    msi_observer_ = std::move(observer);
  }
  // Gives the master a device-TLB (before it runs); `ats_timeout`: it never answers
  // invalidate requests.
  void enableAts(const DeviceParams& params);
  bool atsEnabled() const { return atc_ != nullptr; }
  const DeviceTlb* deviceTlb() const { return atc_.get(); }
  // An ATS invalidate request from the remapping unit (through the platform's port).
  DeviceTlbResult invalidateAtc(const DeviceTlbInvalidation& request);
  void setTransferObserver(TransferObserver* observer) { observer_ = observer; }
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
  bool transfer(const DmaOp& op, uint32_t size, sc_core::sc_time& delay);
  bool transferAts(const DmaOp& op, uint32_t size, sc_core::sc_time& delay);
  bool access(::tlm::tlm_command command, uint64_t address, unsigned char* data, uint32_t length,
              AddressType at, sc_core::sc_time& delay);

  tlm::RequesterExtension extension_;
  ::tlm::tlm_generic_payload payload_;
  tlm_utils::tlm_quantumkeeper keeper_;
  std::vector<uint8_t> buffer_;
  sc_core::sc_time gap_;
  DmaProgram* program_ = nullptr;
  sc_core::sc_event start_, done_;
  DmaMasterStats stats_;
  std::unique_ptr<DeviceTlb> atc_;  // with ATS only
  bool ats_timeout_ = false;
  uint64_t completion_entry_ = 0;  // data of a translation request
  std::function<void(const sc_core::sc_time&)> msi_observer_;
  TransferObserver* observer_ = nullptr;
};

}  // namespace vtd::platform
