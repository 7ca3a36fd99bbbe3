// PcieBench: a pcie-bench-like DMA engine (Neugebauer et al., SIGCOMM 2018): a bus master
// with a requester id that issues DMA reads or writes of one size at random (seeded) or
// sequential offsets inside a window, keeping at most `tags` requests outstanding and
// issuing at most one request per `issue_gap_ns`. Loosely timed with outstanding requests:
// request k is issued at local time t_k through b_transport without waiting for it, its
// completion is t_k + the returned delay (+ the device's own latency), a min-heap of
// completion times enforces the tag limit (request k+tags waits for the earliest
// completion), and a quantum keeper advances local time. After `warmup_requests` it
// measures `requests` more: payload bandwidth (Gb/s over the time from the first measured
// issue to the last completion), and the latency of each request (issue to completion:
// mean, median, percentiles). Writes are posted on PCIe; their "completion" is when the
// data is in memory. With pcie_bench.fidelity=at the same workload runs approximately timed
// (pcie_bench_at.cpp): each request a payload of its own sent with nb_transport's BEGIN_REQ
// (annotated with the device latency, as above), the next issue waiting in simulated time
// for a free tag (a response) and for the previous END_REQ. Then the statistics read by
// `at_measure` also count the warm-up requests still in flight at that moment.
// Not modelled: DMA descriptors, the device's internal buses, a request larger than the
// device's 4 KiB buffer.
#pragma once

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "tlm/fidelity.h"
#include "tlm/payload_pool.h"
#include "tlm/requester_extension.h"

namespace vtd {
class ParamRegistry;
class StatRegistry;
}  // namespace vtd

namespace vtd::platform {

// pcie_bench.*: the workload (CALIBRATION.md: 64 B random reads in a window).
struct PcieBenchParams {
  bool write = false;  // DMA writes instead of reads
  uint32_t size_bytes = 64;
  uint64_t window_kib = 4096;
  bool sequential = false;         // offsets in order instead of at random
  uint32_t tags = 32;              // outstanding requests
  double issue_gap_ns = 5.0;       // least time between two issues
  double device_latency_ns = 300;  // the device's own share of each request's latency
  uint64_t requests = 100000;      // measured
  uint64_t warmup_requests = 10000;
  uint64_t seed = 1;
  uint64_t host_base_mib = 1024;  // host-physical address of the buffer
  tlm::Fidelity fidelity = tlm::Fidelity::Lt;  // how the device, its link and the unit talk

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix) const;
};

struct PcieBenchResult {
  uint64_t requests = 0, bytes = 0, errors = 0;
  double elapsed_ns = 0;  // first measured issue to last completion
  double gbps = 0;        // payload bits per ns
  double mean_ns = 0, median_ns = 0, p95_ns = 0, p99_ns = 0, min_ns = 0, max_ns = 0;
};

class PcieBench : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<PcieBench> socket;

  SC_HAS_PROCESS(PcieBench);
  PcieBench(const sc_core::sc_module_name& name, SourceId source);
  ~PcieBench() override { payload_.clear_extension(&extension_); }

  SourceId source() const { return extension_.source; }
  // Starts one measurement over the window [base, base + window) in device addresses.
  // `at_measure` runs when the warm-up is over, before the first measured request.
  void start(const PcieBenchParams& params, uint64_t base, std::function<void()> at_measure = {});
  bool busy() const { return busy_; }
  const sc_core::sc_event& done() const { return done_; }
  const PcieBenchResult& result() const { return result_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;

 private:
  // An approximately-timed request: its payload and when it was issued.
  class Request : public ::tlm::tlm_generic_payload {
   public:
    explicit Request(::tlm::tlm_mm_interface* mm) : tlm_generic_payload(mm) {}
    uint64_t issue_ps = 0;
    bool measured = false;
  };

  void run();
  void measure();
  void measureLt();
  void measureAt();  // pcie_bench_at.cpp
  ::tlm::tlm_sync_enum nbBackward(::tlm::tlm_generic_payload& trans, ::tlm::tlm_phase& phase,
                                  sc_core::sc_time& delay);
  void atEvent(::tlm::tlm_generic_payload& trans, const ::tlm::tlm_phase& phase);
  void atCompleted(Request& r);
  uint64_t offset(uint64_t index);
  void summarise(uint64_t first_issue, uint64_t last_completion);

  tlm::RequesterExtension extension_;
  ::tlm::tlm_generic_payload payload_;
  tlm_utils::tlm_quantumkeeper keeper_;
  std::vector<unsigned char> buffer_;
  PcieBenchParams params_;
  uint64_t base_ = 0;
  std::function<void()> at_measure_;
  std::mt19937_64 rng_;
  std::vector<uint64_t> latencies_ps_;
  bool busy_ = false;
  sc_core::sc_event start_, done_;
  PcieBenchResult result_;
  // Approximately timed.
  tlm::PayloadPool<Request> at_requests_;
  tlm_utils::peq_with_cb_and_phase<PcieBench> at_peq_;  // responses annotated later than now
  unsigned at_outstanding_ = 0;
  bool at_awaiting_end_req_ = false;
  uint64_t at_last_completion_ = 0;
  sc_core::sc_event at_response_, at_end_req_;
};

}  // namespace vtd::platform
