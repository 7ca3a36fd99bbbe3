// BenchLoop and BenchSource: what one speed measurement of `vtdsim bench` runs (N reads of
// `size` bytes, addresses stepping by `stride` through `span` bytes from `base`) and the
// interface of the initiators that run it in either TLM style (bench_initiator.h for LT,
// at_bench_initiator.h for AT), so the command drives them alike.
#pragma once

#include <cstdint>
#include <systemc>

namespace vtd::platform {

struct BenchLoop {
  uint64_t transactions = 0;
  uint64_t base = 0, span = 4096, stride = 64;
  uint32_t size = 64;
};

class BenchSource {
 public:
  virtual ~BenchSource() = default;
  virtual void start(const BenchLoop& loop) = 0;  // from another process; runs the loop
  virtual const sc_core::sc_event& done() const = 0;
  virtual double seconds() const = 0;   // wall-clock time of the last loop
  virtual uint64_t errors() const = 0;  // transactions answered with an error
};

}  // namespace vtd::platform
